"""How a request turns into authorization attributes: the rules of kube-apiserver's
RequestInfo resolver (verbs from methods, list/watch/deletecollection, namespaces, subresources,
non-resource paths)."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.auth import ANONYMOUS
from kubeflow_informer.apiserver.request_attributes import attributes_of


@pytest.mark.parametrize(("method", "path", "query", "expected"), [
    ("GET", "/api/v1/namespaces/ns/pods", {}, ("list", "", "pods", "", "ns", "")),
    ("GET", "/api/v1/namespaces/ns/pods", {"watch": "true"}, ("watch", "", "pods", "", "ns", "")),
    ("GET", "/api/v1/namespaces/ns/pods", {"watch": "0"}, ("list", "", "pods", "", "ns", "")),
    ("GET", "/api/v1/namespaces/ns/pods/p", {"watch": "true"}, ("get", "", "pods", "", "ns", "p")),
    ("GET", "/api/v1/watch/namespaces/ns/pods/p", {}, ("watch", "", "pods", "", "ns", "p")),
    ("GET", "/api/v1/namespaces/ns/pods/p/log", {}, ("get", "", "pods", "log", "ns", "p")),
    ("HEAD", "/api/v1/nodes/n", {}, ("get", "", "nodes", "", "", "n")),
    ("POST", "/apis/apps/v1/namespaces/ns/deployments", {},
     ("create", "apps", "deployments", "", "ns", "")),
    ("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale", {},
     ("update", "apps", "deployments", "scale", "ns", "d")),
    ("PATCH", "/api/v1/namespaces/ns/services/s", {}, ("patch", "", "services", "", "ns", "s")),
    ("DELETE", "/api/v1/namespaces/ns/pods/p", {}, ("delete", "", "pods", "", "ns", "p")),
    ("DELETE", "/api/v1/namespaces/ns/pods", {}, ("deletecollection", "", "pods", "", "ns", "")),
    ("GET", "/api/v1/namespaces/ns", {}, ("get", "", "namespaces", "", "ns", "ns")),
    ("PUT", "/api/v1/namespaces/ns/finalize", {},
     ("update", "", "namespaces", "finalize", "ns", "ns")),
    ("POST", "/api/v1/namespaces", {}, ("create", "", "namespaces", "", "", "")),
    ("GET", "/api/v1/pods", {"fieldSelector": "metadata.name=p"},
     ("list", "", "pods", "", "", "p")),
    ("GET", "/api/v1/pods", {"fieldSelector": "metadata.name=p,spec.nodeName=n"},
     ("list", "", "pods", "", "", "p")),
    ("GET", "/api/v1/pods", {"fieldSelector": "metadata.name!=p"},
     ("list", "", "pods", "", "", "")),
    ("GET", "/api/v1/watch/pods", {"fieldSelector": "metadata.name=p"},
     ("watch", "", "pods", "", "", "")),
])
def test_resource_requests(method: str, path: str, query: dict[str, str],
                           expected: tuple[str, ...]) -> None:
    attributes = attributes_of(ANONYMOUS, method, path, query)
    assert attributes.resource_request
    assert (attributes.verb, attributes.api_group, attributes.resource, attributes.subresource,
            attributes.namespace, attributes.name) == expected


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api"), ("GET", "/api/v1"), ("GET", "/apis"), ("GET", "/apis/apps"),
    ("GET", "/apis/apps/v1"), ("GET", "/version"), ("GET", "/healthz"),
    ("GET", "/openapi/v3/apis/apps/v1"), ("POST", "/metrics"),
])
def test_non_resource_requests_keep_the_lowercased_method(method: str, path: str) -> None:
    attributes = attributes_of(ANONYMOUS, method, path, {})
    assert not attributes.resource_request
    assert (attributes.verb, attributes.path) == (method.lower(), path)
