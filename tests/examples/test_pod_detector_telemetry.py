"""The detector's structured log lines and event counting."""

from __future__ import annotations

import logging

import pytest

from examples.pod_detector.telemetry import DetectorStats, log_transition, logfmt


def test_logfmt_quotes_only_values_that_need_it() -> None:
    line = logfmt("pod-unavailable", pod="shop/web-1", reason="NotReady",
                  message='not ready for "45s"', services=None)
    assert line == r'pod-unavailable pod=shop/web-1 reason=NotReady message="not ready for \"45s\""'


def test_transition_fields_are_attached_for_json_formatters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="examples.pod_detector.detections"):
        log_transition(logging.WARNING, "pod-unavailable", pod="shop/web-1", reason="Evicted",
                       previous=None)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.detection == {"event": "pod-unavailable", "pod": "shop/web-1",
                                "reason": "Evicted"}


def test_counting_predicate_passes_and_counts_every_event() -> None:
    stats = DetectorStats()
    predicate = stats.counting_predicate("pods")
    obj = {"metadata": {"name": "p"}}
    assert predicate.create(obj) and predicate.update(obj, obj) and predicate.delete(obj)
    assert stats.events == {"pods": 3}
