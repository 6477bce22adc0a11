"""The RBAC policy an RBAC-mode embedded server starts with is the real server's bootstrap
policy, and aggregated ClusterRoles (admin, edit, view) gather their rules as
kube-controller-manager's aggregation controller does."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer, ControlPlane, eventually
from tests.apiserver.rbac.conftest import RBAC_SUITE, RBAC_V1
from tests.apiserver.rbac.dump_bootstrap_policy import KINDS, bootstrap_object

pytestmark = RBAC_SUITE

BOOTSTRAPPING = "kubernetes.io/bootstrapping"


def _defining(item: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The defining part of a bootstrap object, aggregated rules included."""
    if (item["metadata"].get("labels") or {}).get(BOOTSTRAPPING) != "rbac-defaults":
        return None
    obj = bootstrap_object(item, kind)
    if obj is not None and "aggregationRule" in obj:
        obj["rules"] = item.get("rules") or []
    return obj


async def _policy(api: ApiClient) -> dict[tuple[str, str, str], dict[str, Any]]:
    policy = {}
    for plural, namespaced in KINDS:
        listing = await api.resource(RBAC_V1, plural, namespaced=namespaced).list()
        kind = listing["kind"].removesuffix("List")
        for item in listing["items"]:
            obj = _defining(item, kind)
            if obj is not None:
                meta = obj["metadata"]
                policy[(kind, meta.get("namespace", ""), meta["name"])] = obj
    return policy


@pytest.mark.real_apiserver
async def test_the_seeded_policy_is_the_real_servers(control_plane: ControlPlane) -> None:
    async with EmbeddedApiServer(rbac=True) as server, ApiClient(server.config) as embedded:
        seeded = await _policy(embedded)
    async with ApiClient(control_plane.config) as real:
        live = await _policy(real)
    assert len(seeded) == 135
    assert seeded == live


async def test_a_labelled_cluster_role_is_aggregated_into_view(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    roles = apiserver_client.resource(RBAC_V1, "clusterroles", namespaced=False)
    name = f"{apiserver.namespace}-widgets-view"
    rule = {"verbs": ["get", "list", "watch"], "apiGroups": ["example.com"],
            "resources": [f"{apiserver.namespace}-widgets"]}
    await roles.create({"metadata": {"name": name, "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}}, "rules": [rule]})
    try:
        for aggregated in ("view", "edit", "admin"):  # view goes into edit, edit into admin
            await eventually(functools.partial(_has_rule, roles, aggregated, rule),
                             what=f"the rule in {aggregated}")
    finally:
        await roles.delete(name)
    await eventually(lambda: _lacks_rule(roles, "view", rule), what="the rule to leave view")


async def _has_rule(roles: Any, name: str, rule: dict[str, Any]) -> bool:
    return rule in ((await roles.get(name)).get("rules") or [])


async def _lacks_rule(roles: Any, name: str, rule: dict[str, Any]) -> bool:
    return not await _has_rule(roles, name, rule)
