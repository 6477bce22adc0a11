"""SharedInformerFactory: one informer per resource, shared by every controller of a process.

client-go's ``SharedInformerFactory`` contract: asking twice for the same resource (same
namespace and selectors) returns the same informer, so N controllers watching pods cost one watch
and one cache. :meth:`SharedInformerFactory.start` starts every informer created so far that is not
running yet; it may be called again after more informers were requested (informers are never
started implicitly). :meth:`SharedInformerFactory.stop` stops them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol

from kubeflow_informer.cache.delta_fifo import Transform
from kubeflow_informer.cache.indexer import IndexFunc
from kubeflow_informer.cache.informer import SharedIndexInformer
from kubeflow_informer.cache.lister import Lister
from kubeflow_informer.cache.listwatch import ListerWatcher

__all__ = ["SharedInformerFactory"]

_InformerKey = tuple[str, str, str | None, str | None, str | None]


class _ResourceSource(Protocol):
    """What the factory needs of an ``ApiClient``."""

    def resource(self, api_version: str, plural: str, *, namespaced: bool = True) -> Any: ...


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

    def __repr__(self) -> str:
        return (
            f"SharedInformerFactory(namespace={self.namespace!r}, "
            f"informers={len(self._informers)})"
        )

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
            informer = SharedIndexInformer(
                lister_watcher,
                namespace=ns,
                label_selector=label_selector,
                field_selector=field_selector,
                indexers=indexers,
                resync_period=self.resync_period if resync_period is None else resync_period,
                transform=self.transform,
                name=f"{api_version}/{plural}" + (f"@{ns}" if ns else ""),
                **self._options,
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
        """Stop every informer and await their tasks."""
        for informer in list(self._informers.values()):
            await informer.stop()

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
