"""The opt-in garbage-collector policy of informers created with ``manage_gc=True``.

By default an informer changes nothing process-wide: it only pauses the collector while a list
page is decoded and inserted (:func:`~kubeflow_informer.gc_pause.gc_paused`, synchronous code
only). Raising thresholds and freezing the heap, below, affect the whole process, so the
application opts into them (``SharedInformerFactory(api, manage_gc=True)``, or per informer);
``docs/benchmarks.md`` gives what they save.

Why: an informer's cache is hundreds of thousands of long-lived containers (every pod is ~30
dicts and lists). CPython's full collections walk every tracked object that is not frozen, so a
big cache makes each full collection cost hundreds of milliseconds, and the more the cache
churns, the more often they run - measured here, two thirds of a watch's CPU time went to the
collector. The cache's objects are acyclic (decoded JSON): reference counting frees them, the
collector never has anything to find among them.

Policy:

* After each completed list, everything alive is frozen (``gc.freeze()``: moved to the permanent
  generation that collections skip; frozen objects are still freed by reference counting as soon
  as they are dropped), without collecting first - see :func:`freeze_now`.
* While at least one managing informer runs (:func:`acquire` / :func:`release`), the young
  generation threshold is raised to ``YOUNG_THRESHOLD`` and, every ``FREEZE_EVERY`` cached
  changes, :func:`note_cached` freezes what is alive - without collecting first: a young
  collection before each freeze walked every new object once more and cost a third of the
  informer's time per watch event (measured: 120 us per event with it, 80 us without). Each
  cached object is thus walked by no collection at all while it lives, and full collections
  find almost nothing to walk.
* Freezing without collecting also freezes the reference cycles that are alive, or already
  garbage, at that moment (a connection being torn down, an exception being handled). So that a
  controller running for months does not grow without bound, the heap is *reclaimed* (unfreeze,
  one full collection, freeze again) after ``RECLAIM_MIN_CHANGES`` cached changes, but never
  more often than keeps reclaims under ``RECLAIM_MAX_TIME_SHARE`` of the wall time (the last
  reclaim's duration decides), nor within ``RECLAIM_MIN_SECONDS`` of the previous one or of the
  start: before the first reclaim nothing says what one costs, and a reclaim walks the whole
  heap (about a second for 100,000 cached pods), which a burst of changes right after the
  initial list should not pay. The cost is spread over many changes, never paid per event.
  When the last managing informer stops, everything is unfrozen and CPython's own collector
  is in charge again.
* Nothing here calls ``gc.get_freeze_count()``: it walks the whole frozen generation.
"""

from __future__ import annotations

import gc
import time

from kubeflow_informer.gc_pause import gc_paused, pause_active

__all__ = [
    "FREEZE_EVERY",
    "YOUNG_THRESHOLD",
    "acquire",
    "freeze_now",
    "gc_paused",
    "note_cached",
    "reclaim",
    "release",
]

#: Cached changes (adds, updates, deletes) between two freezes.
FREEZE_EVERY = 500
#: The young-generation threshold while informers manage the collector.
YOUNG_THRESHOLD = 100_000
#: Cached changes between two reclaims, at the least ...
RECLAIM_MIN_CHANGES = 20_000
#: ... and reclaims take at most this share of the wall time ...
RECLAIM_MAX_TIME_SHARE = 0.02
#: ... and are at least this many seconds apart (the first counts from the start).
RECLAIM_MIN_SECONDS = 10.0

_pending = 0
_holders = 0
_saved_thresholds: tuple[int, ...] | None = None
_changes_since_reclaim = 0
_last_reclaim_end = 0.0
_last_reclaim_seconds = 0.0


def freeze_now() -> None:
    """Freeze everything alive, without collecting first.

    After a list a collection would walk every listed object just to find the few cycles the
    HTTP machinery left behind; between two reclaims it would walk every new object once more.
    Cycles frozen this way are freed by the next :func:`reclaim`.
    """
    global _pending
    gc.freeze()
    _pending = 0


def reclaim() -> None:
    """Unfreeze, collect everything once, freeze the survivors: frees cycles that died frozen."""
    global _changes_since_reclaim, _last_reclaim_end, _last_reclaim_seconds, _pending
    started = time.monotonic()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _last_reclaim_end = time.monotonic()
    _last_reclaim_seconds = _last_reclaim_end - started
    _changes_since_reclaim = 0
    _pending = 0


def _reclaim_due() -> bool:
    if _changes_since_reclaim < RECLAIM_MIN_CHANGES or not gc.isenabled():
        return False
    since = time.monotonic() - _last_reclaim_end
    return since >= RECLAIM_MIN_SECONDS and since * RECLAIM_MAX_TIME_SHARE >= _last_reclaim_seconds


def acquire() -> None:
    """An informer that manages the collector started: raise the young-generation threshold.

    With CPython's default of 700, each cached object is walked by a young collection, walked
    again by a middle one, and by a full one - three walks of every pod that the cache keeps
    anyway. At ``YOUNG_THRESHOLD`` the automatic collections almost never run while informers
    freeze every ``FREEZE_EVERY`` changes, so a cached object is walked by no collection until
    a reclaim. The previous thresholds come back when the last such informer stops.
    """
    global _holders, _saved_thresholds, _last_reclaim_end, _last_reclaim_seconds
    global _changes_since_reclaim
    if _holders == 0:
        _last_reclaim_end = time.monotonic()
        _last_reclaim_seconds = 0.0
        _changes_since_reclaim = 0
        _saved_thresholds = gc.get_threshold()
        first, *rest = _saved_thresholds
        gc.set_threshold(max(first, YOUNG_THRESHOLD), *rest)
    _holders += 1


def release() -> None:
    """The counterpart of :func:`acquire`."""
    global _holders
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0:
        if _saved_thresholds is not None:
            gc.set_threshold(*_saved_thresholds)
        # Hand every frozen object back to the collector: nothing manages the heap any more.
        gc.unfreeze()


def note_cached(count: int) -> None:
    """Tell the policy ``count`` more objects were cached; freezes when enough have been."""
    global _pending, _changes_since_reclaim
    _pending += count
    if _pending >= FREEZE_EVERY and not pause_active():
        _changes_since_reclaim += _pending
        if _reclaim_due():
            reclaim()
        else:
            freeze_now()
