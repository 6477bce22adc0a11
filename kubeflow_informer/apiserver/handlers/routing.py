"""Resource paths: ``/api/v1/...`` and ``/apis/{group}/{version}/...`` turned into a target.

Routing is done by hand rather than by one aiohttp route per resource because the set of served
resources changes at run time (CRDs), and because one split of the path is cheaper than
matching dozens of patterns. The shapes understood, as kube-apiserver serves them:

* ``{plural}``, ``{plural}/{name}``, ``{plural}/{name}/{subresource}`` (cluster-scoped, and
  the all-namespaces list/watch of namespaced resources);
* ``namespaces/{ns}/{plural}[/{name}[/{subresource}]]`` (namespaced);
* ``namespaces/{name}/status`` and ``namespaces/{name}/finalize`` (subresources of a Namespace);
* ``{plural}/{name}/proxy/{path...}`` (the path after ``proxy`` is the proxied one);
* the legacy ``watch/`` prefix before any of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubeflow_informer.apiserver.handlers.responses import not_found_path
from kubeflow_informer.apiserver.registry import Registry, ResourceInfo

__all__ = ["ResourcePath", "resolve"]


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """The target of a resource request."""

    info: ResourceInfo
    namespace: str | None
    name: str | None
    subresource: str | None
    watch_prefix: bool


def resolve(registry: Registry, group: str, version: str, rest: list[str]) -> ResourcePath:
    """Resolve the path segments after the group/version; 404 Status when nothing is served."""
    watch_prefix = False
    if rest and rest[0] == "watch":
        watch_prefix = True
        rest = rest[1:]
    if not rest or any(not segment for segment in rest):
        raise not_found_path()
    namespace: str | None = None
    if len(rest) > 3 and rest[2] == "proxy":
        rest = rest[:3]  # nodes/{name}/proxy/..., before it is taken for a namespace path
    if rest[0] == "namespaces" and len(rest) >= 3 and not (
        group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    ):
        namespace = rest[1]
        rest = rest[2:]
    if len(rest) > 3 and rest[2] == "proxy":
        rest = rest[:3]
    if len(rest) > 3:
        raise not_found_path()
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    info = registry.get(group, version, plural)
    if info is None:
        raise not_found_path()
    if namespace is not None and not info.namespaced:
        raise not_found_path()
    if info.namespaced and namespace is None and name is not None:
        raise not_found_path()
    if subresource is not None and subresource not in info.subresources:
        raise not_found_path()
    if watch_prefix and subresource is not None:
        raise not_found_path()
    return ResourcePath(info, namespace, name, subresource, watch_prefix)
