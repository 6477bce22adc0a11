"""Leader election on ``coordination.k8s.io/v1`` Leases, with client-go's semantics.

Contract (client-go ``tools/leaderelection``):

* A candidate reads the Lease. If it does not exist, the candidate creates it holding it. If
  another identity holds it, the candidate may take it over only after it has seen the Lease
  record *unchanged* for ``lease_duration`` measured on its **own** monotonic clock since it first
  observed that record - the timestamps inside the Lease are never compared with the local clock,
  so clock skew between machines does not matter (skew *rate* does). An empty
  ``holderIdentity`` (a released Lease) can be taken at once.
* Every write is a ``replace`` carrying the ``resourceVersion`` that was read, so two candidates
  racing for an expired Lease cannot both win: the loser gets a 409 Conflict and stays a follower.
* The leader renews every ``retry_period``; if it cannot renew for ``renew_deadline`` it considers
  the lease lost and stops leading (``renew_deadline < lease_duration`` leaves followers a margin
  before they take over). Defaults: 15 s / 10 s / 2 s; acquire attempts are jittered by a
  factor of 1.2 of the retry period.
* On a clean shutdown the leader *releases* the Lease (empty holder, duration 1 s) so a follower
  takes over at its next attempt instead of waiting out the lease duration.

There is no fencing: a leader whose process stalls longer than the lease duration may briefly
overlap with its successor. Keep reconciles idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from kubeflow_informer.errors import ApiError, NotFound

logger = logging.getLogger(__name__)

JITTER_FACTOR = 1.2


def default_identity() -> str:
    """``<hostname>_<uuid4>``: unique per process, readable in ``kubectl get lease``."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


@dataclass(frozen=True)
class LeaderElectionConfig:
    """Where the Lease lives and the timings (seconds), validated as client-go validates them."""

    name: str
    namespace: str = "default"
    identity: str = field(default_factory=default_identity)
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    release_on_cancel: bool = True

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("leader election needs a Lease name")
        if not self.identity:
            raise ValueError("leader election needs a non-empty identity")
        if min(self.lease_duration, self.renew_deadline, self.retry_period) <= 0:
            raise ValueError("lease_duration, renew_deadline and retry_period must be positive")
        if self.lease_duration <= self.renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if self.renew_deadline <= JITTER_FACTOR * self.retry_period:
            raise ValueError("renew_deadline must be greater than retry_period * 1.2")


class LeaseResource(Protocol):
    """The part of the ``coordination.k8s.io/v1`` leases :class:`Resource` the elector uses."""

    async def get(self, name: str, *, namespace: str | None = ...) -> dict[str, Any]: ...

    async def create(self, body: Mapping[str, Any], *, namespace: str | None = ...) -> Any: ...

    async def replace(self, body: Mapping[str, Any], *, namespace: str | None = ...) -> Any: ...


def _micro_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(lease: Mapping[str, Any]) -> dict[str, Any]:
    spec = lease.get("spec") or {}
    return {
        "holderIdentity": spec.get("holderIdentity") or "",
        "leaseDurationSeconds": spec.get("leaseDurationSeconds"),
        "acquireTime": spec.get("acquireTime"),
        "renewTime": spec.get("renewTime"),
        "leaseTransitions": spec.get("leaseTransitions") or 0,
    }


class LeaderElector:
    """One candidate in the election for ``config.name``.

    Use :meth:`acquire` (returns once leading), then :meth:`keep_leading` (returns when the lease
    is lost), and :meth:`release` on shutdown; the :class:`Manager` drives exactly that.
    ``on_new_leader(identity)`` is called (synchronously) whenever the observed holder changes.
    """

    def __init__(
        self,
        leases: LeaseResource,
        config: LeaderElectionConfig,
        *,
        on_new_leader: Callable[[str], None] | None = None,
    ) -> None:
        self.leases = leases
        self.config = config
        self._on_new_leader = on_new_leader
        self._observed: dict[str, Any] = {}
        self._observed_lease: dict[str, Any] | None = None
        self._observed_at = 0.0
        self._reported_leader = ""

    def __repr__(self) -> str:
        c = self.config
        return (
            f"LeaderElector({c.namespace}/{c.name}, identity={c.identity!r}, "
            f"leader={self.leader!r})"
        )

    @property
    def leader(self) -> str:
        """The identity of the last observed holder ("" when none)."""
        return str(self._observed.get("holderIdentity") or "")

    @property
    def is_leader(self) -> bool:
        """True if the last observed holder is us."""
        return self.leader == self.config.identity

    def check(self, max_tolerable_expired: float = 0.0) -> bool:
        """Health check: False when we lead but have not renewed for longer than allowed."""
        if not self.is_leader:
            return True
        age = time.monotonic() - self._observed_at
        return age <= self.config.lease_duration + max_tolerable_expired

    async def acquire(self) -> None:
        """Try every ``retry_period`` (jittered) until this candidate leads. Cancellable."""
        c = self.config
        logger.info("attempting to acquire leader lease %s/%s", c.namespace, c.name)
        while True:
            if await self.try_acquire_or_renew():
                logger.info(
                    "successfully acquired lease %s/%s as %s", c.namespace, c.name, c.identity
                )
                return
            await asyncio.sleep(c.retry_period * (1.0 + random.random() * JITTER_FACTOR))

    async def keep_leading(self) -> None:
        """Renew every ``retry_period``; return when renewal fails for ``renew_deadline``."""
        c = self.config
        while True:
            await asyncio.sleep(c.retry_period)
            deadline = time.monotonic() + c.renew_deadline
            renewed = False
            while not renewed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    async with asyncio.timeout(remaining):
                        renewed = await self.try_acquire_or_renew()
                except TimeoutError:
                    break
                if not renewed:
                    await asyncio.sleep(min(c.retry_period, max(0.0, deadline - time.monotonic())))
            if not renewed:
                logger.error("failed to renew lease %s/%s: leadership lost", c.namespace, c.name)
                return

    async def try_acquire_or_renew(self) -> bool:
        """One attempt; True when we hold the lease afterwards. Never raises for API errors."""
        c = self.config
        now = time.time()
        desired = {
            "holderIdentity": c.identity,
            "leaseDurationSeconds": max(1, int(c.lease_duration)),
            "acquireTime": _micro_time(now),
            "renewTime": _micro_time(now),
            "leaseTransitions": 0,
        }
        try:
            lease = await self.leases.get(c.name, namespace=c.namespace)
        except NotFound:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": c.name, "namespace": c.namespace},
                "spec": desired,
            }
            try:
                created = await self.leases.create(body, namespace=c.namespace)
            except ApiError as err:
                logger.info("could not create lease %s/%s: %s", c.namespace, c.name, err)
                return False
            self._observe(created if isinstance(created, Mapping) else body)
            return True
        except ApiError as err:
            logger.warning("error retrieving lease %s/%s: %s", c.namespace, c.name, err)
            return False

        self._observe(lease)
        old = _record(lease)
        expired = self._observed_at + c.lease_duration <= time.monotonic()
        if old["holderIdentity"] and not expired and not self.is_leader:
            return False
        if self.is_leader:
            desired["acquireTime"] = old["acquireTime"] or desired["acquireTime"]
            desired["leaseTransitions"] = old["leaseTransitions"]
        else:
            desired["leaseTransitions"] = old["leaseTransitions"] + 1
        updated = {**lease, "spec": {**(lease.get("spec") or {}), **desired}}
        try:
            stored = await self.leases.replace(updated, namespace=c.namespace)
        except ApiError as err:
            # A Conflict here means someone else wrote first: stay a follower this round.
            logger.info("could not update lease %s/%s: %s", c.namespace, c.name, err)
            return False
        self._observe(stored if isinstance(stored, Mapping) else updated)
        return True

    async def release(self) -> bool:
        """Give the lease up if we hold it (empty holder, 1 s duration). True on success."""
        if not self.is_leader or self._observed_lease is None:
            return True
        c = self.config
        now = _micro_time(time.time())
        lease = self._observed_lease
        spec = {
            **(lease.get("spec") or {}),
            "holderIdentity": None,
            "leaseDurationSeconds": 1,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": self._observed.get("leaseTransitions") or 0,
        }
        try:
            stored = await self.leases.replace({**lease, "spec": spec}, namespace=c.namespace)
        except ApiError as err:
            logger.error("failed to release lease %s/%s: %s", c.namespace, c.name, err)
            return False
        self._observe(stored if isinstance(stored, Mapping) else {**lease, "spec": spec})
        logger.info("released lease %s/%s", c.namespace, c.name)
        return True

    def _observe(self, lease: Mapping[str, Any]) -> None:
        record = _record(lease)
        self._observed_lease = dict(lease)
        if record != self._observed:
            self._observed = record
            self._observed_at = time.monotonic()
        if self.leader != self._reported_leader:
            self._reported_leader = self.leader
            logger.info("new leader for lease %s: %r", self.config.name, self.leader)
            if self._on_new_leader is not None:
                self._on_new_leader(self.leader)


__all__ = ["JITTER_FACTOR", "LeaderElectionConfig", "LeaderElector", "default_identity"]
