"""The benchmark pods: deterministic, realistic in size and shape, changes that do not alias."""

from __future__ import annotations

import orjson

from benchmarks.consumers.common import change_sequence, change_stamp_ns, percentile
from benchmarks.pods import make_pod, pod_name, with_change


def test_same_index_gives_the_same_pod() -> None:
    assert orjson.dumps(make_pod(42)) == orjson.dumps(make_pod(42))


def test_pods_are_about_four_kilobytes() -> None:
    sizes = [len(orjson.dumps(make_pod(i))) for i in range(0, 5000, 97)]
    assert 3500 <= min(sizes) and max(sizes) <= 4500


def test_pods_carry_the_fields_real_pods_have() -> None:
    pod = make_pod(7)
    assert len(pod["metadata"]["managedFields"]) == 2
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    assert len(pod["spec"]["containers"]) == 2
    assert len(pod["status"]["containerStatuses"]) == 2
    assert pod["status"]["conditions"]


def test_pod_names_are_unique() -> None:
    names = {pod_name(i) for i in range(100_000)}
    assert len(names) == 100_000


def test_a_change_leaves_the_original_untouched() -> None:
    pod = make_pod(3)
    before = orjson.dumps(pod)
    changed = with_change(pod, 17, stamp_ns=123)
    assert orjson.dumps(pod) == before
    assert (change_sequence(changed), change_stamp_ns(changed)) == (17, 123)


def test_an_unchanged_pod_has_no_sequence() -> None:
    assert change_sequence(make_pod(1)) == -1


def test_percentile_uses_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99)) == (50.0, 99.0)
