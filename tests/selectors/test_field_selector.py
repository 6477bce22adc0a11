"""Field selector parsing and the field sets of resources (apimachinery `fields` semantics)."""

from __future__ import annotations

import pytest

from kubeflow_informer.apiserver.fields import fields_for, object_fields, pod_fields
from kubeflow_informer.selectors import FieldSelector, SelectorError, escape_field_value

POD = {
    "metadata": {"name": "p1", "namespace": "ns"},
    "spec": {"nodeName": "n1", "restartPolicy": "Always", "serviceAccountName": "sa"},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]},
}


def test_equal_and_not_equal_terms() -> None:
    sel = FieldSelector.parse("metadata.name=p1,status.phase!=Failed")
    assert sel.matches(pod_fields(POD))
    assert not FieldSelector.parse("status.phase!=Running").matches(pod_fields(POD))


def test_double_equals_normalised_in_requirements() -> None:
    assert FieldSelector.parse("a==b").requirements == [("a", "=", "b")]
    assert str(FieldSelector.parse("a==b")) == "a=b"


def test_missing_field_compares_as_empty_string() -> None:
    assert FieldSelector.parse("spec.nodeName=").matches({"metadata.name": "x"})
    assert not FieldSelector.parse("spec.nodeName!=").matches({})


def test_escaped_comma_and_equals_in_values() -> None:
    sel = FieldSelector.parse(r"a=x\,y\=z\\w,b=c")
    assert sel.requirements == [("a", "=", "x,y=z\\w"), ("b", "=", "c")]
    assert sel.matches({"a": "x,y=z\\w", "b": "c"})
    assert FieldSelector.parse(str(sel)) == sel


def test_escape_field_value_round_trips() -> None:
    value = "a,b=c\\d"
    assert FieldSelector.parse("f=" + escape_field_value(value)).matches({"f": value})


@pytest.mark.parametrize("text", ["a", "a=b=c", r"a=b\x", "a=b\\", "=b", "a<b"])
def test_invalid_field_selectors_raise(text: str) -> None:
    with pytest.raises(SelectorError):
        FieldSelector.parse(text)


def test_empty_field_selector_selects_everything() -> None:
    assert FieldSelector.parse("").empty
    assert FieldSelector.parse("").matches({})


def test_pod_fields_cover_the_kube_field_set() -> None:
    fields = pod_fields(POD)
    assert fields["spec.nodeName"] == "n1"
    assert fields["status.podIP"] == "10.0.0.1"
    assert fields["spec.schedulerName"] == ""
    assert fields["metadata.namespace"] == "ns"


def test_object_fields_for_cluster_scoped_object() -> None:
    assert object_fields({"metadata": {"name": "n"}}) == {
        "metadata.name": "n",
        "metadata.namespace": "",
    }


def test_fields_for_picks_per_resource() -> None:
    event = {
        "metadata": {"name": "e", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "p1"},
        "reason": "Started",
        "type": "Normal",
        "source": {"component": "kubelet"},
    }
    assert FieldSelector.parse("involvedObject.name=p1,source=kubelet").matches(
        fields_for("events", event)
    )
    node = {"metadata": {"name": "n"}, "spec": {"unschedulable": True}}
    assert fields_for("Node", node)["spec.unschedulable"] == "true"
    assert fields_for("secrets", {"metadata": {"name": "s"}, "type": "Opaque"})["type"] == "Opaque"
    ns = {"metadata": {"name": "x"}, "status": {"phase": "Active"}}
    assert fields_for("namespaces", ns)["status.phase"] == "Active"
    assert "status.phase" not in fields_for("configmaps", ns)
    assert fields_for("pods", POD) == pod_fields(POD)


def test_requires_exact_match_returns_equal_value() -> None:
    sel = FieldSelector.parse("spec.nodeName=n1,metadata.name!=x")
    assert sel.requires_exact_match("spec.nodeName") == "n1"
    assert sel.requires_exact_match("metadata.name") is None
