"""One import surface: what the README and the docs use comes from ``kubeflow_informer``, and
every exception the library defines is a ``KubeflowInformerError``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import kubeflow_informer
from kubeflow_informer import KubeflowInformerError

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def imported_names(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` for each ``from kubeflow_informer... import name`` in ``path``'s code."""
    found = []
    for block in PYTHON_BLOCK.findall(path.read_text()):
        for module, names in re.findall(
            r"^from (kubeflow_informer[\w.]*) import (\([^)]*\)|[^\n]*)", block, re.MULTILINE
        ):
            found += [(module, n.strip()) for n in names.strip("()").split(",") if n.strip()]
    return found


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_name_the_docs_import_is_importable_from_the_top_level(path: Path) -> None:
    for _module, name in imported_names(path):
        assert name in kubeflow_informer.__all__, f"{path.name} uses {name}"
        assert getattr(kubeflow_informer, name) is not None


@pytest.mark.parametrize("name", ["README.md", "writing-controllers.md", "controllers.md"])
def test_the_readme_and_the_tutorial_import_from_the_top_level(name: str) -> None:
    path = REPO / name if name == "README.md" else REPO / "docs" / name
    modules = {module for module, _ in imported_names(path)}
    assert modules == {"kubeflow_informer"}


@pytest.mark.parametrize(
    "name",
    ["any_of", "all_of", "not_", "FuncPredicate", "object_predicate", "FinalizerOutcome",
     "CacheSyncTimeout", "LeaderElectionLost", "eventually", "ControlPlane"],
)
def test_names_the_docs_mention_are_exported(name: str) -> None:
    assert name in kubeflow_informer.__all__
    assert getattr(kubeflow_informer, name) is not None


def library_exception_classes() -> list[type[BaseException]]:
    classes: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(kubeflow_informer.__path__, "kubeflow_informer."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == info.name and not name.startswith("_")):
                classes[f"{info.name}.{name}"] = value
    return list(classes.values())


def test_every_public_exception_class_derives_from_kubeflow_informer_error() -> None:
    classes = library_exception_classes()
    assert len(classes) > 20
    strays = [f"{c.__module__}.{c.__name__}" for c in classes
              if not issubclass(c, KubeflowInformerError)]
    assert strays == []


@pytest.mark.parametrize("name", ["FIFOClosedError", "ShutDown", "IndexerConflictError",
                                  "SelectorError"])
def test_the_four_formerly_plain_exceptions_are_library_errors(name: str) -> None:
    assert issubclass(getattr(kubeflow_informer, name), KubeflowInformerError)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("kubeflow_informer.controller.reconciler", "request_for_key"),
        ("kubeflow_informer.selectors", "FieldSelector.from_set"),
        ("kubeflow_informer.apiserver.registry", "Registry.versions_of"),
        ("kubeflow_informer.cache.factory", "SharedInformerFactory.register_metrics"),
        ("kubeflow_informer.workqueue.metrics", "WorkqueueMetrics.remove_queue"),
        ("kubeflow_informer.workqueue.metrics", "QueueMetrics.forget_pending"),
    ],
)
def test_dead_code_is_gone(module: str, name: str) -> None:
    value: object = importlib.import_module(module)
    *path, last = name.split(".")
    for part in path:
        value = getattr(value, part)
    assert not hasattr(value, last)


def test_selectors_split_into_labels_and_fields_with_field_tables_in_the_apiserver() -> None:
    labels = importlib.import_module("kubeflow_informer.selectors.labels")
    fields = importlib.import_module("kubeflow_informer.selectors.fields")
    tables = importlib.import_module("kubeflow_informer.apiserver.fields")
    assert hasattr(labels, "LabelSelector") and hasattr(fields, "FieldSelector")
    assert hasattr(tables, "fields_for") and not hasattr(fields, "fields_for")
    for module in (labels, fields, tables):
        assert len(inspect.getsource(module).splitlines()) < 500
