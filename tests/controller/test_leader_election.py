"""LeaderElector follows client-go: create or take an expired/released lease, optimistic writes."""

from __future__ import annotations

import asyncio

import pytest

from kubeflow_informer.controller.leader_election import LeaderElectionConfig, LeaderElector

from .fakes import FakeLeases

pytestmark = pytest.mark.timeout(20)


def config(identity: str, lease: float = 1.0, renew: float = 0.6, retry: float = 0.1):
    return LeaderElectionConfig(
        name="lock", namespace="ns", identity=identity,
        lease_duration=lease, renew_deadline=renew, retry_period=retry,
    )


def test_defaults_are_client_go_defaults() -> None:
    c = LeaderElectionConfig(name="x")
    assert (c.lease_duration, c.renew_deadline, c.retry_period) == (15.0, 10.0, 2.0)


@pytest.mark.parametrize(
    ("lease", "renew", "retry"), [(10.0, 10.0, 2.0), (15.0, 2.0, 2.0), (0.0, 1.0, 0.1)]
)
def test_invalid_timings_are_rejected(lease: float, renew: float, retry: float) -> None:
    with pytest.raises(ValueError):
        LeaderElectionConfig(name="x", lease_duration=lease, renew_deadline=renew,
                             retry_period=retry)


async def test_first_candidate_creates_the_lease_and_leads() -> None:
    leases = FakeLeases()
    elector = LeaderElector(leases, config("a"))
    assert await elector.try_acquire_or_renew()
    spec = leases.objects[("ns", "lock")]["spec"]
    assert spec["holderIdentity"] == "a" and spec["leaseDurationSeconds"] == 1
    assert elector.is_leader


async def test_follower_cannot_take_a_lease_that_is_being_renewed() -> None:
    leases = FakeLeases()
    leader, follower = LeaderElector(leases, config("a")), LeaderElector(leases, config("b"))
    assert await leader.try_acquire_or_renew()
    assert not await follower.try_acquire_or_renew()
    assert follower.leader == "a" and not follower.is_leader


async def test_follower_takes_over_once_the_lease_stays_unchanged_for_its_duration() -> None:
    leases = FakeLeases()
    leader = LeaderElector(leases, config("a", lease=0.4, renew=0.3, retry=0.05))
    follower = LeaderElector(leases, config("b", lease=0.4, renew=0.3, retry=0.05))
    assert await leader.try_acquire_or_renew()
    assert not await follower.try_acquire_or_renew()  # starts the follower's clock
    await asyncio.sleep(0.45)
    assert await follower.try_acquire_or_renew()
    spec = leases.objects[("ns", "lock")]["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1


async def test_released_lease_is_taken_at_once() -> None:
    leases = FakeLeases()
    leader, follower = LeaderElector(leases, config("a")), LeaderElector(leases, config("b"))
    assert await leader.try_acquire_or_renew()
    assert not await follower.try_acquire_or_renew()
    assert await leader.release()
    assert not leases.objects[("ns", "lock")]["spec"].get("holderIdentity")
    assert await follower.try_acquire_or_renew()


class RacingLeases(FakeLeases):
    """Runs ``hook`` between a Get and the caller's following write."""

    hook = None

    async def get(self, name: str, *, namespace: str | None = None) -> dict:
        result = await super().get(name, namespace=namespace)
        hook, self.hook = self.hook, None
        if hook is not None:
            await hook()
        return result


async def test_two_candidates_racing_for_a_free_lease_cannot_both_win() -> None:
    leases = RacingLeases()
    a, b = LeaderElector(leases, config("a")), LeaderElector(leases, config("b"))
    assert await a.try_acquire_or_renew()
    assert await a.release()
    won_by_b: list[bool] = []

    async def b_acquires() -> None:
        won_by_b.append(await b.try_acquire_or_renew())

    leases.hook = b_acquires
    assert not await a.try_acquire_or_renew()  # its write carries a stale resourceVersion
    assert won_by_b == [True]
    assert leases.objects[("ns", "lock")]["spec"]["holderIdentity"] == "b"


async def test_keep_leading_returns_when_renewal_fails_past_the_deadline() -> None:
    leases = FakeLeases()
    elector = LeaderElector(leases, config("a", lease=0.5, renew=0.3, retry=0.05))
    await elector.acquire()
    leases.fail = True
    await asyncio.wait_for(elector.keep_leading(), timeout=5)


async def test_keep_leading_keeps_renewing_the_lease() -> None:
    leases = FakeLeases()
    elector = LeaderElector(leases, config("a", lease=0.5, renew=0.3, retry=0.05))
    await elector.acquire()
    first = leases.objects[("ns", "lock")]["spec"]["renewTime"]
    task = asyncio.create_task(elector.keep_leading())
    await asyncio.sleep(0.2)
    assert leases.objects[("ns", "lock")]["spec"]["renewTime"] != first
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
