"""Request shapes (paths, query parameters, headers, bodies) of every Resource verb."""

from __future__ import annotations

import orjson
import pytest
from aioresponses import aioresponses

from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import AlreadyExists, Conflict, NotFound

from .conftest import ANY_URL, SERVER, only_request, recorded

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "prod"}}


async def test_get_core_namespaced_url_and_headers(api: ApiClient, mock: aioresponses) -> None:
    mock.get(f"{SERVER}/api/v1/namespaces/prod/pods/web-1", payload=POD)
    assert await api.resource("v1", "pods").get("web-1", namespace="prod") == POD
    method, _url, kwargs = only_request(mock)
    assert method == "GET"
    assert kwargs["headers"]["Authorization"] == "Bearer test-token"


async def test_group_resource_url(api: ApiClient, mock: aioresponses) -> None:
    mock.get(f"{SERVER}/apis/apps/v1/namespaces/ns/deployments/d", payload={})
    await api.resource("apps/v1", "deployments").get("d", namespace="ns")
    assert only_request(mock)[1].path == "/apis/apps/v1/namespaces/ns/deployments/d"


async def test_cluster_scoped_url_has_no_namespace(api: ApiClient, mock: aioresponses) -> None:
    mock.get(f"{SERVER}/api/v1/nodes/n1", payload={})
    await api.resource("v1", "nodes", namespaced=False).get("n1")
    assert only_request(mock)[1].path == "/api/v1/nodes/n1"


async def test_names_and_namespaces_are_quoted(api: ApiClient) -> None:
    path = api.resource("v1", "configmaps").path("a b", "x/y?z")
    assert path == "/api/v1/namespaces/a%20b/configmaps/x%2Fy%3Fz"


async def test_single_object_verb_without_namespace_is_an_error(api: ApiClient) -> None:
    with pytest.raises(ValueError, match="namespaced"):
        await api.resource("v1", "pods").get("web-1")


async def test_namespace_on_cluster_scoped_resource_is_an_error(api: ApiClient) -> None:
    with pytest.raises(ValueError, match="cluster-scoped"):
        await api.resource("v1", "nodes", namespaced=False).get("n1", namespace="x")


async def test_list_query_parameters(api: ApiClient, mock: aioresponses) -> None:
    mock.get(ANY_URL, payload={"kind": "PodList", "items": []})
    await api.resource("v1", "pods").list(
        namespace="prod",
        label_selector={"app": "web", "tier": "front"},
        field_selector="status.phase=Running",
        resource_version="100",
        resource_version_match="NotOlderThan",
        limit=50,
        continue_token="tok",
        timeout_seconds=10,
    )
    _, url, _ = only_request(mock)
    assert url.path == "/api/v1/namespaces/prod/pods"
    assert dict(url.query) == {
        "labelSelector": "app=web,tier=front",
        "fieldSelector": "status.phase=Running",
        "resourceVersion": "100",
        "resourceVersionMatch": "NotOlderThan",
        "limit": "50",
        "continue": "tok",
        "timeoutSeconds": "10",
    }


async def test_list_all_namespaces_url(api: ApiClient, mock: aioresponses) -> None:
    mock.get(f"{SERVER}/api/v1/pods", payload={"items": []})
    await api.resource("v1", "pods").list()
    assert only_request(mock)[1].path == "/api/v1/pods"


async def test_selector_objects_are_sent_as_their_string(
    api: ApiClient, mock: aioresponses
) -> None:
    class Sel:
        def __str__(self) -> str:
            return "app in (a,b)"

    mock.get(ANY_URL, payload={"items": []})
    await api.resource("v1", "pods").list(label_selector=Sel())
    assert only_request(mock)[1].query["labelSelector"] == "app in (a,b)"


async def test_list_pages_follows_continue_and_drops_resource_version(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.get(ANY_URL, payload={"metadata": {"continue": "c1"}, "items": [{"n": 1}]})
    mock.get(ANY_URL, payload={"metadata": {"continue": ""}, "items": [{"n": 2}]})
    pages = [
        page async for page in api.resource("v1", "pods").list_pages(resource_version="0", limit=1)
    ]
    assert [p["items"] for p in pages] == [[{"n": 1}], [{"n": 2}]]
    urls = [url for _, url, _ in recorded(mock)]
    assert dict(urls[0].query) == {"resourceVersion": "0", "limit": "1"}
    assert dict(urls[1].query) == {"limit": "1", "continue": "c1"}


async def test_list_items_fills_kind_and_api_version(api: ApiClient, mock: aioresponses) -> None:
    mock.get(
        ANY_URL,
        payload={"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [{"a": 1}]},
    )
    items = [item async for item in api.resource("v1", "pods").list_items()]
    assert items == [{"a": 1, "apiVersion": "v1", "kind": "Pod"}]


async def test_create_posts_body_with_field_manager_and_dry_run(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.post(ANY_URL, payload=POD, status=201)
    body = {"metadata": {"generateName": "web-", "namespace": "prod"}}
    await api.resource("v1", "pods").create(body, field_manager="ctl", dry_run=True)
    _method, url, kwargs = only_request(mock)
    assert url.path == "/api/v1/namespaces/prod/pods"
    assert dict(url.query) == {"fieldManager": "ctl", "dryRun": "All"}
    assert orjson.loads(kwargs["data"]) == body
    assert kwargs["headers"]["Content-Type"] == "application/json"


async def test_create_of_taken_name_raises_already_exists(
    api: ApiClient, mock: aioresponses
) -> None:
    status = {"kind": "Status", "code": 409, "reason": "AlreadyExists", "message": "exists"}
    mock.post(ANY_URL, payload=status, status=409)
    with pytest.raises(AlreadyExists):
        await api.resource("v1", "pods").create(POD)


async def test_replace_puts_to_object_url(api: ApiClient, mock: aioresponses) -> None:
    mock.put(ANY_URL, payload=POD)
    body = {**POD, "metadata": {**POD["metadata"], "resourceVersion": "5"}}
    await api.resource("v1", "pods").replace(body)
    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("PUT", "/api/v1/namespaces/prod/pods/web-1")
    assert orjson.loads(kwargs["data"])["metadata"]["resourceVersion"] == "5"


async def test_replace_with_stale_resource_version_raises_conflict(
    api: ApiClient, mock: aioresponses
) -> None:
    status = {"kind": "Status", "code": 409, "reason": "Conflict", "message": "modified"}
    mock.put(ANY_URL, payload=status, status=409)
    with pytest.raises(Conflict):
        await api.resource("v1", "pods").replace(POD)


async def test_replace_status_and_get_status_use_status_subresource(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.put(ANY_URL, payload=POD)
    mock.get(ANY_URL, payload=POD)
    pods = api.resource("v1", "pods")
    await pods.replace_status(POD)
    await pods.get_status("web-1", namespace="prod")
    assert [(m, u.path) for m, u, _ in recorded(mock)] == [
        ("PUT", "/api/v1/namespaces/prod/pods/web-1/status"),
        ("GET", "/api/v1/namespaces/prod/pods/web-1/status"),
    ]


@pytest.mark.parametrize(
    ("patch_type", "content_type"),
    [
        ("merge", "application/merge-patch+json"),
        ("json", "application/json-patch+json"),
        ("strategic", "application/strategic-merge-patch+json"),
        ("apply", "application/apply-patch+yaml"),
    ],
)
async def test_patch_content_types(
    api: ApiClient, mock: aioresponses, patch_type: str, content_type: str
) -> None:
    mock.patch(ANY_URL, payload=POD)
    body: object = [{"op": "add", "path": "/x", "value": 1}] if patch_type == "json" else {"a": 1}
    await api.resource("v1", "pods").patch(
        "web-1", body, namespace="prod", patch_type=patch_type  # type: ignore[arg-type]
    )
    _, _, kwargs = only_request(mock)
    assert kwargs["headers"]["Content-Type"] == content_type
    assert orjson.loads(kwargs["data"]) == body


async def test_apply_patch_sends_field_manager_and_force(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.patch(ANY_URL, payload=POD)
    await api.resource("apps/v1", "deployments").patch(
        "d", {"spec": {}}, namespace="ns", patch_type="apply", field_manager="me", force=True
    )
    _, url, _ = only_request(mock)
    assert dict(url.query) == {"fieldManager": "me", "force": "true"}


async def test_unknown_patch_type_is_refused(api: ApiClient) -> None:
    with pytest.raises(ValueError, match="patch_type"):
        await api.resource("v1", "pods").patch("p", {}, namespace="n", patch_type="xml")  # type: ignore[arg-type]


async def test_delete_sends_delete_options_body(api: ApiClient, mock: aioresponses) -> None:
    mock.delete(ANY_URL, payload={"kind": "Status", "status": "Success"})
    result = await api.resource("v1", "pods").delete(
        "web-1",
        namespace="prod",
        propagation_policy="Foreground",
        grace_period_seconds=0,
        preconditions={"uid": "u-1", "resourceVersion": "7"},
    )
    assert result["status"] == "Success"
    method, url, kwargs = only_request(mock)
    assert (method, url.path) == ("DELETE", "/api/v1/namespaces/prod/pods/web-1")
    assert orjson.loads(kwargs["data"]) == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": "Foreground",
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "u-1", "resourceVersion": "7"},
    }


async def test_delete_of_missing_object_raises_not_found(
    api: ApiClient, mock: aioresponses
) -> None:
    mock.delete(ANY_URL, payload={"kind": "Status", "code": 404, "reason": "NotFound"}, status=404)
    with pytest.raises(NotFound):
        await api.resource("v1", "pods").delete("gone", namespace="prod")


async def test_delete_collection_url_selectors_and_body(api: ApiClient, mock: aioresponses) -> None:
    mock.delete(ANY_URL, payload={})
    await api.resource("v1", "pods").delete_collection(
        namespace="prod", label_selector="app=web", propagation_policy="Background"
    )
    _, url, kwargs = only_request(mock)
    assert url.path == "/api/v1/namespaces/prod/pods"
    assert dict(url.query) == {"labelSelector": "app=web"}
    assert orjson.loads(kwargs["data"])["propagationPolicy"] == "Background"


async def test_scale_subresource_verbs(api: ApiClient, mock: aioresponses) -> None:
    scale = {"kind": "Scale", "spec": {"replicas": 3}}
    mock.get(ANY_URL, payload=scale)
    mock.put(ANY_URL, payload=scale)
    mock.patch(ANY_URL, payload=scale)
    deps = api.resource("apps/v1", "deployments")
    await deps.get_scale("d", namespace="ns")
    await deps.replace_scale("d", scale, namespace="ns")
    await deps.patch_scale("d", {"spec": {"replicas": 3}}, namespace="ns")
    calls = recorded(mock)
    assert [(m, u.path) for m, u, _ in calls] == [
        ("GET", "/apis/apps/v1/namespaces/ns/deployments/d/scale"),
        ("PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale"),
        ("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale"),
    ]
    assert calls[2][2]["headers"]["Content-Type"] == "application/merge-patch+json"


async def test_logs_returns_text_with_query(api: ApiClient, mock: aioresponses) -> None:
    mock.get(ANY_URL, body="line 1\nline 2\n", content_type="text/plain")
    text = await api.resource("v1", "pods").logs(
        "web-1", namespace="prod", container="app", tail_lines=2, timestamps=True
    )
    assert text == "line 1\nline 2\n"
    _, url, _ = only_request(mock)
    assert url.path == "/api/v1/namespaces/prod/pods/web-1/log"
    assert dict(url.query) == {"container": "app", "tailLines": "2", "timestamps": "true"}


async def test_follow_logs_yields_lines(api: ApiClient, mock: aioresponses) -> None:
    mock.get(ANY_URL, body="first\nsecond\nlast-without-newline", content_type="text/plain")
    pods = api.resource("v1", "pods")
    lines = [line async for line in pods.follow_logs("web-1", namespace="prod")]
    assert lines == ["first", "second", "last-without-newline"]
    assert only_request(mock)[1].query["follow"] == "true"


async def test_logs_on_other_resources_is_an_error(api: ApiClient) -> None:
    with pytest.raises(ValueError, match="pods"):
        await api.resource("apps/v1", "deployments").logs("d", namespace="ns")


async def test_watch_query_parameters(api: ApiClient, mock: aioresponses) -> None:
    mock.get(ANY_URL, body=b"")
    stream = api.resource("v1", "pods").watch(
        namespace="prod",
        resource_version="10",
        resource_version_match="NotOlderThan",
        timeout_seconds=30,
        allow_watch_bookmarks=True,
        send_initial_events=True,
    )
    async with stream:
        assert [event async for event in stream] == []
    _, url, _ = only_request(mock)
    assert dict(url.query) == {
        "resourceVersion": "10",
        "resourceVersionMatch": "NotOlderThan",
        "timeoutSeconds": "30",
        "watch": "true",
        "allowWatchBookmarks": "true",
        "sendInitialEvents": "true",
    }


async def test_user_agent_names_the_package(api: ApiClient, mock: aioresponses) -> None:
    mock.get(ANY_URL, payload={})
    await api.resource("v1", "pods").list()
    session = api._session
    assert session is not None
    assert session.headers["User-Agent"].startswith("kubeflow-informer/")
