"""EventRecorder counts repeats, aggregates similar events and rate-limits per object."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.controller.events import AGGREGATE_PREFIX, EventRecorder
from kubeflow_informer.errors import NotFound

pytestmark = pytest.mark.timeout(10)

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "3"}}


class FakeSink:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.creates = 0
        self.patches = 0

    async def create(self, body: Any, *, namespace: str | None = None) -> Any:
        self.creates += 1
        self.events[body["metadata"]["name"]] = dict(body)
        return body

    async def patch(self, name: str, body: Any, *, namespace: str | None = None,
                    patch_type: Any = "merge") -> Any:
        if name not in self.events:
            raise NotFound(404, "NotFound", "gone")
        self.patches += 1
        self.events[name].update(body)
        return self.events[name]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_an_event_is_created_on_the_involved_object() -> None:
    sink = FakeSink()
    async with EventRecorder(sink, "ctl", host="h") as recorder:
        recorder.event(POD, "Normal", "Created", "made it")
        await recorder.flush()
    (event,) = sink.events.values()
    assert event["involvedObject"] == {"apiVersion": "v1", "kind": "Pod", "name": "p",
                                       "namespace": "ns", "uid": "u1", "resourceVersion": "3"}
    assert event["metadata"]["namespace"] == "ns" and event["metadata"]["name"].startswith("p.")
    assert (event["reason"], event["type"], event["count"]) == ("Created", "Normal", 1)
    assert event["source"] == {"component": "ctl", "host": "h"}


async def test_repeats_of_the_same_event_increase_its_count() -> None:
    sink, clock = FakeSink(), Clock()
    async with EventRecorder(sink, "ctl", clock=clock) as recorder:
        for _ in range(3):
            recorder.event(POD, "Warning", "Failed", "boom")
            clock.now += 1
        await recorder.flush()
    (event,) = sink.events.values()
    assert event["count"] == 3 and sink.creates == 1 and sink.patches == 2
    assert event["lastTimestamp"] > event["firstTimestamp"]


async def test_similar_events_differing_by_message_are_aggregated() -> None:
    sink, clock = FakeSink(), Clock()
    async with EventRecorder(sink, "ctl", clock=clock) as recorder:
        for i in range(15):
            recorder.event(POD, "Warning", "Failed", f"attempt {i}")
            clock.now += 1
        await recorder.flush()
    combined = [e for e in sink.events.values() if e["message"].startswith(AGGREGATE_PREFIX)]
    assert len(sink.events) == 10  # 9 individual ones, then one combined event
    assert len(combined) == 1 and combined[0]["count"] == 6


async def test_the_spam_filter_drops_events_beyond_the_burst() -> None:
    sink, clock = FakeSink(), Clock()
    async with EventRecorder(sink, "ctl", clock=clock, burst=5, qps=1.0) as recorder:
        for i in range(20):
            recorder.event(POD, "Normal", f"Reason{i}", "m")  # distinct: no aggregation
        await recorder.flush()
        assert sink.creates == 5
        clock.now += 2.0  # the bucket refills at 1 event/s
        recorder.event(POD, "Normal", "Later", "m")
        recorder.event(POD, "Normal", "Later2", "m")
        recorder.event(POD, "Normal", "Later3", "m")
        await recorder.flush()
    assert sink.creates == 7


async def test_a_count_update_for_an_expired_event_creates_it_again() -> None:
    sink = FakeSink()
    async with EventRecorder(sink, "ctl") as recorder:
        recorder.event(POD, "Normal", "Synced", "ok")
        await recorder.flush()
        sink.events.clear()
        recorder.event(POD, "Normal", "Synced", "ok")
        await recorder.flush()
    (event,) = sink.events.values()
    assert event["count"] == 2 and sink.creates == 2


async def test_unsupported_event_types_are_dropped() -> None:
    sink = FakeSink()
    async with EventRecorder(sink, "ctl") as recorder:
        recorder.event(POD, "Fatal", "X", "m")
        await recorder.flush()
    assert sink.events == {}


async def test_objects_without_kind_need_it_passed_explicitly() -> None:
    sink = FakeSink()
    bare = {"metadata": {"name": "p", "namespace": "ns"}}
    async with EventRecorder(sink, "ctl") as recorder:
        with pytest.raises(ValueError, match="kind"):
            recorder.event(bare, "Normal", "X", "m")
        recorder.event(bare, "Normal", "X", "m", api_version="v1", kind="Pod")
        await recorder.flush()
    assert next(iter(sink.events.values()))["involvedObject"]["kind"] == "Pod"


async def test_a_failing_sink_does_not_stop_later_events() -> None:
    sink = FakeSink()
    calls = {"n": 0}
    original = sink.create

    async def flaky(body: Any, *, namespace: str | None = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("connection reset")
        return await original(body, namespace=namespace)

    sink.create = flaky  # type: ignore[method-assign]
    async with EventRecorder(sink, "ctl") as recorder:
        recorder.event(POD, "Normal", "A", "m")
        recorder.event(POD, "Normal", "B", "m")
        await recorder.flush()
    assert [e["reason"] for e in sink.events.values()] == ["B"]
