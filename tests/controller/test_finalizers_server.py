"""Finalizer helper on both API servers: other finalizers survive."""

from __future__ import annotations

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller.finalizers import Finalizer
from kubeflow_informer.errors import Invalid
from kubeflow_informer.testing import ApiServer

pytestmark = pytest.mark.timeout(20)

NAME = "example.com/cleanup"


async def make_cm(api: ApiClient, ns: str, finalizers: list[str] | None = None) -> dict:
    meta: dict = {"name": "cm", "namespace": ns}
    if finalizers:
        meta["finalizers"] = finalizers
    return await api.resource("v1", "configmaps").create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}, namespace=ns
    )


async def test_add_keeps_a_finalizer_another_controller_added_meanwhile(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    cms = apiserver_client.resource("v1", "configmaps")
    stale = await make_cm(apiserver_client, ns, ["other.io/a"])
    await cms.patch("cm", {"metadata": {"finalizers": ["other.io/a", "other.io/b"]}},
                    namespace=ns)
    with pytest.raises(Invalid):
        await Finalizer(NAME, cms).add(stale)  # our view is stale: the test op fails
    fresh = await cms.get("cm", namespace=ns)
    stored = await Finalizer(NAME, cms).add(fresh)
    assert stored["metadata"]["finalizers"] == ["other.io/a", "other.io/b", NAME]


async def test_first_finalizer_is_not_added_over_a_concurrent_write(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    cms = apiserver_client.resource("v1", "configmaps")
    stale = await make_cm(apiserver_client, ns)
    await cms.patch("cm", {"metadata": {"finalizers": ["other.io/a"]}}, namespace=ns)
    with pytest.raises(Invalid):
        await Finalizer(NAME, cms).add(stale)
    assert (await cms.get("cm", namespace=ns))["metadata"]["finalizers"] == ["other.io/a"]


async def test_remove_takes_out_only_our_finalizer(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    cms = apiserver_client.resource("v1", "configmaps")
    obj = await make_cm(apiserver_client, ns, ["other.io/a", NAME, "other.io/b"])
    stored = await Finalizer(NAME, cms).remove(obj)
    assert stored["metadata"]["finalizers"] == ["other.io/a", "other.io/b"]


async def test_deletion_runs_cleanup_and_then_the_object_goes_away(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    cms = apiserver_client.resource("v1", "configmaps")
    fin = Finalizer(NAME, cms)
    obj = (await fin.handle(await make_cm(apiserver_client, ns), _no_cleanup)).object
    await cms.delete("cm", namespace=ns)
    dying = await cms.get("cm", namespace=ns)
    assert dying["metadata"].get("deletionTimestamp")
    cleaned: list[str] = []

    async def cleanup(o: dict) -> None:
        cleaned.append(o["metadata"]["name"])

    outcome = await fin.handle(dying, cleanup)
    assert outcome.removed and cleaned == ["cm"] and obj["metadata"]["finalizers"] == [NAME]
    names = [o["metadata"]["name"] async for o in cms.list_items(namespace=ns)]
    assert "cm" not in names


async def _no_cleanup(_obj: dict) -> None:
    raise AssertionError("cleanup must not run on a live object")
