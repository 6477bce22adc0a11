"""The state every handler reads, stored once on the aiohttp application.

Handlers are plain functions of ``(request, state, ...)``: the state bundles the engine
(``storage``, ``registry``), the fault plan, the pod logs and the server's identity, so handlers
need no globals and several servers can run in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from kubeflow_informer.apiserver.auth import BearerTokenAuth
from kubeflow_informer.apiserver.faults import Faults
from kubeflow_informer.apiserver.pod_logs import PodLogs
from kubeflow_informer.apiserver.registry import Registry
from kubeflow_informer.apiserver.storage import Storage

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.openapi.documents import OpenApiDocuments

__all__ = ["STATE_KEY", "ServerState", "state_of"]


@dataclass
class ServerState:
    """What the handlers share. ``address`` is ``host:port`` once the server is bound (used in
    ``/api``'s ``serverAddressByClientCIDRs``); ``bookmark_interval`` is the period of watch
    bookmarks; ``max_list_limit`` caps one list page when a client asks for more; ``openapi``
    holds the OpenAPI documents once a client asked for one."""

    storage: Storage
    faults: Faults
    pod_logs: PodLogs
    auth: BearerTokenAuth | None = None
    address: str = ""
    bookmark_interval: float = 60.0
    started_at: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)
    openapi: OpenApiDocuments | None = None

    @property
    def registry(self) -> Registry:
        """The storage's registry of served resources."""
        return self.storage.registry


STATE_KEY: web.AppKey[ServerState] = web.AppKey("kubeflow_informer_apiserver_state", ServerState)


def state_of(request: web.Request) -> ServerState:
    """The server state of the application serving ``request``."""
    return request.app[STATE_KEY]
