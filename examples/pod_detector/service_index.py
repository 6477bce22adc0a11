"""Which Services select a Pod, answered from an informer index instead of a scan.

A Service selects the Pods of its namespace whose labels contain every ``key: value`` pair of
``spec.selector`` (an equality-only map; a Service without a selector selects nothing, its
endpoints are managed by hand). Scanning every Service for every Pod event costs O(services);
instead the Services informer carries an index, :data:`SELECTOR_PAIR_INDEX`, that maps each
``namespace/key=value`` pair of a Service's selector to the Services having that pair. The
Services that may select a Pod are then found with one index look-up per Pod label (O(labels)),
and only those candidates get the full selector match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kubeflow_informer.cache import Lister

#: Name of the index on the Services informer: ``"namespace/key=value"`` -> Services.
SELECTOR_PAIR_INDEX = "pod-detector/selector-pair"


def _pair(namespace: str, key: str, value: str) -> str:
    return f"{namespace}/{key}={value}"


def service_selector(service: Mapping[str, Any]) -> dict[str, str]:
    """The Service's ``spec.selector`` (``{}`` when it has none: it selects no Pods)."""
    selector = (service.get("spec") or {}).get("selector")
    if not isinstance(selector, Mapping):
        return {}
    return {str(k): str(v) for k, v in selector.items()}


def selector_pair_index(service: dict[str, Any]) -> list[str]:
    """Index function: one value per selector pair, namespaced (Services select in their own)."""
    namespace = service["metadata"].get("namespace") or ""
    return [_pair(namespace, k, v) for k, v in service_selector(service).items()]


def selects(service: Mapping[str, Any], labels: Mapping[str, str] | None) -> bool:
    """True when ``service`` selects a Pod with ``labels`` (in the same namespace)."""
    selector = service_selector(service)
    if not selector or not labels:
        return False
    return all(labels.get(k) == v for k, v in selector.items())


class ServiceIndex:
    """Looks up the Services selecting a Pod, through :data:`SELECTOR_PAIR_INDEX`.

    ``lister_for_namespace(ns)`` returns the Services lister whose informer covers ``ns`` (one
    informer for all namespaces, or one per watched namespace), or ``None`` when ``ns`` is not
    watched. The index must be registered on those informers (see :func:`selector_pair_index`).
    Returned Services are the cache's own objects: do not mutate them.
    """

    def __init__(self, lister_for_namespace: Callable[[str], Lister | None]) -> None:
        self._lister_for = lister_for_namespace

    def services_for(
        self, namespace: str, labels: Mapping[str, str] | None
    ) -> list[dict[str, Any]]:
        """Services in ``namespace`` selecting a Pod with ``labels``, sorted by name."""
        if not labels:
            return []
        lister = self._lister_for(namespace)
        if lister is None:
            return []
        candidates: dict[str, dict[str, Any]] = {}
        for key, value in labels.items():
            for service in lister.indexer.by_index(
                SELECTOR_PAIR_INDEX, _pair(namespace, key, value)
            ):
                candidates.setdefault(service["metadata"]["name"], service)
        return [
            candidates[name] for name in sorted(candidates) if selects(candidates[name], labels)
        ]

    def services_for_pod(self, pod: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Services selecting ``pod`` (read from its namespace and labels)."""
        meta = pod.get("metadata") or {}
        return self.services_for(meta.get("namespace") or "", meta.get("labels"))
