"""Prometheus primitives and the text exposition format."""

from __future__ import annotations

import pytest

from kubeflow_informer.metrics import MetricFamily, Registry, Sample, exponential_buckets


def test_counter_renders_help_type_and_value() -> None:
    reg = Registry()
    c = reg.counter("jobs_total", "Jobs done.")
    c.inc()
    c.inc(2)
    assert reg.render() == "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n"


def test_counter_refuses_negative_increment() -> None:
    with pytest.raises(ValueError):
        Registry().counter("c", "h").inc(-1)


def test_labelled_children_are_cached_and_rendered() -> None:
    reg = Registry()
    c = reg.counter("req_total", "Requests.", ("code", "verb"))
    c.labels("200", "GET").inc()
    c.labels(code="200", verb="GET").inc()
    assert c.labels("200", "GET") is c.labels("200", "GET")
    assert 'req_total{code="200",verb="GET"} 2' in reg.render()


def test_wrong_label_count_raises() -> None:
    c = Registry().counter("x", "h", ("a",))
    with pytest.raises(ValueError):
        c.labels("1", "2")
    with pytest.raises(ValueError):
        c.inc()


def test_label_values_are_escaped() -> None:
    reg = Registry()
    reg.gauge("g", "line1\nline2 \\", ("v",)).labels('a"b\\c\nd').set(1)
    text = reg.render()
    assert "# HELP g line1\\nline2 \\\\" in text
    assert 'g{v="a\\"b\\\\c\\nd"} 1' in text


def test_gauge_set_inc_dec() -> None:
    reg = Registry()
    g = reg.gauge("depth", "Depth.")
    g.set(5)
    g.inc(2)
    g.dec()
    assert "depth 6" in reg.render()


def test_gauge_function_is_read_at_scrape_time() -> None:
    reg = Registry()
    value = [1.5]
    reg.gauge("temp", "T.").set_function(lambda: value[0])
    assert "temp 1.5" in reg.render()
    value[0] = 7
    assert "temp 7" in reg.render()


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    reg = Registry()
    h = reg.histogram("lat_seconds", "Latency.", ("name",), buckets=(0.1, 1.0))
    child = h.labels("q")
    for v in (0.05, 0.1, 0.5, 3.0):
        child.observe(v)
    text = reg.render()
    assert "# TYPE lat_seconds histogram" in text
    assert 'lat_seconds_bucket{name="q",le="0.1"} 2' in text
    assert 'lat_seconds_bucket{name="q",le="1"} 3' in text
    assert 'lat_seconds_bucket{name="q",le="+Inf"} 4' in text
    assert 'lat_seconds_sum{name="q"} 3.65' in text
    assert 'lat_seconds_count{name="q"} 4' in text


def test_registering_a_name_twice_raises() -> None:
    reg = Registry()
    reg.counter("dup", "h")
    with pytest.raises(ValueError):
        reg.gauge("dup", "h")


@pytest.mark.parametrize("name", ["1bad", "has-dash", ""])
def test_invalid_metric_names_raise(name: str) -> None:
    with pytest.raises(ValueError):
        Registry().counter(name, "h")


def test_histogram_rejects_le_label_and_unsorted_buckets() -> None:
    with pytest.raises(ValueError):
        Registry().histogram("h", "h", ("le",))
    with pytest.raises(ValueError):
        Registry().histogram("h", "h", buckets=(2, 1))


def test_collectors_are_called_at_scrape_time() -> None:
    reg = Registry()
    calls = []

    def collect() -> list[MetricFamily]:
        calls.append(1)
        return [MetricFamily("items", "gauge", "Items.", [Sample("items", {"kind": "pod"}, 4)])]

    reg.register_collector(collect)
    assert calls == []
    assert 'items{kind="pod"} 4' in reg.render()
    assert calls == [1]
    reg.unregister_collector(collect)
    assert "items" not in reg.render()


def test_removed_child_disappears() -> None:
    reg = Registry()
    g = reg.gauge("g", "h", ("k",))
    g.labels("a").set(1)
    g.remove("a")
    assert 'g{k="a"}' not in reg.render()


def test_exponential_buckets() -> None:
    assert exponential_buckets(1, 10, 3) == (1, 10, 100)


def test_empty_registry_renders_nothing() -> None:
    assert Registry().render() == ""
