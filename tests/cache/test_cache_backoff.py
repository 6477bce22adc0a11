from __future__ import annotations

import random

from kubeflow_informer.cache import Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_from_initial_up_to_the_cap_without_jitter() -> None:
    backoff = Backoff(0.8, 30.0, jitter=0.0, clock=Clock())
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]


def test_jitter_adds_up_to_the_base_delay_and_never_exceeds_the_cap() -> None:
    backoff = Backoff(0.8, 30.0, jitter=1.0, clock=Clock(), rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(10)]
    assert 0.8 <= delays[0] <= 1.6
    assert all(d <= 30.0 for d in delays)


def test_sequence_restarts_after_a_healthy_period() -> None:
    clock = Clock()
    backoff = Backoff(0.8, 30.0, jitter=0.0, reset_after=120.0, clock=clock)
    for _ in range(4):
        backoff.next_delay()
    clock.now += 121.0
    assert backoff.next_delay() == 0.8


def test_retry_after_wins_over_the_computed_delay() -> None:
    backoff = Backoff(0.8, 30.0, jitter=0.0, clock=Clock())
    assert backoff.next_delay(retry_after=7.0) == 7.0
    assert backoff.next_delay() == 1.6


def test_retry_after_zero_does_not_shorten_the_delay() -> None:
    backoff = Backoff(0.8, 30.0, jitter=0.0, clock=Clock())
    backoff.next_delay()
    assert backoff.next_delay(retry_after=0.0) == 1.6


def test_retry_after_is_capped_at_the_cap() -> None:
    backoff = Backoff(0.8, 30.0, jitter=0.0, clock=Clock())
    assert backoff.next_delay(retry_after=3600.0) == 30.0
