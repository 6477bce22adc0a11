"""Reflector: keeps a DeltaFIFO in step with the API server by listing, then watching.

Contract (client-go ``tools/cache/reflector.go``, with the differences called out):

* **List.** The first list asks for ``resourceVersion="0"`` (any recent state is fine, the server
  may answer from its watch cache) in pages of ``page_size`` (500), following ``continue`` tokens
  without a resourceVersion. Each page goes into the FIFO as it arrives (a replace fed page by
  page), so the whole list is never held twice. Later relists ask for the last synced
  resourceVersion ("not older than"), or for ``""`` - a consistent, quorum read - once that
  version is known to be unavailable: after any 410 (Gone / Expired / "too old resource version",
  as an HTTP status or an ``ERROR`` event). client-go first retries a watch 410 with the last
  version; we go straight to a consistent read, which is never wrong and costs one list.
* **Watch.** From the list's resourceVersion with ``allowWatchBookmarks`` and a server-side
  ``timeoutSeconds`` drawn in ``[min_watch_timeout, 2 * min_watch_timeout)`` (5-10 min by
  default, like client-go) so that informers started together do not reconnect together. A
  client-side inactivity timeout declares the stream dead when nothing arrives - no event, no
  bookmark - for ``watch_inactivity_timeout`` (default :data:`DEFAULT_WATCH_INACTIVITY_TIMEOUT`,
  derived from how often a real kube-apiserver sends bookmarks; see ``docs/reliability.md``);
  the same bound applies to a watch request that gets no answer at all. Each event's
  resourceVersion, and each bookmark's, becomes the last synced version.
* **Backoff around every round** (client-go's ``BackoffUntil``). A round is one list and the
  watches that follow it; every round that ends - with a 410, an error on any page, a malformed
  answer, anything - waits for the next delay of ``backoff`` (800 ms doubling to 30 s, full
  jitter, reset after 2 minutes without a failure) before the next list, so no server behaviour
  can make one reflector loop faster. Within a round, connection errors, 429 and 5xx on a watch
  back off the same way and re-watch from the last version; a 410 ends the round and the next
  list is a consistent read (``resourceVersion=""``). client-go first relists from the last
  version after a watch 410 and retries at once; we wait and go straight to the consistent
  read, which is never wrong and costs one list.
* **Server hints are bounded.** ``Retry-After`` / ``details.retryAfterSeconds`` lengthen a delay
  up to the backoff's cap, never shorten it (see :class:`Backoff`).
* **Watch ends.** A clean end (the server's timeout) re-watches from the last version at once.
  A *very short watch* - one that ends cleanly within :data:`VERY_SHORT_WATCH` seconds without
  a single event - is an error, as in client-go: logged, counted, backed off, then re-watched.
  One that ended that fast after some events is not an error but is backed off too, so a server
  that closes every watch after one event cannot drive a watch per event.
* **Pagination is checked.** A ``continue`` token the server already returned during the same
  list is a protocol error: the list is abandoned, logged, backed off and started again from
  the first page. (A server looping on its tokens would otherwise be asked for pages forever.)
* **Streaming list** (``use_watch_list=True``): one watch with ``sendInitialEvents=true`` and
  ``resourceVersionMatch=NotOlderThan`` replaces the list; its initial ``ADDED`` events feed the
  replace and the bookmark annotated ``k8s.io/initial-events-end`` completes it, after which the
  same stream keeps watching. If the server rejects the parameters (a 4xx other than 410/429) or
  ends the stream before that bookmark, the reflector falls back to LIST+WATCH for good.
* **Garbage collector.** Each list page is decoded (by the client) and inserted with the cyclic
  collector paused - synchronous code only, never across an ``await`` on the network; see
  :mod:`kubeflow_informer.gc_pause`. With ``manage_gc=True`` (opt-in: it changes the process'
  collector) everything alive is also frozen after each completed list so later collections do
  not walk the cache again; see :mod:`kubeflow_informer.cache.gc_policy`.

The reflector runs until cancelled; it never gives up. ``metrics`` holds plain counters and
``last_error`` the last failure, for whoever must explain why a cache has not synced.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from kubeflow_informer.cache.backoff import Backoff
from kubeflow_informer.cache.delta_fifo import DeltaFIFO, ReplaceSession
from kubeflow_informer.cache.gc_policy import freeze_now
from kubeflow_informer.cache.listwatch import ListerWatcher, WatchStreamLike
from kubeflow_informer.errors import (
    ApiError,
    Gone,
    ProtocolError,
    ServerError,
    ServerTimeout,
    TooManyRequests,
    TransportError,
)
from kubeflow_informer.gc_pause import gc_paused
from kubeflow_informer.keys import object_key

__all__ = [
    "DEFAULT_WATCH_INACTIVITY_TIMEOUT",
    "INITIAL_EVENTS_END_ANNOTATION",
    "VERY_SHORT_WATCH",
    "Reflector",
    "ReflectorMetrics",
    "VeryShortWatchError",
    "WatchErrorHandler",
    "WatchInactiveError",
]

logger = logging.getLogger(__name__)

#: The annotation on the bookmark that ends a streaming list's initial events.
INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end"

#: Seconds of silence (no event, no bookmark) after which a watch is declared dead. A real
#: kube-apiserver 1.36 sends a bookmark on every watch that asked for them at least once a
#: minute, idle or not (measured: ``docs/reliability.md``); 90 s leaves a 50 % margin.
DEFAULT_WATCH_INACTIVITY_TIMEOUT = 90.0

#: A watch that ends cleanly within this many seconds without an event is an error.
VERY_SHORT_WATCH = 1.0

WatchErrorHandler = Callable[["Reflector", BaseException], Awaitable[None] | None]


class WatchInactiveError(TransportError):
    """Nothing (not even a bookmark, or the answer to the request) arrived within the
    inactivity timeout: the stream is dead."""


class VeryShortWatchError(TransportError):
    """The server ended a watch cleanly almost at once, without sending a single event."""


class _WatchListUnsupported(Exception):
    """The server does not do streaming lists; fall back to LIST+WATCH."""


@dataclass
class ReflectorMetrics:
    """Plain counters a metrics exporter can read."""

    lists: int = 0
    list_pages: int = 0
    watches: int = 0
    events: int = 0
    bookmarks: int = 0
    errors: int = 0
    relists_after_gone: int = 0
    last_resource_version: str = ""


def _is_gone(err: BaseException) -> bool:
    if isinstance(err, Gone):
        return True
    # client-go also relists on "Too large resource version" (a 504 carrying that cause).
    return isinstance(err, ServerTimeout) and "too large resource version" in err.message.lower()


def _is_retriable_watch_error(err: BaseException) -> bool:
    return isinstance(err, TransportError | TooManyRequests | ServerError) and not _is_gone(err)


class Reflector:
    """Lists and watches one resource into a :class:`DeltaFIFO`; see the module docstring."""

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        store: DeltaFIFO,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
        min_watch_timeout: float = 300.0,
        watch_inactivity_timeout: float | None = None,
        use_watch_list: bool = False,
        backoff: Backoff | None = None,
        watch_error_handler: WatchErrorHandler | None = None,
        manage_gc: bool = False,
        name: str = "reflector",
        rng: random.Random | None = None,
    ) -> None:
        self._lw = lister_watcher
        self._store = store
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.page_size = page_size
        self.min_watch_timeout = min_watch_timeout
        self.watch_inactivity_timeout = watch_inactivity_timeout
        self.use_watch_list = use_watch_list
        self.name = name
        self.manage_gc = manage_gc
        self._backoff = backoff or Backoff()
        self._watch_error_handler = watch_error_handler
        self._rng = rng or random.Random()
        self._last_rv = ""
        self._rv_unavailable = False
        self._watch_list_unsupported = False
        self._last_activity = 0.0
        self._activity_seen = 0
        self._watchdog: asyncio.TimerHandle | None = None
        self.metrics = ReflectorMetrics()
        self.last_error: BaseException | None = None
        """The last list or watch failure (``None`` until one happens); it is kept after the
        reflector recovered, so compare with :attr:`metrics` to tell whether it is current."""

    def __repr__(self) -> str:
        return f"Reflector(name={self.name!r}, last_sync_resource_version={self._last_rv!r})"

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion of the last list, event or bookmark applied to the store."""
        return self._last_rv

    @property
    def inactivity_timeout(self) -> float:
        """Seconds without anything from a watch (or its answer) before it is declared dead."""
        return self.watch_inactivity_timeout or DEFAULT_WATCH_INACTIVITY_TIMEOUT

    def _set_rv(self, rv: str) -> None:
        self._last_rv = rv
        self.metrics.last_resource_version = rv

    def _relist_resource_version(self) -> str:
        if self._rv_unavailable:
            return ""
        return self._last_rv or "0"

    def _watch_timeout_seconds(self) -> int:
        return max(1, int(self.min_watch_timeout * (self._rng.random() + 1.0)))

    # -- main loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until cancelled, recovering from every error as described above."""
        while True:
            try:
                await self._list_and_watch()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                await self._report(err)
                if _is_gone(err):
                    # The version is gone: the next list must be a consistent read.
                    self.metrics.relists_after_gone += 1
                    self._rv_unavailable = True
                await self._back_off(err)

    async def _back_off(self, err: BaseException | None) -> None:
        await asyncio.sleep(self._backoff.next_delay(_retry_after(err)))

    async def _report(self, err: BaseException) -> None:
        self.metrics.errors += 1
        self.last_error = err
        handler = self._watch_error_handler
        if handler is None:
            level = logging.INFO if _is_gone(err) else logging.WARNING
            logger.log(level, "%s: list/watch failed: %r", self.name, err)
            return
        try:
            result = handler(self, err)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("%s: watch error handler failed", self.name)

    async def _list_and_watch(self) -> None:
        stream: WatchStreamLike | None = None
        if self.use_watch_list and not self._watch_list_unsupported:
            try:
                stream = await self._watch_list()
            except _WatchListUnsupported as why:
                logger.info("%s: streaming list unavailable (%s); using LIST+WATCH", self.name, why)
                self._watch_list_unsupported = True
        if stream is None:
            await self._list()
        await self._watch_loop(stream)

    # -- list -----------------------------------------------------------------------------------

    async def _list(self) -> None:
        resource_version = self._relist_resource_version()
        self.metrics.lists += 1
        session = self._store.begin_replace()
        continue_token: str | None = None
        tokens_seen: set[str] = set()
        list_rv = ""
        while True:
            page = await self._lw.list(
                namespace=self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                resource_version=resource_version if continue_token is None else None,
                limit=self.page_size or None,
                continue_token=continue_token,
            )
            self.metrics.list_pages += 1
            items, meta = _page_parts(page)
            with gc_paused():  # synchronous: the client decoded the page the same way
                session.add_page(items)
            list_rv = str(meta.get("resourceVersion") or list_rv)
            continue_token = meta.get("continue") or None
            del page, items  # drop this page before fetching the next one
            if continue_token is None:
                break
            if continue_token in tokens_seen:
                raise ProtocolError(
                    f"the server returned the same continue token twice in one list (after "
                    f"{len(tokens_seen) + 1} pages); listing again from the first page"
                )
            tokens_seen.add(continue_token)
        with gc_paused():
            session.finish(list_rv)
            # Freeze before the collector is re-enabled: otherwise its first young collection
            # would walk every object allocated since the last page, for nothing.
            self._after_sync()
        self._set_rv(list_rv)
        self._rv_unavailable = False

    def _after_sync(self) -> None:
        if self.manage_gc:
            # The listed objects are now the bulk of the heap and live as long as the cache.
            freeze_now()

    # -- streaming list -------------------------------------------------------------------------

    async def _watch_list(self) -> WatchStreamLike:
        resource_version = "" if self._rv_unavailable else self._last_rv
        timeout = self._watch_timeout_seconds()
        try:
            stream = await self._open(
                resource_version=resource_version,
                resource_version_match="NotOlderThan",
                timeout_seconds=timeout,
                send_initial_events=True,
            )
        except ApiError as err:
            if _is_gone(err) or isinstance(err, TooManyRequests | ServerError):
                raise
            raise _WatchListUnsupported(repr(err)) from err
        session = self._store.begin_replace()
        try:
            # Not paused: the initial events arrive over the network, one await per event.
            ended = await self._consume(stream, session)
            if ended:
                self._after_sync()
        except BaseException:
            await _close(stream)
            raise
        if not ended:
            await _close(stream)
            raise _WatchListUnsupported("stream ended before the initial-events-end bookmark")
        self._rv_unavailable = False
        return stream

    # -- watch ----------------------------------------------------------------------------------

    async def _open(self, **options: Any) -> WatchStreamLike:
        """Send a watch request; a server that does not answer within the inactivity timeout
        is as dead as one that stops sending."""
        self.metrics.watches += 1
        raw = self._lw.watch(
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            allow_watch_bookmarks=True,
            **options,
        )
        stream = cast(WatchStreamLike, raw)
        limit = self.inactivity_timeout
        try:
            async with asyncio.timeout(limit):
                entered = await stream.__aenter__()
        except BaseException as err:
            await _close(stream)
            if isinstance(err, TimeoutError):
                raise WatchInactiveError(
                    f"the watch request got no usable answer within {limit:g}s"
                ) from None
            raise
        return entered if entered is not None else stream

    async def _watch_loop(self, stream: WatchStreamLike | None) -> None:
        loop = asyncio.get_running_loop()
        while True:
            opened_at = loop.time()
            seen_before = self.metrics.events + self.metrics.bookmarks
            try:
                if stream is None:
                    stream = await self._open(
                        resource_version=self._last_rv,
                        timeout_seconds=self._watch_timeout_seconds(),
                    )
                await self._consume(stream, None)
            except Exception as err:
                if not _is_retriable_watch_error(err):
                    raise
                await self._report(err)
                if stream is not None:
                    await _close(stream)
                    stream = None
                await self._back_off(err)
                continue
            finally:
                if stream is not None:
                    await _close(stream)
                    stream = None
            lasted = loop.time() - opened_at
            if lasted >= VERY_SHORT_WATCH:
                logger.debug("%s: watch ended; re-watching from %s", self.name, self._last_rv)
                continue
            if self.metrics.events + self.metrics.bookmarks == seen_before:
                error = VeryShortWatchError(
                    f"very short watch: the server ended it after {lasted:.3f}s "
                    "without any event"
                )
                await self._report(error)
                await self._back_off(error)
            else:
                logger.debug("%s: watch ended after %.3fs; backing off", self.name, lasted)
                await self._back_off(None)

    def _arm_watchdog(self, deadline: asyncio.Timeout, inactivity: float) -> None:
        # Checked a few times per inactivity period against the event counters rather than by
        # stamping the time on every event (a clock read per event is measurable at 20,000
        # events/s). Activity is credited to the check that sees it, never earlier, so the
        # stream is declared dead at least ``inactivity`` and at most 1.25x that after its
        # last event.
        loop = asyncio.get_running_loop()
        now = loop.time()
        seen = self.metrics.events + self.metrics.bookmarks
        if seen != self._activity_seen:
            self._activity_seen = seen
            self._last_activity = now
        if now - self._last_activity >= inactivity:
            deadline.reschedule(now)
            self._watchdog = None
        else:
            self._watchdog = loop.call_later(
                inactivity / 4, self._arm_watchdog, deadline, inactivity
            )

    async def _consume(self, stream: WatchStreamLike, session: ReplaceSession | None) -> bool:
        """Apply events until the stream ends; with ``session``, stop at the initial-events end.

        Returns True when a streaming list's initial-events-end bookmark was seen.
        """
        loop = asyncio.get_running_loop()
        inactivity = self.inactivity_timeout
        store = self._store
        add, update, delete = store.add, store.update, store.delete
        metrics = self.metrics
        self._last_activity = loop.time()
        self._activity_seen = metrics.events + metrics.bookmarks
        try:
            async with asyncio.timeout(None) as deadline:
                self._arm_watchdog(deadline, inactivity)
                try:
                    async for event in stream:
                        etype = event.type
                        obj = event.object
                        if etype == "MODIFIED" or etype == "ADDED":
                            if session is not None:
                                session.add_page((obj,))
                            elif etype == "ADDED":
                                add(obj)
                            else:
                                update(obj)
                        elif etype == "DELETED":
                            if session is not None:
                                session.discard(object_key(obj))
                            delete(obj)
                        elif etype == "BOOKMARK":
                            metrics.bookmarks += 1
                            meta = obj.get("metadata") or {}
                            rv = meta.get("resourceVersion")
                            if rv:
                                self._set_rv(str(rv))
                            annotations = meta.get("annotations") or {}
                            if session is not None and (
                                annotations.get(INITIAL_EVENTS_END_ANNOTATION) == "true"
                            ):
                                session.finish(self._last_rv)
                                return True
                            continue
                        else:
                            logger.warning("%s: ignoring watch event %r", self.name, etype)
                            continue
                        metrics.events += 1
                        self._set_rv(obj["metadata"]["resourceVersion"])
                finally:
                    if self._watchdog is not None:
                        self._watchdog.cancel()
                        self._watchdog = None
        except TimeoutError:
            raise WatchInactiveError(
                f"no watch event for {inactivity:.0f}s; treating the stream as dead"
            ) from None
        return False


async def _close(stream: WatchStreamLike) -> None:
    try:
        await stream.__aexit__(None, None, None)
    except Exception:
        logger.debug("closing a watch stream failed", exc_info=True)


def _retry_after(err: BaseException | None) -> float | None:
    return err.retry_after if isinstance(err, ApiError) else None


def _page_parts(page: Any) -> tuple[list[Any], dict[str, Any]]:
    """A list answer's items and metadata; :class:`ProtocolError` when it is not shaped like one
    (a clear error the round backs off from, not a ``TypeError`` deep in the cache)."""
    items = page.get("items") if isinstance(page, dict) else None
    meta = page.get("metadata") if isinstance(page, dict) else None
    if items is None:
        items = []
    if meta is None:
        meta = {}
    if not isinstance(items, list) or not isinstance(meta, dict):
        raise ProtocolError("the list answer is not a list object (items or metadata malformed)")
    return items, meta
