"""The one token bucket, as its three users take tokens from it."""

from __future__ import annotations

import inspect

import pytest

import kubeflow_informer.client.api_client as api_client
import kubeflow_informer.controller.events as events
import kubeflow_informer.workqueue.rate_limiters as rate_limiters
from kubeflow_informer.token_bucket import TokenBucket


def test_reserve_goes_into_debt_and_says_how_long_to_wait() -> None:
    now = [100.0]
    bucket = TokenBucket(10, 2, clock=lambda: now[0])
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.1)
    assert bucket.reserve() == pytest.approx(0.2)
    now[0] += 0.2
    assert bucket.reserve() == pytest.approx(0.1)


def test_try_take_never_goes_into_debt() -> None:
    bucket = TokenBucket(1, 2, now=0.0)
    assert [bucket.try_take(0.0), bucket.try_take(0.0), bucket.try_take(0.0)] == [
        True, True, False]
    assert bucket.try_take(0.5) is False
    assert bucket.try_take(1.0) is True


def test_refill_stops_at_burst() -> None:
    bucket = TokenBucket(100, 3, now=0.0)
    assert all(bucket.try_take(1000.0) for _ in range(3))
    assert not bucket.try_take(1000.0)


def test_zero_qps_disables_limiting() -> None:
    bucket = TokenBucket(0, 0)
    assert not bucket.enabled
    assert bucket.reserve() == 0.0 and bucket.try_take()


def test_positive_qps_needs_a_burst() -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(5, 0)


@pytest.mark.parametrize("module", [api_client, rate_limiters, events])
def test_the_client_the_workqueue_and_the_event_recorder_share_it(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    assert "TokenBucket" in source
    assert "self._tokens" not in source and "self.tokens" not in source
