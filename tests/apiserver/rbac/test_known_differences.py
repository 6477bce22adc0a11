"""The identity and RBAC differences docs/apiserver.md lists, each pinned: the test asserts what
kube-apiserver does and is a strict xfail on the embedded server, so that a fix is noticed."""

from __future__ import annotations

import json

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from tests.apiserver.rbac.conftest import RBAC_SUITE, RBAC_V1

pytestmark = RBAC_SUITE


def _differs_on_embedded(apiserver: ApiServer, request: pytest.FixtureRequest, why: str) -> None:
    if not apiserver.is_real:
        request.applymarker(pytest.mark.xfail(strict=True, reason=why))


async def test_service_account_tokens_are_verifiable_through_the_jwks_endpoint(
    apiserver: ApiServer, reader: ApiClient, request: pytest.FixtureRequest
) -> None:
    _differs_on_embedded(apiserver, request, "HS256 tokens; /openid/v1/jwks is not served")
    keys = json.loads(await reader.request_text("GET", "/openid/v1/jwks"))
    assert keys["keys"][0]["alg"] == "RS256"


async def test_aggregated_roles_record_the_aggregation_controller(
    apiserver: ApiServer, apiserver_client: ApiClient, request: pytest.FixtureRequest
) -> None:
    _differs_on_embedded(apiserver, request,
                         "the server's own aggregation writes record no managedFields entry")
    admin = await apiserver_client.resource(RBAC_V1, "clusterroles", namespaced=False).get(
        "admin")
    managers = [(m["manager"], m["operation"]) for m in admin["metadata"]["managedFields"]]
    assert ("clusterrole-aggregation-controller", "Apply") in managers


async def test_openshift_adds_its_public_info_viewer(
    apiserver: ApiServer, apiserver_client: ApiClient, request: pytest.FixtureRequest
) -> None:
    _differs_on_embedded(apiserver, request,
                         "the envtest binaries are OpenShift's build; upstream has no such role")
    role = await apiserver_client.resource(RBAC_V1, "clusterroles", namespaced=False).get(
        "system:openshift:public-info-viewer")
    assert role["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/.well-known",
                                                                   "/.well-known/*"]}]
