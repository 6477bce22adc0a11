"""Lister: read-only queries over an informer's cache (client-go ``listers``).

A lister never talks to the API server; it answers from the indexer, so its answers are as fresh as
the informer (check ``has_synced`` before trusting an empty answer). The objects returned are the
cache's own: **do not mutate them**; copy first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kubeflow_informer.cache.indexer import NAMESPACE_INDEX, Indexer
from kubeflow_informer.errors import KubeflowInformerError
from kubeflow_informer.keys import make_key
from kubeflow_informer.selectors import LabelSelector

if TYPE_CHECKING:
    from kubeflow_informer.cache.informer import SharedIndexInformer

__all__ = ["CacheNotSyncedError", "Lister"]


class CacheNotSyncedError(KubeflowInformerError):
    """A lister was asked for while its informer's cache had not synced: an answer from it could
    be empty or partial, so there is none. ``informer`` is the informer to wait for."""

    def __init__(self, informer: SharedIndexInformer, message: str) -> None:
        self.informer = informer
        super().__init__(message)

LabelSelectorLike = str | LabelSelector | Mapping[str, str]


def _as_selector(selector: LabelSelectorLike) -> LabelSelector:
    if isinstance(selector, LabelSelector):
        return selector
    if isinstance(selector, str):
        return LabelSelector.parse(selector)
    return LabelSelector.from_match_labels(selector, empty_selects_nothing=False)


class Lister:
    """Gets and lists objects of one informer's cache."""

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer

    def __repr__(self) -> str:
        return f"Lister({self.indexer!r})"

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The cached object ``namespace/name`` (``namespace=None`` for cluster-scoped), or None."""
        return self.indexer.get_by_key(make_key(namespace, name))

    def list(
        self,
        namespace: str | None = None,
        label_selector: LabelSelectorLike | None = None,
    ) -> list[dict[str, Any]]:
        """Cached objects, optionally of one namespace and matching a label selector.

        ``label_selector`` is selector text (``"app=web,tier!=db"``), a parsed
        :class:`~kubeflow_informer.selectors.LabelSelector`, or a ``{label: value}`` mapping.
        """
        indexer = self.indexer
        if namespace is None:
            objects = indexer.list()
        elif NAMESPACE_INDEX in indexer.indexers:
            objects = indexer.by_index(NAMESPACE_INDEX, namespace)
        else:
            objects = [
                obj for obj in indexer.list() if obj["metadata"].get("namespace") == namespace
            ]
        if label_selector is None:
            return objects
        selector = _as_selector(label_selector)
        if selector.empty:
            return objects
        return [obj for obj in objects if selector.matches(obj["metadata"].get("labels"))]
