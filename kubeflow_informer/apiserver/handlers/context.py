"""The state every handler reads, stored once on the aiohttp application.

Handlers are plain functions of ``(request, state, ...)``: the state bundles the engine
(``storage``, ``registry``), the fault plan, the pod logs and the server's identity, so handlers
need no globals and several servers can run in one process.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from kubeflow_informer.apiserver.auth import ANONYMOUS, TokenAuthenticator, UserInfo
from kubeflow_informer.apiserver.faults import Faults
from kubeflow_informer.apiserver.pod_logs import PodLogs
from kubeflow_informer.apiserver.rbac import AlwaysAllow, Authorizer
from kubeflow_informer.apiserver.registry import Registry
from kubeflow_informer.apiserver.service_account_tokens import ServiceAccountTokens
from kubeflow_informer.apiserver.storage import Storage

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.openapi.documents import OpenApiDocuments

__all__ = ["STATE_KEY", "ServerState", "set_user", "state_of", "user_of"]


@dataclass
class ServerState:
    """What the handlers share. ``address`` is ``host:port`` once the server is bound (used in
    ``/api``'s ``serverAddressByClientCIDRs``); ``bookmark_interval`` is the period of watch
    bookmarks; ``max_list_limit`` caps one list page when a client asks for more; ``openapi``
    holds the OpenAPI documents once a client asked for one. ``auth`` says who sent a request,
    ``authorizer`` whether it may, ``tokens`` issues and checks service-account tokens."""

    storage: Storage
    faults: Faults
    pod_logs: PodLogs
    auth: TokenAuthenticator
    tokens: ServiceAccountTokens
    authorizer: Authorizer = field(default_factory=AlwaysAllow)
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


# The user of the request being handled. A context variable rather than a key on the request:
# aiohttp handles each request in its own task, whose context the middleware's value stays in,
# and aiohttp's typed request keys are newer than the aiohttp versions supported.
_current_user: ContextVar[UserInfo] = ContextVar("kubeflow_informer_apiserver_user",
                                                 default=ANONYMOUS)


def set_user(request: web.Request, user: UserInfo) -> None:
    """Remember who sent ``request`` (the authentication middleware calls this)."""
    _current_user.set(user)


def user_of(request: web.Request) -> UserInfo:
    """Who sent ``request``, as the authentication middleware found."""
    return _current_user.get()
