"""Cycles that die frozen are reclaimed on a budget, so a long-running informer does not leak."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kubeflow_informer.cache import gc_policy


class Node:
    """A small object that can hold a reference cycle to itself."""

    def __init__(self) -> None:
        self.me: Node | None = None


@pytest.fixture
def managed_gc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(gc_policy, "RECLAIM_MIN_CHANGES", 2 * gc_policy.FREEZE_EVERY)
    monkeypatch.setattr(gc_policy, "RECLAIM_MIN_SECONDS", 0.0)
    was_enabled = gc.isenabled()
    gc.enable()
    gc_policy.acquire()
    try:
        yield
    finally:
        gc_policy.release()
        if not was_enabled:
            gc.disable()


def dead_cycle() -> weakref.ref[Node]:
    """A cycle that is garbage at once, but only the cyclic collector can free it."""
    node = Node()
    node.me = node
    return weakref.ref(node)


@pytest.mark.usefixtures("managed_gc")
def test_periodic_freezes_do_not_collect_so_a_dead_cycle_is_frozen() -> None:
    ref = dead_cycle()
    gc_policy.note_cached(gc_policy.FREEZE_EVERY)
    gc.collect()
    assert ref() is not None


@pytest.mark.usefixtures("managed_gc")
def test_enough_changes_reclaim_cycles_that_died_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gc_policy, "RECLAIM_MAX_TIME_SHARE", 1.0)
    ref = dead_cycle()
    gc_policy.note_cached(gc_policy.FREEZE_EVERY)
    assert ref() is not None
    gc_policy.note_cached(gc_policy.FREEZE_EVERY)
    assert ref() is None


@pytest.mark.usefixtures("managed_gc")
def test_reclaims_are_spaced_so_they_take_a_bounded_share_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_policy, "RECLAIM_MAX_TIME_SHARE", 1.0)
    gc_policy.reclaim()
    monkeypatch.setattr(gc_policy, "_last_reclaim_seconds", 3600.0)  # as if it took an hour
    ref = dead_cycle()
    gc_policy.note_cached(4 * gc_policy.FREEZE_EVERY)
    gc_policy.note_cached(4 * gc_policy.FREEZE_EVERY)
    assert ref() is not None


@pytest.mark.usefixtures("managed_gc")
def test_no_reclaim_within_the_minimum_interval_even_before_the_first_was_timed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_policy, "RECLAIM_MAX_TIME_SHARE", 1.0)
    monkeypatch.setattr(gc_policy, "RECLAIM_MIN_SECONDS", 3600.0)
    ref = dead_cycle()
    gc_policy.note_cached(4 * gc_policy.FREEZE_EVERY)
    gc_policy.note_cached(4 * gc_policy.FREEZE_EVERY)
    assert ref() is not None


def test_stopping_the_last_informer_unfreezes_everything() -> None:
    gc_policy.acquire()
    gc_policy.freeze_now()
    assert gc.get_freeze_count() > 0
    gc_policy.release()
    assert gc.get_freeze_count() == 0
