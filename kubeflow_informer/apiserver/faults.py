"""Fault injection for the embedded API server, deterministic under a seed.

Tests of controllers, informers and reflectors need the failures a real cluster produces: watch
streams that close, break mid-line, carry garbage or go silent; throttling; 5xx answers; slow
answers; expired ``continue`` tokens and compacted history. :class:`Faults` arms them; the HTTP
layer consults it on every request and every watch batch. Every fault that fires is counted by
kind in :meth:`Faults.stats`, so a test can assert that the failure it wanted really happened.

Request faults (``throttle``, ``fail``, ``delay``) apply to the next ``count`` requests whose path
contains one of ``paths`` (all paths when ``paths`` is ``None``). Watch faults apply to every
watch stream (current and future) until :meth:`Faults.reset`, or to the next ``times`` streams;
``after_events`` counts the events a stream has sent since the later of its start and the moment
the fault was armed. The random form rolls the seeded RNG once per request and once per watch
event, so a given seed and request sequence always produce the same faults.
"""

from __future__ import annotations

import itertools
import logging
import random as _random
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

from kubeflow_informer.apiserver.status import expired_continue, status_error
from kubeflow_informer.errors import ApiError

__all__ = [
    "REQUEST_FAULT_KINDS",
    "WATCH_FAULT_KINDS",
    "Faults",
    "RequestFaultDecision",
    "WatchAction",
    "WatchStreamFaults",
]

logger = logging.getLogger(__name__)

WatchAction = Literal["close", "cut", "malformed", "silence"]

#: Kinds accepted by :meth:`Faults.random` that act on a whole request.
REQUEST_FAULT_KINDS = frozenset({"throttle", "error_500", "error_503", "delay", "expire_continue"})
#: Kinds accepted by :meth:`Faults.random` that act on one watch event.
WATCH_FAULT_KINDS = frozenset({"close_watch", "cut_watch", "malformed_line", "silence_watch"})

_WATCH_STAT: dict[WatchAction, str] = {
    "close": "close_watch",
    "cut": "cut_watch",
    "malformed": "malformed_line",
    "silence": "silence_watch",
}
_RANDOM_WATCH: dict[str, WatchAction] = {v: k for k, v in _WATCH_STAT.items()}

#: The line sent by the ``malformed`` fault: starts like an event, is not JSON.
MALFORMED_LINE = b'{"type":"MODIFIED","object":{"kind":<<injected malformed line>>\n'


def throttled_error(retry_after: int) -> ApiError:
    """The 429 ``TooManyRequests`` error a throttled request gets (as the real priority-and-fairness
    filter answers: ``details.retryAfterSeconds`` and a ``Retry-After`` header)."""
    return status_error(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.",
        retry_after_seconds=retry_after,
    )


def server_error(code: int) -> ApiError:
    """The injected 500 ``InternalError`` or 503 ``ServiceUnavailable`` error."""
    if code == 503:
        return status_error(503, "ServiceUnavailable", "the server is currently unable to handle "
                            "the request (injected fault)")
    return status_error(code, "InternalError", "Internal error occurred: injected fault")


@dataclass
class _RequestRule:
    kind: Literal["throttle", "fail", "delay"]
    remaining: int | None
    paths: tuple[str, ...] | None
    status: int = 500
    retry_after: int = 1
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        return self.paths is None or any(fragment in path for fragment in self.paths)


@dataclass
class _WatchRule:
    action: WatchAction
    after_events: int
    remaining: int | None
    generation: int
    baselines: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestFaultDecision:
    """What the HTTP layer must do to one request: sleep ``delay`` seconds, then, when ``error``
    is set, answer with it instead of serving the request."""

    delay: float = 0.0
    error: ApiError | None = None


_NO_FAULT = RequestFaultDecision()


class Faults:
    """The fault plan of one server. Methods arm faults; :meth:`reset` disarms everything.

    ``compact_storage`` is called by :meth:`compact` (the server passes ``Storage.compact``).
    """

    def __init__(self, seed: int = 0, *, compact_storage: Callable[[], None] | None = None) -> None:
        self._seed = seed
        self._rng = _random.Random(seed)
        self._compact_storage = compact_storage
        self._stats: Counter[str] = Counter()
        self._request_rules: list[_RequestRule] = []
        self._watch_rules: list[_WatchRule] = []
        self._expire_continue = 0
        self._random_rate = 0.0
        self._random_request_kinds: tuple[str, ...] = ()
        self._random_watch_kinds: tuple[str, ...] = ()
        self._random_delay = 0.05
        self._generation = itertools.count(1)
        self._stream_ids = itertools.count(1)

    def __repr__(self) -> str:
        return (
            f"Faults(seed={self._seed}, request_rules={len(self._request_rules)}, "
            f"watch_rules={len(self._watch_rules)}, random_rate={self._random_rate})"
        )

    # -- arming ------------------------------------------------------------------------------

    def throttle(
        self, count: int = 1, *, retry_after: int = 1, paths: Iterable[str] | None = None
    ) -> None:
        """Answer the next ``count`` matching requests with 429 + ``Retry-After: retry_after``."""
        self._request_rules.append(
            _RequestRule("throttle", count, _paths(paths), retry_after=retry_after)
        )

    def fail(
        self, count: int = 1, *, status: int = 500, paths: Iterable[str] | None = None
    ) -> None:
        """Answer the next ``count`` matching requests with a 500 or 503 Status."""
        if status not in (500, 503):
            raise ValueError("status must be 500 or 503")
        self._request_rules.append(_RequestRule("fail", count, _paths(paths), status=status))

    def delay(
        self, seconds: float, count: int | None = None, *, paths: Iterable[str] | None = None
    ) -> None:
        """Delay the next ``count`` matching requests (every one when ``None``) by ``seconds``."""
        self._request_rules.append(_RequestRule("delay", count, _paths(paths), seconds=seconds))

    def expire_continue(self, count: int = 1) -> None:
        """The next ``count`` list requests carrying a ``continue`` token get 410 Expired."""
        self._expire_continue += count

    def compact(self) -> None:
        """Drop the storage's whole history window now: a watch or ``continue`` from an older
        resourceVersion then gets 410 Expired, as after an etcd compaction."""
        if self._compact_storage is None:
            raise RuntimeError("this Faults object is not attached to a storage")
        self._compact_storage()
        self._stats["compact"] += 1

    def close_watches_after(self, n_events: int, *, times: int | None = None) -> None:
        """End watch streams cleanly after ``n_events`` events."""
        self._arm_watch("close", n_events, times)

    def cut_watch_mid_line(self, after_events: int = 0, *, times: int | None = None) -> None:
        """After ``after_events`` events, send half of the next event line and drop the
        connection (the client sees a truncated chunked body)."""
        self._arm_watch("cut", after_events, times)

    def malformed_line(self, after_events: int = 0, *, times: int | None = None) -> None:
        """After ``after_events`` events, send a line that is not JSON, then end the stream."""
        self._arm_watch("malformed", after_events, times)

    def silence_watches(self, after_events: int = 0, *, times: int | None = None) -> None:
        """After ``after_events`` events, send nothing more but keep the stream open (until the
        client leaves, ``timeoutSeconds`` passes or the server restarts)."""
        self._arm_watch("silence", after_events, times)

    def random(
        self, rate: float, kinds: Collection[str] | None = None, *, delay_seconds: float = 0.05
    ) -> None:
        """With probability ``rate``, inject one of ``kinds`` into each request and each watch
        event (all of :data:`REQUEST_FAULT_KINDS` and :data:`WATCH_FAULT_KINDS` by default).
        The draws come from the RNG seeded at construction, so runs are reproducible."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        chosen = set(kinds) if kinds is not None else REQUEST_FAULT_KINDS | WATCH_FAULT_KINDS
        unknown = chosen - REQUEST_FAULT_KINDS - WATCH_FAULT_KINDS
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self._random_rate = rate
        self._random_request_kinds = tuple(sorted(chosen & REQUEST_FAULT_KINDS))
        self._random_watch_kinds = tuple(sorted(chosen & WATCH_FAULT_KINDS))
        self._random_delay = delay_seconds

    def reset(self) -> None:
        """Disarm every fault, zero the statistics and re-seed the RNG."""
        self._request_rules.clear()
        self._watch_rules.clear()
        self._expire_continue = 0
        self._random_rate = 0.0
        self._random_request_kinds = ()
        self._random_watch_kinds = ()
        self._stats.clear()
        self._rng = _random.Random(self._seed)

    def stats(self) -> dict[str, int]:
        """How many times each fault kind fired: ``throttle``, ``fail_500``, ``fail_503``,
        ``delay``, ``expire_continue``, ``compact``, ``restart``, ``close_watch``,
        ``cut_watch``, ``malformed_line``, ``silence_watch``."""
        return dict(self._stats)

    def record(self, kind: str) -> None:
        """Count a fault fired outside this object (the server counts ``restart`` here)."""
        self._stats[kind] += 1

    # -- consulted by the HTTP layer ---------------------------------------------------------

    def on_request(self, path: str) -> RequestFaultDecision:
        """Decide the faults of one incoming request (called once per request)."""
        if not self._request_rules and not self._random_request_kinds:
            return _NO_FAULT
        delay = 0.0
        error: ApiError | None = None
        for rule in list(self._request_rules):
            if not rule.matches(path):
                continue
            if rule.kind == "delay":
                if delay:
                    continue
                delay = rule.seconds
                self._stats["delay"] += 1
            elif error is None:
                if rule.kind == "throttle":
                    error = throttled_error(rule.retry_after)
                    self._stats["throttle"] += 1
                else:
                    error = server_error(rule.status)
                    self._stats[f"fail_{rule.status}"] += 1
            else:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._request_rules.remove(rule)
        if error is None and self._random_request_kinds and self._roll():
            kind = self._rng.choice(self._random_request_kinds)
            if kind == "throttle":
                error = throttled_error(1)
                self._stats["throttle"] += 1
            elif kind in ("error_500", "error_503"):
                code = 500 if kind == "error_500" else 503
                error = server_error(code)
                self._stats[f"fail_{code}"] += 1
            elif kind == "delay":
                delay = max(delay, self._random_delay)
                self._stats["delay"] += 1
            else:
                self._expire_continue += 1
        if not delay and error is None:
            return _NO_FAULT
        return RequestFaultDecision(delay, error)

    def take_expired_continue(self) -> ApiError | None:
        """Called for a list request with a ``continue`` token: the 410 to answer, if armed."""
        if self._expire_continue <= 0:
            return None
        self._expire_continue -= 1
        self._stats["expire_continue"] += 1
        return expired_continue()

    def watch_stream(self) -> WatchStreamFaults:
        """A per-stream view used by the watch handler to place watch faults on event lines."""
        return WatchStreamFaults(self, next(self._stream_ids))

    @property
    def watch_faults_armed(self) -> bool:
        """True when any watch fault could fire: the handler's fast path skips all checks
        otherwise."""
        return bool(self._watch_rules) or bool(self._random_watch_kinds)

    # -- internals ---------------------------------------------------------------------------

    def _arm_watch(self, action: WatchAction, after_events: int, times: int | None) -> None:
        if after_events < 0:
            raise ValueError("after_events must be >= 0")
        self._watch_rules.append(_WatchRule(action, after_events, times, next(self._generation)))

    def _roll(self) -> bool:
        return self._random_rate > 0.0 and self._rng.random() < self._random_rate

    def _watch_fault_at(self, stream_id: int, sent: int) -> WatchAction | None:
        """The fault to fire before the stream's next event, when ``sent`` were already sent."""
        for rule in self._watch_rules:
            baseline = rule.baselines.setdefault(stream_id, sent)
            if sent - baseline >= rule.after_events:
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._watch_rules.remove(rule)
                self._stats[_WATCH_STAT[rule.action]] += 1
                return rule.action
        if self._random_watch_kinds and self._roll():
            kind = self._rng.choice(self._random_watch_kinds)
            action = _RANDOM_WATCH[kind]
            self._stats[kind] += 1
            return action
        return None

    def _forget_stream(self, stream_id: int) -> None:
        for rule in self._watch_rules:
            rule.baselines.pop(stream_id, None)


def _paths(paths: Iterable[str] | None) -> tuple[str, ...] | None:
    if paths is None:
        return None
    if isinstance(paths, str):
        return (paths,)
    return tuple(paths)


class WatchStreamFaults:
    """Watch faults as seen by one stream: counts its events and cuts batches at a fault.

    The handler calls :meth:`plan` with each batch the engine yields and writes the returned
    bytes; when an action is returned it must then carry it out (end the stream, drop the
    connection, or go silent).
    """

    __slots__ = ("_faults", "_stream_id", "sent")

    def __init__(self, faults: Faults, stream_id: int) -> None:
        self._faults = faults
        self._stream_id = stream_id
        self.sent = 0

    def plan(self, batch: bytes, lines: int | None = None) -> tuple[bytes, WatchAction | None]:
        """Split ``batch`` (whole event lines) at the first fault that fires, if any.

        ``lines`` is how many event lines ``batch`` holds when the caller knows it (the watcher
        does): counting newlines in every batch costs ~2 us per 4 KB event, a tenth of the
        server's whole budget per live event.
        """
        faults = self._faults
        if not faults.watch_faults_armed:
            self.sent += batch.count(b"\n") if lines is None else lines
            return batch, None
        out: list[bytes] = []
        for line in batch.splitlines(keepends=True):
            action = faults._watch_fault_at(self._stream_id, self.sent)
            if action == "cut":
                out.append(line[: max(1, len(line) // 2)])
                return b"".join(out), action
            if action == "malformed":
                out.append(MALFORMED_LINE)
                return b"".join(out), action
            if action is not None:
                return b"".join(out), action
            out.append(line)
            self.sent += 1
        return b"".join(out), None

    def close(self) -> None:
        """Forget this stream's per-rule baselines."""
        self._faults._forget_stream(self._stream_id)
