from __future__ import annotations

import gc

import pytest

from kubeflow_informer.cache import SharedIndexInformer, gc_policy, informer_metrics_collector
from kubeflow_informer.metrics import CollectorRegistry
from kubeflow_informer.testing import metric_value

from .cache_fakes import FakeListerWatcher, pod

pytestmark = pytest.mark.timeout(20)


async def test_metrics_report_reflector_counters_per_informer() -> None:
    lw = FakeListerWatcher()
    lw.create(pod("a"))
    inf = SharedIndexInformer(lw, manage_gc=False, name="pods")
    registry = CollectorRegistry()
    registry.register(informer_metrics_collector(lambda: [inf]))
    async with inf:
        assert await inf.wait_for_cache_sync(5)
        await lw.wait_for_watch()
        text = registry
        assert metric_value(text, "reflector_lists_total", name="pods") == 1
        assert metric_value(text, "informer_cache_objects", name="pods") == 1
        assert metric_value(text, "informer_synced", name="pods") == 1
        assert metric_value(text, "reflector_last_resource_version", name="pods") == 101


def test_gc_pause_is_shared_and_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with gc_policy.gc_paused():
        with gc_policy.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_gc_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_policy.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_managing_informer_raises_the_threshold_and_restores_it_on_stop() -> None:
    before = gc.get_threshold()
    lw = FakeListerWatcher()
    lw.create(pod("a"))
    inf = SharedIndexInformer(lw, manage_gc=True)
    try:
        async with inf:
            assert await inf.wait_for_cache_sync(5)
            assert gc.get_threshold()[0] >= gc_policy.YOUNG_THRESHOLD
            assert gc.get_freeze_count() > 0  # the listed objects were frozen
            assert gc.isenabled()
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()


def test_note_cached_freezes_after_enough_changes() -> None:
    try:
        gc_policy.freeze_now()  # starts a new count
        gc.unfreeze()
        gc_policy.note_cached(gc_policy.FREEZE_EVERY - 1)
        assert gc.get_freeze_count() == 0
        gc_policy.note_cached(1)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
