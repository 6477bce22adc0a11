"""SharedInformerFactory: one informer per resource, shared by every controller of a process.

client-go's ``SharedInformerFactory`` contract: asking twice for the same resource (same
namespace and selectors) returns the same informer, so N controllers watching pods cost one watch
and one cache. Options can differ per resource (:meth:`SharedInformerFactory.configure`, as
controller-runtime's ``cache.Options.ByObject``): page size, streaming list, transform, resync.
:meth:`SharedInformerFactory.start` starts every informer created so far that is not running yet;
it may be called again after more informers were requested (the factory never starts one
implicitly; the Manager starts an undeclared one on demand, see ``controller/manager.py``).
:meth:`SharedInformerFactory.stop` stops them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any, Protocol

from kubeflow_informer.cache.delta_fifo import Transform
from kubeflow_informer.cache.indexer import IndexFunc
from kubeflow_informer.cache.informer import SharedIndexInformer
from kubeflow_informer.cache.lister import Lister
from kubeflow_informer.cache.listwatch import ListerWatcher

__all__ = ["InformerOptions", "SharedInformerFactory"]

_InformerKey = tuple[str, str, str | None, str | None, str | None]


class _ResourceSource(Protocol):
    """What the factory needs of an ``ApiClient``."""

    def resource(self, api_version: str, plural: str, *, namespaced: bool = True) -> Any: ...


@dataclass(frozen=True)
class InformerOptions:
    """Options of the informers of one resource; ``None`` keeps the factory's setting.

    ``page_size`` (LIST ``limit``), ``use_watch_list`` (a streaming list instead of LIST pages),
    ``transform`` (run on every object entering this resource's caches, instead of the factory's
    transform) and ``resync_period`` (seconds; 0 never).
    """

    page_size: int | None = None
    use_watch_list: bool | None = None
    transform: Transform | None = None
    resync_period: float | None = None


class SharedInformerFactory:
    """Creates, shares, starts and stops informers for one API client."""

    def __init__(
        self,
        api_client: _ResourceSource,
        *,
        namespace: str | None = None,
        resync_period: float = 0.0,
        transform: Transform | None = None,
        **informer_options: Any,
    ) -> None:
        """``informer_options`` are passed to every :class:`SharedIndexInformer` it creates
        (``page_size``, ``use_watch_list``, ``min_watch_timeout``, ...)."""
        self._api = api_client
        self.namespace = namespace
        self.resync_period = resync_period
        self.transform = transform
        self._options = informer_options
        self._informers: dict[_InformerKey, SharedIndexInformer] = {}
        self._by_resource: dict[tuple[str, str], InformerOptions] = {}

    def __repr__(self) -> str:
        return (
            f"SharedInformerFactory(namespace={self.namespace!r}, "
            f"informers={len(self._informers)})"
        )

    def configure(self, api_version: str, plural: str, options: InformerOptions) -> None:
        """Set the options of every informer of ``api_version``/``plural`` created from now on.

        Raises :class:`RuntimeError` if an informer of that resource exists already: its list and
        cache were made with other options.
        """
        if any(key[:2] == (api_version, plural) for key in self._informers):
            raise RuntimeError(
                f"configure {api_version}/{plural} before its first informer is created"
            )
        self._by_resource[(api_version, plural)] = options

    def informer_for(
        self,
        api_version: str,
        plural: str,
        *,
        namespaced: bool = True,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float | None = None,
    ) -> SharedIndexInformer:
        """The shared informer of this resource/namespace/selectors, created on first use.

        ``namespace`` defaults to the factory's; it is ignored for cluster-scoped resources.
        ``indexers`` not yet on an existing informer are added to it. ``resync_period`` applies only
        when the informer is created (later callers pass theirs to ``add_event_handler``).
        """
        ns = (namespace if namespace is not None else self.namespace) if namespaced else None
        key: _InformerKey = (api_version, plural, ns, label_selector, field_selector)
        informer = self._informers.get(key)
        if informer is None:
            lister_watcher: ListerWatcher = self._api.resource(
                api_version, plural, namespaced=namespaced
            )
            options: dict[str, Any] = {
                **self._options,
                "resync_period": self.resync_period,
                "transform": self.transform,
            }
            configured = self._by_resource.get((api_version, plural))
            if configured is not None:
                for option in fields(configured):
                    value = getattr(configured, option.name)
                    if value is not None:
                        options[option.name] = value
            if resync_period is not None:
                options["resync_period"] = resync_period
            informer = SharedIndexInformer(
                lister_watcher,
                namespace=ns,
                label_selector=label_selector,
                field_selector=field_selector,
                indexers=indexers,
                name=f"{api_version}/{plural}" + (f"@{ns}" if ns else ""),
                **options,
            )
            self._informers[key] = informer
        elif indexers:
            missing = {n: f for n, f in indexers.items() if n not in informer.indexer.indexers}
            if missing:
                informer.add_indexers(missing)
        return informer

    def lister_for(
        self,
        api_version: str,
        plural: str,
        *,
        namespaced: bool = True,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float | None = None,
    ) -> Lister:
        """The lister of :meth:`informer_for` (same arguments, same shared informer)."""
        return self.informer_for(
            api_version,
            plural,
            namespaced=namespaced,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            indexers=indexers,
            resync_period=resync_period,
        ).lister()

    @property
    def informers(self) -> list[SharedIndexInformer]:
        """Every informer created so far."""
        return list(self._informers.values())

    async def start(self) -> None:
        """Start every informer not started yet."""
        for informer in list(self._informers.values()):
            await informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until every informer has synced; False if ``timeout`` passes first."""
        informers = list(self._informers.values())
        try:
            async with asyncio.timeout(timeout):
                for informer in informers:
                    if not await informer.wait_for_cache_sync():
                        return False
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Stop every informer and await their tasks (concurrently: each stop is bounded, and
        the bounds must not add up)."""
        await asyncio.gather(*(informer.stop() for informer in list(self._informers.values())))

    async def __aenter__(self) -> SharedInformerFactory:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
