"""``ApiClient``: one pooled aiohttp session per :class:`Config`, with auth, limits and retries.

Contract:

* ``async with ApiClient(config) as api`` owns the session; :meth:`ApiClient.close` closes the
  session, every connection and every watch stream still open. Used without ``async with``, the
  session opens on the first request and the owner must call :meth:`close`.
* Every request waits for the client-side token bucket (``qps``/``burst`` from the arguments,
  else from the Config: default **QPS 50, burst 100** - client-go's 5/10 is tuned for
  thread-per-request Go clients; an asyncio controller multiplexes many reconciles on one
  client). ``qps=0`` disables limiting. A watch or followed log takes one token to *start*;
  events flowing afterwards are not limited.
* TLS comes from the Config (CA, client certificate, ``tls-server-name`` as the SNI / hostname
  to verify); verification stays on unless the Config disables it.
* The ``Authorization`` header is asked from the Config on every attempt (token files rotate,
  exec credentials expire). A 401 with a refreshable credential (token file, exec plugin) drops
  the cached credential and retries once.
* Error answers become the typed :mod:`~kubeflow_informer.errors` built from the server's
  ``Status``; transport failures become :class:`TransportError` naming the method and URL
  (never headers). Retries follow :mod:`kubeflow_informer.client.retry`.
* Requests time out after ``timeout`` seconds (Config default 30); watches and followed logs
  only bound the connect phase, never the stream (callers detect inactivity themselves).
* JSON bodies are decoded with the cyclic garbage collector paused
  (:func:`~kubeflow_informer.gc_pause.gc_paused`): decoded JSON holds no reference cycles, and
  a big list page would otherwise trigger dozens of collections that walk it for nothing. The
  pause covers the synchronous decode only, never the network wait.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import aiohttp
import orjson
from yarl import URL

from kubeflow_informer.client.discovery import Discovery
from kubeflow_informer.client.resource import Resource
from kubeflow_informer.client.retry import RetryPolicy, parse_retry_after
from kubeflow_informer.client.watch import DEFAULT_MAX_LINE_BYTES, WatchStream
from kubeflow_informer.config.model import Config, load_client_cert
from kubeflow_informer.errors import ApiError, ProtocolError, TransportError, api_error_from_status
from kubeflow_informer.gc_pause import gc_paused
from kubeflow_informer.token_bucket import TokenBucket

if TYPE_CHECKING:
    import ssl

logger = logging.getLogger(__name__)

QueryParams = Sequence[tuple[str, str]]
_TRANSPORT_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


class ApiClient:
    """An asyncio Kubernetes REST client bound to one :class:`Config` (see the module contract).

    Keyword arguments override the Config when given: ``qps``, ``burst``, ``timeout`` (seconds;
    set ``Config.timeout=None`` for no limit), ``retry`` (a :class:`RetryPolicy`),
    ``max_line_bytes`` (the longest watch event line accepted, default 64 MiB) and
    ``connection_limit`` (pooled connections, default 100).
    """

    def __init__(
        self,
        config: Config,
        *,
        qps: float | None = None,
        burst: int | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        connection_limit: int = 100,
    ) -> None:
        self.config = config
        self.timeout = config.timeout if timeout is None else timeout
        self.rate_limiter = TokenBucket(
            config.qps if qps is None else qps, config.burst if burst is None else burst
        )
        self.retry_policy = retry or RetryPolicy()
        self.max_line_bytes = max_line_bytes
        self.connection_limit = connection_limit
        self.discovery = Discovery(self)
        self._session: aiohttp.ClientSession | None = None
        self._session_lock = asyncio.Lock()
        self._streams: weakref.WeakSet[WatchStream] = weakref.WeakSet()
        self._closed = False
        self._server_hostname = config.tls_server_name
        self._proxy = config.proxy_url

    def __repr__(self) -> str:
        return f"ApiClient(server={self.config.server!r}, closed={self._closed})"

    async def __aenter__(self) -> ApiClient:
        await self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran; further requests raise :class:`TransportError`."""
        return self._closed

    async def close(self) -> None:
        """Close open watch streams, then the session and its connections. Idempotent."""
        self._closed = True
        for stream in list(self._streams):
            await stream.close()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def resource(
        self, api_version: str, plural: str, *, namespaced: bool = True, kind: str | None = None
    ) -> Resource:
        """A dynamic handle for ``api_version`` (``"v1"``, ``"apps/v1"``) and ``plural``; no I/O."""
        return Resource(self, api_version, plural, namespaced=namespaced, kind=kind)

    async def resource_for(self, name: str, api_version: str | None = None) -> Resource:
        """A :class:`Resource` found by discovery from a kind, plural or short name."""
        info = await self.discovery.find(name, api_version)
        return Resource(
            self, info.api_version, info.plural, namespaced=info.namespaced, kind=info.kind
        )

    async def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise TransportError("the ApiClient is closed")
        if self._session is not None:
            return self._session
        async with self._session_lock:
            if self._session is None:
                ssl_setting = await self._ssl_setting()
                connector = aiohttp.TCPConnector(ssl=ssl_setting, limit=self.connection_limit)
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    headers={"User-Agent": self.config.user_agent, "Accept": "application/json"},
                    skip_auto_headers=("Content-Type",),
                )
            return self._session

    async def _ssl_setting(self) -> ssl.SSLContext | bool:
        context = self.config.ssl_context()
        provider = self.config.exec_provider
        if provider is not None and context is not False:
            # An exec plugin may hand out a client certificate instead of a token; it is loaded
            # when the session opens (a new ApiClient picks up a renewed certificate).
            credential = await provider.credential()
            if credential.client_cert_data and credential.client_key_data:
                assert not isinstance(context, bool)
                load_client_cert(context, credential.client_cert_data, credential.client_key_data)
        return context

    def url(self, path: str, params: QueryParams | None = None) -> URL:
        """The full URL for an (already quoted) ``path`` and query parameters."""
        text = self.config.server + path
        if params:
            text += "?" + urlencode(params, quote_via=quote, safe="")
        return URL(text, encoded=True)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        stream: bool = False,
    ) -> aiohttp.ClientResponse:
        """Send a request with limits, auth and retries; return the successful (<400) response.

        The caller owns the returned response and must read and release (or close) it. Error
        answers raise the typed :class:`ApiError`; failures to get an answer raise
        :class:`TransportError`. ``stream=True`` removes the read timeout (watches, logs).
        """
        session = await self._ensure_session()
        url = self.url(path, params)
        headers: dict[str, str] = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        if stream:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=None)
        else:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
        policy = self.retry_policy
        attempt = 0
        refreshed = False
        while True:
            await self.rate_limiter.acquire()
            authorization = await self.config.authorization()
            if authorization:
                headers["Authorization"] = authorization
            try:
                response = await session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    server_hostname=self._server_hostname,
                    proxy=self._proxy,
                )
            except _TRANSPORT_ERRORS as exc:
                delay = policy.delay_for_transport_error(method, attempt)
                if delay is None:
                    raise TransportError(
                        f"{method} {url}: {type(exc).__name__}: {exc}"
                    ) from exc
                logger.debug("%s %s failed (%s); retry in %.2fs", method, url, exc, delay)
                attempt += 1
                await asyncio.sleep(delay)
                continue
            if response.status < 400:
                return response
            error = await self._error_from(method, url, response)
            if response.status == 401 and self.config.refreshable_credentials and not refreshed:
                refreshed = True
                self.config.invalidate_credentials()
                logger.debug("%s %s got 401; refreshing the credential once", method, url)
                continue
            delay = policy.delay_for_status(method, response.status, error.retry_after, attempt)
            if delay is None:
                raise error
            logger.debug(
                "%s %s answered %d; retry %d in %.2fs", method, url, response.status,
                attempt + 1, delay,
            )
            attempt += 1
            await asyncio.sleep(delay)

    async def _error_from(
        self, method: str, url: URL, response: aiohttp.ClientResponse
    ) -> ApiError:
        try:
            raw = await response.read()
        except _TRANSPORT_ERRORS:
            raw = b""
        finally:
            response.release()
        status_object: Mapping[str, Any] | None = None
        try:
            decoded = orjson.loads(raw) if raw else None
            if isinstance(decoded, dict) and decoded.get("kind") == "Status":
                status_object = decoded
        except orjson.JSONDecodeError:
            pass
        return api_error_from_status(
            status_object,
            response.status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            fallback_message=f"{method} {url.path} answered HTTP {response.status} "
            f"without a Status ({len(raw)} bytes)",
            url=str(url.with_query(None)),
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """Send a request and return its decoded JSON body (``{}`` for an empty body).

        ``json`` is serialised with orjson; ``body`` sends raw bytes with ``content_type``.
        """
        if json is not None:
            body = orjson.dumps(json)
        response = await self.send(
            method, path, params=params, body=body,
            content_type=content_type if body is not None else None,
        )
        raw = await self._read(method, path, response)
        if not raw:
            return {}
        try:
            with gc_paused():
                return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ProtocolError(f"{method} {path}: the answer is not JSON") from None

    async def request_text(
        self, method: str, path: str, *, params: QueryParams | None = None
    ) -> str:
        """Send a request and return its body as text (pod logs)."""
        response = await self.send(method, path, params=params, accept="*/*")
        raw = await self._read(method, path, response)
        return raw.decode("utf-8", "replace")

    async def _read(self, method: str, path: str, response: aiohttp.ClientResponse) -> bytes:
        try:
            return await response.read()
        except _TRANSPORT_ERRORS as exc:
            raise TransportError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        finally:
            response.release()

    def watch_stream(self, path: str, params: QueryParams) -> WatchStream:
        """A :class:`WatchStream` for a GET on ``path`` with ``params``; opens lazily."""

        async def opener() -> aiohttp.ClientResponse:
            return await self.send("GET", path, params=params, stream=True)

        stream = WatchStream(
            opener,
            description=f"watch {path}",
            max_line_bytes=self.max_line_bytes,
            on_close=self._streams.discard,
        )
        self._streams.add(stream)
        return stream
