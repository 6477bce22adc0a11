"""What the server computes rather than stores, on both servers: bindings, evictions under
disruption budgets, connect subresources of a pod without a node, and the subresources that
write one part of an object (ephemeral containers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from kubeflow_informer.testing import ApiServer, eventually

pytestmark = pytest.mark.timeout(60)

CREATED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


class Http:
    """Raw JSON requests to the test's server, in its namespace (exact bodies, no retries)."""

    def __init__(self, session: aiohttp.ClientSession, apiserver: ApiServer) -> None:
        self.session = session
        self.base = apiserver.config.server
        self.ns = f"/api/v1/namespaces/{apiserver.namespace}"
        self.namespace = apiserver.namespace

    async def call(self, method: str, path: str, body: Any = None, *,
                   content_type: str = "application/json") -> tuple[int, Any]:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"json": body} if content_type == "application/json" else {
                "json": body, "headers": {"Content-Type": content_type}}
        async with self.session.request(method, self.base + path, **kwargs) as response:
            return response.status, await response.json(content_type=None)


@pytest_asyncio.fixture
async def http(apiserver: ApiServer) -> AsyncIterator[Http]:
    config = apiserver.config
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
    connector = aiohttp.TCPConnector(ssl=config.ssl_context())
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        yield Http(session, apiserver)


def _pod(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]}}


def _binding(name: str, node: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def _eviction(name: str) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}


async def _running_ready_pod(http: Http, name: str, labels: dict[str, str]) -> None:
    assert (await http.call("POST", f"{http.ns}/pods", _pod(name, labels)))[0] == 201
    status = {"status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True"}]}}
    code, _ = await http.call("PATCH", f"{http.ns}/pods/{name}/status", status,
                              content_type="application/merge-patch+json")
    assert code == 200


async def _budget(http: Http, status: dict[str, Any] | None) -> None:
    pdbs = f"/apis/policy/v1/namespaces/{http.namespace}/poddisruptionbudgets"
    body = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "budget"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}}
    assert (await http.call("POST", pdbs, body))[0] == 201
    if status is not None:
        code, _ = await http.call("PATCH", f"{pdbs}/budget/status", {"status": status},
                                  content_type="application/merge-patch+json")
        assert code == 200


async def test_binding_schedules_the_pod(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    assert await http.call("POST", f"{http.ns}/pods/p/binding", _binding("p", "node-a")) == (
        201, CREATED)
    _, pod = await http.call("GET", f"{http.ns}/pods/p")
    assert pod["spec"]["nodeName"] == "node-a"
    scheduled = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert [(c["status"], c["lastProbeTime"]) for c in scheduled] == [("True", None)]


async def test_bindings_collection_takes_the_pod_name_from_the_body(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("q"))
    assert (await http.call("POST", f"{http.ns}/bindings", _binding("q", "node-b")))[0] == 201
    _, pod = await http.call("GET", f"{http.ns}/pods/q")
    assert pod["spec"]["nodeName"] == "node-b"


async def test_binding_an_assigned_pod_is_a_conflict(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    await http.call("POST", f"{http.ns}/pods/p/binding", _binding("p", "node-a"))
    code, status = await http.call("POST", f"{http.ns}/pods/p/binding", _binding("p", "node-c"))
    assert code == 409
    assert status["message"] == ('Operation cannot be fulfilled on pods/binding "p": pod p is '
                                 'already assigned to node "node-a"')
    assert status["details"] == {"name": "p", "kind": "pods/binding"}


async def test_evicting_a_pending_pod_deletes_it(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    assert await http.call("POST", f"{http.ns}/pods/p/eviction", _eviction("p")) == (
        201, CREATED)

    async def gone() -> bool:
        return (await http.call("GET", f"{http.ns}/pods/p"))[0] == 404

    await eventually(gone, timeout=10, what="the evicted pod to be gone")


async def test_evicting_a_missing_pod_is_not_found(http: Http) -> None:
    code, status = await http.call("POST", f"{http.ns}/pods/nope/eviction", _eviction("nope"))
    assert (code, status["message"], status["details"]) == (
        404, 'pods "nope" not found', {"name": "nope", "kind": "pods"})


async def test_eviction_name_must_match_the_url(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    code, status = await http.call("POST", f"{http.ns}/pods/p/eviction", _eviction("other"))
    assert (code, status["message"]) == (400, "name in URL does not match name in Eviction object")


async def test_a_budget_not_yet_observed_blocks_eviction(http: Http) -> None:
    await _running_ready_pod(http, "p", {"app": "x"})
    await _budget(http, None)
    code, status = await http.call("POST", f"{http.ns}/pods/p/eviction", _eviction("p"))
    assert code == 429
    assert status["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert status["details"] == {"causes": [{
        "reason": "DisruptionBudget",
        "message": "The disruption budget budget is still being processed by the server.",
    }], "retryAfterSeconds": 10}


async def test_a_budget_without_disruptions_left_blocks_eviction(http: Http) -> None:
    await _running_ready_pod(http, "p", {"app": "x"})
    await _budget(http, {"observedGeneration": 1, "disruptionsAllowed": 0, "currentHealthy": 1,
                         "desiredHealthy": 1, "expectedPods": 1})
    code, status = await http.call("POST", f"{http.ns}/pods/p/eviction", _eviction("p"))
    assert code == 429
    assert status["details"]["causes"][0]["message"] == (
        "The disruption budget budget needs 1 healthy pods and has 1 currently")


async def test_an_allowed_eviction_takes_one_disruption(http: Http) -> None:
    await _running_ready_pod(http, "p", {"app": "x"})
    await _budget(http, {"observedGeneration": 1, "disruptionsAllowed": 1, "currentHealthy": 2,
                         "desiredHealthy": 1, "expectedPods": 2})
    assert await http.call("POST", f"{http.ns}/pods/p/eviction", _eviction("p")) == (
        201, CREATED)
    _, budget = await http.call(
        "GET", f"/apis/policy/v1/namespaces/{http.namespace}/poddisruptionbudgets/budget")
    assert budget["status"]["disruptionsAllowed"] == 0
    assert list(budget["status"]["disruptedPods"]) == ["p"]


async def test_exec_into_a_pod_without_a_node_is_a_bad_request(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    code, status = await http.call("POST", f"{http.ns}/pods/p/exec?command=ls")
    assert (code, status["message"]) == (400, "pod p does not have a host assigned")


async def test_ephemeral_containers_subresource_writes_only_them(http: Http) -> None:
    await http.call("POST", f"{http.ns}/pods", _pod("p"))
    patch = {"spec": {"ephemeralContainers": [
        {"name": "debug", "image": "busybox", "terminationMessagePolicy": "File"}],
        "activeDeadlineSeconds": 5}}
    code, pod = await http.call("PATCH", f"{http.ns}/pods/p/ephemeralcontainers", patch,
                                content_type="application/strategic-merge-patch+json")
    assert code == 200
    assert [c["name"] for c in pod["spec"]["ephemeralContainers"]] == ["debug"]
    assert "activeDeadlineSeconds" not in pod["spec"]
