"""The frozen generation is reclaimed as it grows, so cycles that die frozen do not leak forever."""

from __future__ import annotations

import gc
import weakref

import pytest

from kubeflow_informer.cache import gc_policy


class Node:
    """A small object that can hold a reference cycle to itself."""

    def __init__(self) -> None:
        self.me: Node | None = None


@pytest.fixture
def managed_gc(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gc_policy, "RECLAIM_MIN_OBJECTS", 1_000)
    was_enabled = gc.isenabled()
    gc.enable()
    gc_policy.acquire()
    try:
        yield
    finally:
        gc_policy.release()
        if not was_enabled:
            gc.disable()


def make_cycle() -> weakref.ref[Node]:
    node = Node()
    node.me = node
    return weakref.ref(node)


@pytest.mark.usefixtures("managed_gc")
def test_a_cycle_frozen_alive_is_not_collected_until_the_frozen_generation_grows() -> None:
    gc_policy.freeze_now()  # the baseline freeze
    ref = make_cycle()
    gc_policy.freeze_now(collect=False)  # frozen while (apparently) alive
    gc.collect()
    assert ref() is not None
    growth = [[index] for index in range(gc.get_freeze_count() + 2_000)]
    gc_policy.freeze_now(collect=False)
    assert ref() is None
    del growth


@pytest.mark.usefixtures("managed_gc")
def test_small_growth_does_not_trigger_a_full_collection() -> None:
    gc_policy.freeze_now()
    ref = make_cycle()
    gc_policy.freeze_now(collect=False)
    gc_policy.freeze_now(collect=False)
    assert ref() is not None


def test_stopping_the_last_informer_unfreezes_everything() -> None:
    gc_policy.acquire()
    gc_policy.freeze_now(collect=False)
    assert gc.get_freeze_count() > 0
    gc_policy.release()
    assert gc.get_freeze_count() == 0
