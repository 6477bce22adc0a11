"""Protobuf request bodies over HTTP, on the embedded and the real server: the real server is
the authority for the field numbers (a wrong number stores a different field, or fails), and
both must store what the body's JSON form says."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.protobuf import PROTOBUF
from kubeflow_informer.apiserver.protobuf.tables import MESSAGES
from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import ApiError
from kubeflow_informer.testing import ApiServer
from tests.apiserver.protobuf.encode import encode_message, encode_object, envelope
from tests.apiserver.protobuf.objects import FULL_OBJECTS, STATUSES


def contains(expected: Any, actual: Any, path: str = "") -> None:
    """Every value the client sent is stored unchanged (the server may add defaults)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing from {sorted(actual)}"
            contains(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            contains(want, got, f"{path}[{index}]")
    else:
        assert expected == actual, f"{path}: sent {expected!r}, stored {actual!r}"


def meaningful(value: Any) -> Any:
    """The values a server must store: no nulls, no empty objects or lists."""
    if isinstance(value, dict):
        kept = {k: meaningful(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [meaningful(v) for v in value]
    return value


def _collection(obj: dict[str, Any], namespace: str) -> str:
    group, _, version = obj["apiVersion"].rpartition("/")
    info = default_registry().by_kind(group, version, obj["kind"])
    assert info is not None, obj["kind"]
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    scope = f"/namespaces/{namespace}" if info.namespaced else ""
    return f"{prefix}{scope}/{info.plural}"


@pytest.mark.parametrize("obj", FULL_OBJECTS, ids=lambda o: o["kind"])
async def test_a_protobuf_create_stores_what_its_json_form_says(
    apiserver: ApiServer, apiserver_client: ApiClient, obj: dict[str, Any]
) -> None:
    if obj["kind"] == "Event":  # an event and the object it is about share a namespace
        obj = {**obj, "involvedObject": {**obj["involvedObject"],
                                         "namespace": apiserver.namespace}}
    created = await apiserver_client.request(
        "POST", _collection(obj, apiserver.namespace), params={"dryRun": "All"},
        body=encode_object(obj), content_type=PROTOBUF,
    )
    contains({k: v for k, v in obj.items() if k != "metadata"}, created)
    contains({k: v for k, v in obj["metadata"].items() if k != "generateName"},
             created["metadata"])


async def _refused_config_map(
    apiserver: ApiServer, client: ApiClient, body: bytes, content_type: str
) -> ApiError:
    with pytest.raises(ApiError) as error:
        await client.request("POST", f"/api/v1/namespaces/{apiserver.namespace}/configmaps",
                             body=body, content_type=content_type)
    return error.value


async def test_a_protobuf_body_without_the_magic_is_400_worded_as_the_real_server(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    error = await _refused_config_map(apiserver, apiserver_client, b"garbage", PROTOBUF)
    assert (error.status, error.reason, error.message) == (
        400, "BadRequest",
        "the object provided is unrecognized (must be of type ConfigMap): provided data does "
        "not appear to be a protobuf message, expected prefix [107 56 115 0] (67617262616765)",
    )


async def test_an_empty_protobuf_envelope_is_400_empty_body(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    error = await _refused_config_map(apiserver, apiserver_client, b"k8s\x00", PROTOBUF)
    assert (error.status, error.message) == (
        400, "the object provided is unrecognized (must be of type ConfigMap): empty body "
        "(6b387300)")


async def test_an_unknown_media_type_lists_protobuf_among_the_accepted_ones(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    error = await _refused_config_map(apiserver, apiserver_client, b"x", "text/plain")
    assert (error.status, error.message) == (
        415, "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf")


async def test_a_protobuf_body_of_a_kind_without_a_table_is_415_naming_it(
    api_client: ApiClient,
) -> None:
    # Deliberate difference: the real server decodes every kind; the embedded one says which
    # kind it cannot and how to send JSON instead, rather than storing a partial object.
    with pytest.raises(ApiError) as error:
        await api_client.request(
            "POST", "/apis/apps/v1/namespaces/default/deployments",
            body=envelope("apps/v1", "ControllerRevision", b""), content_type=PROTOBUF,
        )
    assert (error.value.status, error.value.reason) == (415, "UnsupportedMediaType")
    assert "kind 'ControllerRevision' of apiVersion 'apps/v1'" in error.value.message
    assert "application/json" in error.value.message


@pytest.mark.parametrize(("obj", "status"), STATUSES, ids=lambda o: o.get("kind", "status"))
async def test_a_protobuf_status_update_stores_what_its_json_form_says(
    apiserver: ApiServer, apiserver_client: ApiClient, obj: dict[str, Any],
    status: dict[str, Any],
) -> None:
    collection = _collection(obj, apiserver.namespace)
    created = await apiserver_client.request("POST", collection, json=obj)
    body = {**obj, "metadata": {**obj["metadata"],
                                "resourceVersion": created["metadata"]["resourceVersion"]},
            "status": status}
    updated = await apiserver_client.request(
        "PUT", f"{collection}/{obj['metadata']['name']}/status", params={"dryRun": "All"},
        body=encode_object(body), content_type=PROTOBUF,
    )
    contains(meaningful(status), updated["status"])


async def test_a_protobuf_body_with_a_field_number_unknown_to_the_tables_is_accepted(
    request: pytest.FixtureRequest, apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    # Deliberate difference (docs/apiserver.md): the real server skips unknown fields, the
    # embedded one refuses them with 415 rather than storing less than the client sent.
    if not apiserver.is_real:
        request.applymarker(pytest.mark.xfail(strict=True, raises=ApiError,
                                              reason="unknown protobuf fields are a 415"))
    raw = encode_message({"metadata": {"name": "future"}, "data": {"k": "v"}},
                         MESSAGES["core.ConfigMap"])
    future_field = b"\xba\x3e\x01x"  # field 999, length-delimited, one byte
    body = envelope("v1", "ConfigMap", raw + future_field)
    created = await apiserver_client.request(
        "POST", f"/api/v1/namespaces/{apiserver.namespace}/configmaps", body=body,
        content_type=PROTOBUF)
    assert created["data"] == {"k": "v"}
