"""Two managers with leader election on one API server (embedded or real): real Leases."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.controller import (
    Controller,
    For,
    LeaderElectionConfig,
    Manager,
    Reconciler,
    Request,
    Result,
)
from kubeflow_informer.testing import ApiServer

pytestmark = pytest.mark.timeout(30)

LEASE, RENEW, RETRY = 1.5, 1.0, 0.2


class Journal:
    """Every reconcile as (identity, request, start, end), shared by both managers."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Request, float, float]] = []
        self.changed = asyncio.Condition()

    async def record(self, entry: tuple[str, Request, float, float]) -> None:
        async with self.changed:
            self.entries.append(entry)
            self.changed.notify_all()

    async def wait(self, predicate: Callable[[list[Any]], bool], within: float = 10.0) -> None:
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(lambda: predicate(self.entries))


class JournalingReconciler(Reconciler):
    def __init__(self, identity: str, journal: Journal) -> None:
        self.identity = identity
        self.journal = journal

    async def reconcile(self, request: Request) -> Result | None:
        start = time.monotonic()
        await asyncio.sleep(0.02)
        await self.journal.record((self.identity, request, start, time.monotonic()))
        return None


def make_manager(apiserver: ApiServer, identity: str, journal: Journal) -> Manager:
    ns = apiserver.namespace
    manager = Manager(
        apiserver.config,
        namespace=ns,
        metrics_port=None,
        shutdown_grace_period=5.0,
        leader_election=LeaderElectionConfig(
            name="test-lock", namespace=ns, identity=identity,
            lease_duration=LEASE, renew_deadline=RENEW, retry_period=RETRY,
        ),
    )
    manager.add(Controller(JournalingReconciler(identity, journal), for_=For("v1", "configmaps")))
    return manager


async def create_cm(api: ApiClient, ns: str, name: str) -> None:
    await api.resource("v1", "configmaps").create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}, namespace=ns)


async def test_only_the_leader_reconciles_and_stopping_it_hands_over(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    journal = Journal()
    for i in range(3):
        await create_cm(apiserver_client, ns, f"cm-{i}")
    managers = {name: make_manager(apiserver, name, journal) for name in ("one", "two")}
    try:
        await asyncio.gather(*(m.start() for m in managers.values()))
        await journal.wait(lambda e: {r.name for _, r, _, _ in e} >= {"cm-0", "cm-1", "cm-2"})
        leaders = {identity for identity, *_ in journal.entries}
        assert len(leaders) == 1
        leader = leaders.pop()
        follower = "two" if leader == "one" else "one"
        assert managers[leader].leading and not managers[follower].leading

        stopped_at = time.monotonic()
        await managers[leader].shutdown()
        lease = await apiserver_client.resource("coordination.k8s.io/v1", "leases").get("test-lock",
                                                                            namespace=ns)
        assert not lease["spec"].get("holderIdentity")  # released on shutdown
        await create_cm(apiserver_client, ns, "after-handover")
        await journal.wait(lambda e: any(i == follower and r.name == "after-handover"
                                         for i, r, _, _ in e))
        first_follower_start = min(s for i, _, s, _ in journal.entries if i == follower)
        assert first_follower_start - stopped_at < LEASE
    finally:
        for manager in managers.values():
            await manager.shutdown()
    by_key: dict[Request, list[tuple[str, float, float]]] = {}
    for identity, request, start, end in journal.entries:
        by_key.setdefault(request, []).append((identity, start, end))
    for runs in by_key.values():
        runs.sort(key=lambda run: run[1])
        for (_, _, end), (_, next_start, _) in itertools.pairwise(runs):
            assert next_start >= end  # never the same key in both managers at once


async def test_losing_the_lease_stops_the_controllers(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    journal = Journal()
    await create_cm(apiserver_client, ns, "cm")
    manager = make_manager(apiserver, "solo", journal)
    run = asyncio.create_task(manager.run())
    try:
        await journal.wait(lambda e: len(e) >= 1)
        leases = apiserver_client.resource("coordination.k8s.io/v1", "leases")
        lease = await leases.get("test-lock", namespace=ns)
        lease["spec"]["holderIdentity"] = "usurper"
        await leases.replace(lease, namespace=ns)  # another replica took the lease
        from kubeflow_informer.controller import LeaderElectionLost

        with pytest.raises(LeaderElectionLost):
            await asyncio.wait_for(run, timeout=10)
        assert not manager.leading
    finally:
        if not run.done():
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)


async def test_a_lease_left_by_a_crashed_leader_is_taken_over_once_it_expires(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    leases = apiserver_client.resource("coordination.k8s.io/v1", "leases")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # MicroTime
    await leases.create({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "test-lock"},
        "spec": {"holderIdentity": "crashed", "leaseDurationSeconds": 2, "acquireTime": stamp,
                 "renewTime": stamp, "leaseTransitions": 3},
    }, namespace=ns)
    journal = Journal()
    await create_cm(apiserver_client, ns, "cm")
    manager = make_manager(apiserver, "heir", journal)
    started = time.monotonic()
    try:
        await manager.start()
        await journal.wait(lambda e: len(e) >= 1)
        waited = time.monotonic() - started
        lease = await leases.get("test-lock", namespace=ns)
    finally:
        await manager.shutdown()
    assert waited >= LEASE * 0.9  # the old record had to stay unchanged for a lease duration
    assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == ("heir", 4)
    assert lease["spec"]["leaseDurationSeconds"] == 1  # ours, rounded down to whole seconds
