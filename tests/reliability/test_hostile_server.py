"""Against a hostile server, one informer stays within a request budget and converges after.

Each behaviour of :mod:`tests.reliability.hostile_behaviours` gets one test: the server answers
with it from the start; once the reflector's backoff has reached its cap (the "first few
failures"), the list and watch requests of a window are counted, and must fit the budget the
backoff allows - ``per_round`` requests (what one list-and-watch round can send, client retries
included) per ``CAP`` seconds, plus one round in progress at each end of the window. Slowness
only lowers the count, so a loaded machine cannot fail the test; without backoff (the code
before issue 14) the same windows saw hundreds of requests. Then the server recovers, changes
its objects, and the cache must equal the server's objects.

The client's own rate limiter is off (``qps=0``) so that the budget proves the reflector's
backoff, not the limiter; its retry policy is short and bounded (one retry).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from kubeflow_informer.cache import Backoff, SharedIndexInformer
from kubeflow_informer.cache.reflector import VeryShortWatchError
from kubeflow_informer.client import ApiClient, RetryPolicy
from kubeflow_informer.config import Config
from kubeflow_informer.errors import ProtocolError
from kubeflow_informer.testing import eventually
from tests.reliability.hostile import HostileServer
from tests.reliability.hostile_behaviours import (
    BEHAVIOURS,
    Behaviour,
    HangingWatch,
    SilentWatch,
    SlowFirstPage,
    Throttle,
)

pytestmark = pytest.mark.timeout(60)

INITIAL = 0.05
CAP = 0.3
WINDOW = 1.5
OBJECTS = 12
PAGE = 5  # three pages per list
INACTIVITY = 1.0
RETRY = RetryPolicy(max_retries=1, base_delay=0.05, max_delay=0.05, max_retry_after=CAP)
#: Backoff calls before the delay is the cap, and then some.
WARM_ROUNDS = math.ceil(math.log2(CAP / INITIAL)) + 2

#: Requests one round can send between two backoff waits: list pages, the watch, and the
#: client's one retry of a failing GET (429, 5xx, reset). Every behaviour has an entry.
PER_ROUND = {
    "watch_410_status": 4,  # 3 pages + 1 watch (410 is not retried by the client)
    "watch_410_event": 4,
    "short_watch": 1,  # re-watch from the last version: no relist
    "retry_after_0_header": 2,  # first page 429 + one client retry
    "retry_after_0_details": 2,
    "retry_after_3600": 2,  # both waits capped at CAP: the same budget as Retry-After: 0
    "repeating_continue": 2,  # the repeated token is refused at once
    "failing_pages": 3,  # page 1 + page 2 and its retry
    "error_500": 2,
    "unauthorized": 1,
    "too_large_rv": 2,
    # aiohttp resends an idempotent request once when a reused connection was dropped.
    "reset_connections": 4,
    "malformed_list": 1,
    "malformed_watch": 4,  # a malformed event ends the round: relist + watch
    "one_event_watch": 1,
}


@dataclass
class Run:
    server: HostileServer
    informer: SharedIndexInformer


@pytest.fixture
async def server() -> AsyncIterator[HostileServer]:
    async with HostileServer(bookmark_interval=0.2) as srv:
        for index in range(OBJECTS):
            await srv.write(f"cm-{index}", {"n": "0"})
        yield srv


def _cache(informer: SharedIndexInformer) -> dict[str, str]:
    return {obj["metadata"]["name"]: obj["metadata"]["resourceVersion"]
            for obj in informer.indexer.list()}


@contextlib.asynccontextmanager
async def running(server: HostileServer, behaviour: Behaviour | None) -> AsyncIterator[Run]:
    """An informer (short backoff, small pages) against ``server`` answering with ``behaviour``."""
    server.set_behaviour(behaviour)
    async with ApiClient(Config(server=server.url), qps=0, retry=RETRY) as api:
        informer = SharedIndexInformer(
            api.resource("v1", "configmaps"), namespace="default", page_size=PAGE,
            backoff=Backoff(INITIAL, CAP, reset_after=3600.0, rng=random.Random(14)),
            watch_inactivity_timeout=INACTIVITY, name="hostile",
        )
        async with informer:
            yield Run(server, informer)


async def _requests_in_window(server: HostileServer, per_round: int) -> int:
    loop = asyncio.get_running_loop()
    await eventually(lambda: server.count(0.0) >= WARM_ROUNDS * per_round + OBJECTS // PAGE,
                     timeout=30, what="the first failures")
    started = loop.time()
    await asyncio.sleep(WINDOW)
    return server.count(started, kind="list") + server.count(started, kind="watch")


def _budget(per_round: int, window: float = WINDOW) -> int:
    return per_round * (math.floor(window / CAP) + 2)


async def _converges(run: Run) -> None:
    server = run.server
    server.set_behaviour(None)
    await server.write("cm-0", {"n": "changed"})
    await server.write("cm-1", None)
    await server.write("new", {"n": "1"})
    await eventually(lambda: _cache(run.informer) == server.truth(), timeout=20,
                     what="the cache to equal the server after it recovered")


@pytest.mark.parametrize("name", sorted(BEHAVIOURS))
async def test_a_hostile_server_gets_a_bounded_request_rate_and_the_cache_converges_after(
    server: HostileServer, name: str
) -> None:
    per_round = PER_ROUND[name]
    async with running(server, BEHAVIOURS[name]()) as run:
        requests = await _requests_in_window(server, per_round)
        assert requests <= _budget(per_round), (
            f"{name}: {requests} requests in {WINDOW}s, budget {_budget(per_round)}")
        await _converges(run)


def test_every_behaviour_has_a_request_budget() -> None:
    assert set(PER_ROUND) == set(BEHAVIOURS)


async def test_a_very_short_watch_is_an_error_that_is_logged(
    server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("kubeflow_informer.cache.reflector").setLevel(logging.WARNING)
    with caplog.at_level(logging.WARNING, logger="kubeflow_informer.cache.reflector"):
        async with running(server, BEHAVIOURS["short_watch"]()) as run:
            reflector = run.informer.reflector
            await eventually(lambda: isinstance(reflector.last_error, VeryShortWatchError),
                             timeout=20, what="a very short watch error")
    assert any("very short watch" in record.getMessage() for record in caplog.records)


async def test_a_repeated_continue_token_is_a_protocol_error_and_the_list_starts_over(
    server: HostileServer
) -> None:
    async with running(server, BEHAVIOURS["repeating_continue"]()) as run:
        reflector = run.informer.reflector
        await eventually(lambda: reflector.metrics.lists >= 3, timeout=20, what="three lists")
        assert isinstance(reflector.last_error, ProtocolError)
        assert "continue token" in str(reflector.last_error)
        first_pages = [r for r in server.requests if r.kind == "list" and
                       "continue" not in r.query]
        assert len(first_pages) >= 3  # each attempt started again from the first page


async def test_retry_after_of_an_hour_is_capped_and_the_informer_recovers_within_the_cap(
    server: HostileServer,
) -> None:
    async with running(server, Throttle(3600)) as run:
        await eventually(lambda: server.count(0.0) >= WARM_ROUNDS * 2, timeout=30,
                         what="the first throttled requests")
        loop = asyncio.get_running_loop()
        recovered = loop.time()
        server.set_behaviour(None)
        await eventually(lambda: run.informer.has_synced, timeout=20, what="the sync")
        # The reflector's and the client's waits are both capped at CAP: one of each at most.
        assert loop.time() - recovered < 2 * CAP + 5.0
        await _converges(run)


@pytest.mark.parametrize("behaviour", [HangingWatch, SilentWatch], ids=["hanging", "silent"])
async def test_a_watch_that_never_answers_or_goes_silent_is_dropped_after_the_inactivity_timeout(
    server: HostileServer, behaviour: Callable[[], Behaviour]
) -> None:
    async with running(server, behaviour()) as run:
        await eventually(lambda: run.informer.has_synced, timeout=20, what="the first list")
        await eventually(lambda: server.count(0.0, kind="watch") >= 2, timeout=20,
                         what="the dead watch to be dropped and sent again")
        loop = asyncio.get_running_loop()
        started = loop.time()
        window = 3 * INACTIVITY
        await asyncio.sleep(window)
        watches = server.count(started, kind="watch")
        # Each watch waits out the inactivity timeout (up to 1.25x) plus a backoff delay.
        assert watches <= math.floor(window / INACTIVITY) + 1
        await _converges(run)


@pytest.mark.parametrize("manage_gc", [False, True], ids=["default", "managed"])
async def test_the_garbage_collector_runs_while_a_list_page_is_on_the_network(
    server: HostileServer, manage_gc: bool
) -> None:
    server.set_behaviour(SlowFirstPage(1.0))
    enabled_while_waiting: list[bool] = []
    async with ApiClient(Config(server=server.url), qps=0, retry=RETRY) as api:
        informer = SharedIndexInformer(api.resource("v1", "configmaps"), namespace="default",
                                       page_size=PAGE, manage_gc=manage_gc)
        async with informer:
            await eventually(lambda: server.count(0.0, kind="list") >= 1, timeout=10)
            while not informer.has_synced:
                enabled_while_waiting.append(gc.isenabled())
                await asyncio.sleep(0.02)
    assert enabled_while_waiting and all(enabled_while_waiting)


async def test_a_default_informer_changes_no_process_wide_garbage_collector_setting(
    server: HostileServer,
) -> None:
    thresholds = gc.get_threshold()
    frozen = gc.get_freeze_count()
    async with running(server, None) as run:
        await eventually(lambda: run.informer.has_synced, timeout=10, what="the sync")
        await server.write("another", {"n": "1"})
        await eventually(lambda: "another" in _cache(run.informer), timeout=10)
        assert gc.get_threshold() == thresholds
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
