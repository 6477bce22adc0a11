"""Listers never answer from a cache nobody started: informers, indexers and per-resource options
are declared on the manager before start, and an undeclared lister is started on demand."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import kubeflow_informer.controller.controller as controller_module
from kubeflow_informer import (
    ApiClient,
    Controller,
    EmbeddedApiServer,
    For,
    Manager,
    Reconciler,
    Request,
    eventually,
)
from kubeflow_informer.cache import InformerOptions

pytestmark = pytest.mark.timeout(30)


class ReadsASecret(Reconciler):
    """For each ConfigMap, looks up the Secret of the same name in a lister."""

    def __init__(self, **selection: Any) -> None:
        self.selection = selection
        self.found: dict[str, Any] = {}
        self.errors: list[BaseException] = []

    async def reconcile(self, request: Request) -> None:
        try:
            secrets = self.lister("v1", "secrets", **self.selection)
        except Exception as err:
            self.errors.append(err)
            raise
        self.found[request.name] = secrets.get(request.namespace, request.name)


async def seed(api: ApiClient, name: str) -> None:
    await api.resource("v1", "secrets").create({"metadata": {"name": name}}, namespace="default")
    await api.resource("v1", "configmaps").create({"metadata": {"name": name}},
                                                 namespace="default")


def manager_for(api: ApiClient, reconciler: Reconciler, **options: Any) -> Manager:
    manager = Manager(api_client=api, metrics_port=None, **options)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    return manager


async def test_an_undeclared_lister_is_started_on_demand_and_never_answers_empty(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(api_client, "a")
    reconciler = ReadsASecret()
    with caplog.at_level(logging.WARNING):
        async with manager_for(api_client, reconciler):
            await eventually(lambda: "a" in reconciler.found)
    assert reconciler.found["a"] is not None  # the Secret, not an empty answer
    assert "v1/secrets: read by a reconciler but declared by no controller" in caplog.text


async def test_an_undeclared_selector_gets_its_own_informer_on_demand(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    await seed(api_client, "b")
    reconciler = ReadsASecret(field_selector="metadata.name=b")
    async with manager_for(api_client, reconciler) as manager:
        await eventually(lambda: "b" in reconciler.found)
        names = [informer.name for informer in manager.factory.informers]
    assert reconciler.found["b"] is not None
    assert names.count("v1/secrets@default") + names.count("v1/secrets") == 1


async def test_informers_and_indexers_declared_before_start_are_synced_with_the_others(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(api_client, "c")
    reconciler = ReadsASecret()
    manager = manager_for(api_client, reconciler)
    informer = manager.factory.informer_for(
        "v1", "secrets", indexers={"by-name": lambda obj: [obj["metadata"]["name"]]}
    )
    with caplog.at_level(logging.WARNING):
        async with manager:
            assert informer.has_synced  # synced before the controllers started
            await eventually(lambda: "c" in reconciler.found)
            assert [o["metadata"]["name"] for o in informer.indexer.by_index("by-name", "c")] == [
                "c"]
    assert reconciler.found["c"] is not None
    assert "declared by no controller" not in caplog.text


async def test_informer_options_are_set_per_resource_through_the_manager(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient
) -> None:
    for name in ("d1", "d2", "d3"):
        await seed(api_client, name)

    def mark(obj: dict[str, Any]) -> dict[str, Any]:
        obj["metadata"].setdefault("annotations", {})["transformed"] = "yes"
        return obj

    options = {("v1", "configmaps"): InformerOptions(page_size=1, transform=mark,
                                                     resync_period=0)}
    reconciler = ReadsASecret()
    async with manager_for(api_client, reconciler, informer_options=options) as manager:
        await eventually(lambda: len(reconciler.found) == 3)
        [configmaps] = [i for i in manager.factory.informers if i.name.startswith("v1/configmaps")]
        cached = configmaps.lister().get("default", "d1")
        assert cached is not None and cached["metadata"]["annotations"] == {"transformed": "yes"}
        assert configmaps.reflector.metrics.list_pages >= 3  # one object per page
        [secrets] = [i for i in manager.factory.informers if i.name.startswith("v1/secrets")]
        assert secrets.reflector.page_size != 1  # the option was for configmaps only


def test_configuring_a_resource_after_its_informer_exists_is_refused(
    api_client: ApiClient,
) -> None:
    manager = Manager(api_client=api_client, metrics_port=None)
    manager.factory.informer_for("v1", "pods")
    with pytest.raises(RuntimeError, match="before its first informer"):
        manager.factory.configure("v1", "pods", InformerOptions(page_size=10))


async def test_a_lister_whose_informer_never_syncs_fails_the_reconcile_clearly(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(controller_module, "ON_DEMAND_SYNC_TIMEOUT", 0.3)

    class ReadsNothingThere(Reconciler):
        def __init__(self) -> None:
            self.errors: list[BaseException] = []

        async def reconcile(self, request: Request) -> None:
            try:
                self.lister("example.com/v1", "nothings").list()
            except Exception as err:
                self.errors.append(err)
                raise

    await seed(api_client, "e")
    reconciler = ReadsNothingThere()
    manager = Manager(api_client=api_client, metrics_port=None)
    manager.add(Controller(reconciler, for_=For("v1", "configmaps")))
    async with manager:
        await eventually(lambda: len(reconciler.errors) >= 2, timeout=10)
    assert "example.com/v1/nothings" in str(reconciler.errors[0])
