"""``EmbeddedApiServer``: the in-memory API server as an async context manager.

``async with EmbeddedApiServer() as server`` binds 127.0.0.1 on a free port (or the given one),
serves the built-in resources, and gives back ``server.config`` (a :class:`Config` pointing at
it, with the token and CA filled in) and ``server.write_kubeconfig(path)`` for tools such as
kubectl. Leaving the block closes every watch and connection and waits for the handlers.

Optional bearer-token auth (``token=``) answers 401 without the token; optional TLS (``tls=True``)
serves a certificate signed by a CA generated at start (``server.ca_pem``), so the client's auth
and TLS paths run end to end. ``seed`` makes generated names, uids and random faults
reproducible.

``rbac=True`` authorizes every request as kube-apiserver's RBAC mode does (``rbac.py``), from
the Roles, ClusterRoles and bindings stored in the server, seeded with the real server's
bootstrap policy (``cluster-admin``, ``admin``, ``edit``, ``view``, ``system:discovery``...).
The admin token (``token=``, or one generated) is a ``system:masters`` superuser; other users
are ServiceAccounts with tokens from TokenRequest (``kubectl create token``), static users from
:meth:`EmbeddedApiServer.user_config`, and ``system:anonymous`` for requests without a token.
Without RBAC every request is allowed (``AlwaysAllow``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kubeflow_informer.apiserver.auth import ADMIN, TokenAuthenticator, UserInfo
from kubeflow_informer.apiserver.bootstrap_policy import seed_bootstrap_policy
from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.cluster_role_aggregation import ClusterRoleAggregator
from kubeflow_informer.apiserver.faults import Faults
from kubeflow_informer.apiserver.handlers import ServerState, create_app
from kubeflow_informer.apiserver.pod_logs import PodLogs
from kubeflow_informer.apiserver.rbac import CLUSTER_ROLES, AlwaysAllow, Authorizer, RbacAuthorizer
from kubeflow_informer.apiserver.registry import Registry
from kubeflow_informer.apiserver.service_account_tokens import ServiceAccountTokens
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.apiserver.tls import TlsMaterial, generate_tls_material, server_ssl_context
from kubeflow_informer.keys import make_key

if TYPE_CHECKING:
    from kubeflow_informer.config import Config

__all__ = ["EmbeddedApiServer"]

logger = logging.getLogger(__name__)

#: How long leaving the context waits for in-flight handlers after watches were closed.
_SHUTDOWN_TIMEOUT = 5.0


class EmbeddedApiServer:
    """An in-memory kube-apiserver over HTTP(S) for tests, benchmarks and the sample.

    Contract: between ``__aenter__`` and ``__aexit__``, ``url``, ``port``, ``config``,
    ``storage``, ``faults`` and ``pod_logs`` are usable; ``storage`` may be used directly (on
    the event loop) to seed or inspect objects without HTTP; its watch events reach HTTP
    watchers exactly as HTTP writes do. ``restart()`` drops every connection and watch at once
    and keeps the data. One server per event loop; not thread-safe.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        tls: bool = False,
        seed: int = 0,
        history_size: int = 10_000,
        watch_buffer: int = 10_000,
        bookmark_interval: float = 60.0,
        registry: Registry | None = None,
        rbac: bool = False,
    ) -> None:
        self.host = host
        self._requested_port = port
        if rbac and not token:
            token = secrets.token_urlsafe(32)
        self._token = token
        self._tls_enabled = tls
        self.rbac = rbac
        self.seed = seed
        self.registry = registry if registry is not None else default_registry()
        self.storage = Storage(
            self.registry, history_size=history_size, watch_buffer=watch_buffer, seed=seed
        )
        self.faults = Faults(seed, compact_storage=self.storage.compact)
        self.pod_logs = PodLogs()
        tokens = ServiceAccountTokens(self._find)
        auth = TokenAuthenticator(anonymous=rbac, open=not (rbac or token),
                                  service_accounts=tokens)
        if token:
            auth.add_token(token, ADMIN)
        authorizer: Authorizer = AlwaysAllow()
        if rbac:
            seed_bootstrap_policy(self.storage)
            authorizer = RbacAuthorizer(self.storage)
        if self.storage.info_of(CLUSTER_ROLES) is not None:
            aggregator = ClusterRoleAggregator(self.storage)
            aggregator.aggregate_all()
            self.storage.observe_commits(CLUSTER_ROLES, aggregator.observe)
        self._state = ServerState(
            storage=self.storage,
            faults=self.faults,
            pod_logs=self.pod_logs,
            auth=auth,
            tokens=tokens,
            authorizer=authorizer,
            bookmark_interval=bookmark_interval,
        )
        self._tls: TlsMaterial | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    def __repr__(self) -> str:
        state = self.url if self._runner is not None else "stopped"
        auth = self._token is not None
        return (f"EmbeddedApiServer({state}, auth={auth}, tls={self._tls_enabled}, "
                f"rbac={self.rbac})")

    def _find(self, resource: tuple[str, str], namespace: str, name: str
              ) -> Mapping[str, object] | None:
        stored = self.storage.objects_of(resource).get(make_key(namespace or None, name))
        return stored.obj if stored is not None else None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and start serving (``__aenter__`` calls this)."""
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        ssl_context = None
        if self._tls_enabled:
            hosts = () if self.host in ("127.0.0.1", "localhost", "::1") else (self.host,)
            self._tls = generate_tls_material(hosts)
            ssl_context = server_ssl_context(self._tls)
        runner = web.AppRunner(
            create_app(self._state),
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port, ssl_context=ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._site = runner, site
        self.port = _bound_port(runner)
        self._state.address = f"{self.host}:{self.port}"
        self._state.started_at = time.time()
        self.pod_logs.reopen()
        logger.info("embedded API server serving on %s", self.url)

    async def stop(self) -> None:
        """Close every watch and connection, then stop listening (``__aexit__`` calls this)."""
        runner = self._runner
        if runner is None:
            return
        self._runner = self._site = None
        self.storage.close_all_watchers()
        self.pod_logs.close()
        self._abort_connections(runner)
        await runner.cleanup()
        logger.info("embedded API server on port %d stopped", self.port)

    async def restart(self) -> None:
        """Drop every open watch and (keep-alive) connection at once; keep the data.

        Clients see their connections reset, as when a real apiserver restarts; new connections
        are accepted immediately on the same port.
        """
        runner = self._runner
        if runner is None:
            raise RuntimeError("the server is not running")
        self.storage.close_all_watchers()
        self.pod_logs.close()
        self._abort_connections(runner)
        await asyncio.sleep(0)  # let the cancelled handlers unwind before accepting again
        self.pod_logs.reopen()
        self.faults.record("restart")

    @staticmethod
    def _abort_connections(runner: web.AppRunner) -> None:
        server = runner.server
        if server is None:
            return
        for handler in list(server.connections):
            transport = handler.transport
            if transport is not None:
                transport.abort()

    async def __aenter__(self) -> EmbeddedApiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- how to reach it ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http(s)://host:port``."""
        scheme = "https" if self._tls_enabled else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def ca_pem(self) -> bytes | None:
        """The PEM of the generated CA (None without TLS): what clients must trust."""
        return self._tls.ca_pem if self._tls is not None else None

    @property
    def token(self) -> str | None:
        """The bearer token clients must send (None when auth is off)."""
        return self._token

    def set_token(self, token: str) -> None:
        """Make ``token`` the admin token from now on (a rotated bound service-account token).

        The previous admin token stops working; requests already authenticated are not
        affected; every later request, watch included, must carry a valid token. Enabling auth
        on a server started without a token is allowed. Other users' tokens stay valid.
        """
        auth = self._state.auth
        auth.remove_user_tokens(ADMIN.name)
        auth.add_token(token, ADMIN)
        if not self.rbac:
            auth.require_credentials()
        self._token = token

    def user_config(self, name: str, *, groups: Sequence[str] = (), uid: str = "") -> Config:
        """A :class:`Config` for a user of this name and groups (``system:authenticated`` is
        added), authenticated by a new static token, as a line of kube-apiserver's
        ``--token-auth-file`` would. With RBAC, what the user may do is what the stored
        bindings grant it: this is how a test asks "is my Role enough for alice?"."""
        from kubeflow_informer.config import Config

        token = secrets.token_urlsafe(32)
        self._state.auth.add_token(token, UserInfo(name, uid=uid, groups=tuple(groups)))
        return Config(server=self.url, ca_data=self.ca_pem, token=token)

    @property
    def config(self) -> Config:
        """A client :class:`Config` for this server (token and CA included)."""
        from kubeflow_informer.config import Config

        return Config(server=self.url, ca_data=self.ca_pem, token=self._token)

    def kubeconfig(self, *, context: str = "kubeflow-informer", namespace: str = "default"
                   ) -> dict[str, Any]:
        """The kubeconfig document (a dict) pointing at this server."""
        from kubeflow_informer.config.kubeconfig import kubeconfig_document

        return kubeconfig_document(self.config, context=context, namespace=namespace)

    def write_kubeconfig(self, path: str | os.PathLike[str], *, context: str = "kubeflow-informer"
                         ) -> Path:
        """Write a kubeconfig for this server to ``path`` (mode 0600: it may hold the token)."""
        from kubeflow_informer.config.kubeconfig import write_kubeconfig

        return write_kubeconfig(self.config, path, context=context)


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the server did not report a bound address")
