"""Label selector parsing, validation, matching and formatting (apimachinery semantics)."""

from __future__ import annotations

import pytest

from kubeflow_informer.selectors import LabelSelector, SelectorError


def test_equality_matches_only_equal_value() -> None:
    sel = LabelSelector.parse("app=web")
    assert sel.matches({"app": "web"})
    assert not sel.matches({"app": "db"})
    assert not sel.matches({})


def test_double_equals_is_equality_and_formats_as_single() -> None:
    sel = LabelSelector.parse("app==web")
    assert sel.matches({"app": "web"})
    assert str(sel) == "app=web"
    assert sel == LabelSelector.parse("app=web")


def test_not_equal_matches_objects_without_the_label() -> None:
    sel = LabelSelector.parse("tier!=front")
    assert sel.matches({})
    assert sel.matches(None)
    assert sel.matches({"tier": "back"})
    assert not sel.matches({"tier": "front"})


def test_in_and_notin() -> None:
    sel_in = LabelSelector.parse("env in (prod, staging)")
    assert sel_in.matches({"env": "prod"})
    assert not sel_in.matches({"env": "dev"})
    assert not sel_in.matches({})
    sel_notin = LabelSelector.parse("env notin (prod,staging)")
    assert sel_notin.matches({})
    assert sel_notin.matches({"env": "dev"})
    assert not sel_notin.matches({"env": "prod"})


def test_exists_and_does_not_exist() -> None:
    assert LabelSelector.parse("gpu").matches({"gpu": ""})
    assert not LabelSelector.parse("gpu").matches({"cpu": "x"})
    assert LabelSelector.parse("!gpu").matches({"cpu": "x"})
    assert not LabelSelector.parse(" ! gpu ").matches({"gpu": "1"})


def test_comma_is_and_and_whitespace_is_tolerated() -> None:
    sel = LabelSelector.parse("  app = web ,  env in ( a , b ),!legacy ")
    assert sel.matches({"app": "web", "env": "b"})
    assert not sel.matches({"app": "web", "env": "b", "legacy": "1"})
    assert not sel.matches({"app": "web", "env": "c"})


def test_greater_and_less_than_compare_integers() -> None:
    sel = LabelSelector.parse("replicas>2,replicas<5")
    assert sel.matches({"replicas": "3"})
    assert not sel.matches({"replicas": "5"})
    assert not sel.matches({"replicas": "x"})
    assert not sel.matches({})


def test_empty_value_for_equality_is_allowed() -> None:
    sel = LabelSelector.parse("app=")
    assert sel.matches({"app": ""})
    assert not sel.matches({})


def test_empty_text_selects_everything() -> None:
    sel = LabelSelector.parse("")
    assert sel.empty
    assert sel.matches(None)
    assert str(sel) == ""


def test_canonical_string_sorts_keys_and_values_and_round_trips() -> None:
    sel = LabelSelector.parse("z notin (c,a),a in (y,x),!m,k,b!=1")
    assert str(sel) == "a in (x,y),b!=1,k,!m,z notin (a,c)"
    assert LabelSelector.parse(str(sel)) == sel
    assert hash(LabelSelector.parse(str(sel))) == hash(sel)


def test_prefixed_key_is_accepted() -> None:
    sel = LabelSelector.parse("app.kubernetes.io/name=web")
    assert sel.matches({"app.kubernetes.io/name": "web"})


@pytest.mark.parametrize(
    "text",
    [
        "app=web=x",
        "app in a,b",
        "-bad=x",
        "a/b/c=x",
        "UPPER.Prefix/x=y",
        "/x=y",
        "k=" + "v" * 64,
        "k" * 64,
        "k=bad value",
        "app=web,",
        "k>notanumber",
        "=v",
        "app in (a",
    ],
)
def test_invalid_selectors_raise_selector_error(text: str) -> None:
    with pytest.raises(SelectorError):
        LabelSelector.parse(text)


def test_selector_error_is_a_value_error_with_the_text() -> None:
    with pytest.raises(ValueError, match="app in"):
        LabelSelector.parse("app in")


def test_from_dict_combines_match_labels_and_expressions() -> None:
    sel = LabelSelector.from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "Exists", "values": []},
                {"key": "tier", "operator": "NotIn", "values": ["cache"]},
            ],
        }
    )
    assert sel.matches({"app": "web", "env": "prod", "zone": "a"})
    assert not sel.matches({"app": "web", "env": "prod", "zone": "a", "legacy": "y"})
    assert not sel.matches({"app": "web", "env": "prod"})
    assert not sel.matches({"app": "web", "env": "prod", "zone": "a", "tier": "cache"})


def test_from_dict_none_selects_nothing_and_empty_selects_everything() -> None:
    assert not LabelSelector.from_dict(None).matches({"a": "b"})
    assert LabelSelector.from_dict(None).selects_nothing
    assert LabelSelector.from_dict({}).empty
    assert LabelSelector.from_dict({}).matches({"a": "b"})


@pytest.mark.parametrize(
    "expr",
    [
        {"key": "a", "operator": "In", "values": []},
        {"key": "a", "operator": "Exists", "values": ["x"]},
        {"key": "a", "operator": "Gt", "values": ["1"]},
        {"key": "bad key", "operator": "Exists"},
    ],
)
def test_from_dict_rejects_invalid_expressions(expr: dict[str, object]) -> None:
    with pytest.raises(SelectorError):
        LabelSelector.from_dict({"matchExpressions": [expr]})


def test_from_match_labels_requires_every_pair() -> None:
    sel = LabelSelector.from_match_labels({"app": "web", "tier": "front"})
    assert sel.matches({"app": "web", "tier": "front", "x": "y"})
    assert not sel.matches({"app": "web"})


def test_empty_service_selector_selects_nothing_unless_flagged() -> None:
    assert not LabelSelector.from_match_labels({}).matches({"a": "b"})
    assert LabelSelector.from_match_labels({}, empty_selects_nothing=False).matches({"a": "b"})


def test_requirements_expose_normalised_terms() -> None:
    sel = LabelSelector.parse("b in (2,1),a==x,!c")
    assert sel.requirements == [("a", "=", ("x",)), ("b", "in", ("1", "2")), ("c", "!", ())]


def test_an_empty_value_set_is_the_set_of_the_empty_value() -> None:
    """apimachinery reads ``in ()`` as ``in {""}``: the label must exist with an empty value."""
    selector = LabelSelector.parse("app in ()")
    assert selector.matches({"app": ""})
    assert not selector.matches({"app": "web"}) and not selector.matches({})
    assert LabelSelector.parse("app notin ()").matches({})
    assert LabelSelector.parse(str(selector)) == selector
