"""The exception hierarchy shared by every layer.

Kept at the top of the package (not in ``client/``) because the configuration loader, the client,
the informers and the embedded API server all raise or translate these, and none of them should
depend on another just to name an error.

Contract:

* :class:`ConfigError` - a kubeconfig / in-cluster configuration that cannot be used. The message
  names the file and the key; it never contains a credential.
* :class:`ApiError` and its subclasses - the server answered with a ``Status`` object (or an HTTP
  error we turn into one). ``status`` is the HTTP code, ``reason`` the ``StatusReason`` string
  (``NotFound``, ``AlreadyExists``, ``Conflict``, ``Expired``...), ``details`` the Status
  ``details`` mapping. :func:`api_error_from_status` picks the most specific subclass.
* :class:`TransportError` - no usable HTTP answer: connection refused or reset, timeouts.
  :class:`ProtocolError` - the answer broke the wire protocol: a watch stream cut mid-line, a
  malformed line, a line above the configured maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class KubeflowInformerError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(KubeflowInformerError):
    """A configuration that cannot be used; names the file and key, never a secret value."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = []
        if path:
            where.append(f"file {path!r}")
        if key:
            where.append(f"key {key!r}")
        full = f"{message} ({', '.join(where)})" if where else message
        super().__init__(full)


class SelectorError(KubeflowInformerError, ValueError):
    """A label or field selector that cannot be parsed or is not valid."""


class TransportError(KubeflowInformerError):
    """The request got no usable HTTP answer (connection refused or reset, timeout)."""


class ProtocolError(TransportError):
    """The answer broke the wire protocol (truncated stream, malformed or oversized line)."""


class ApiError(KubeflowInformerError):
    """The API server answered with an error ``Status``.

    ``retry_after`` is the server's ``Retry-After`` (or ``details.retryAfterSeconds``) in seconds,
    when it gave one. ``url`` is the request's URL without its query, when the client knows it
    (not for an ``ERROR`` event inside a watch stream).
    """

    default_status: int = 0
    default_reason: str = ""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        *,
        status_object: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.status_object: dict[str, Any] = dict(status_object or {})
        self.retry_after = retry_after
        self.url = url
        super().__init__(f"{status} {reason}: {message}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, reason={self.reason!r}, "
            f"message={self.message!r})"
        )


class BadRequest(ApiError):
    """400: the request is malformed (bad selector, bad patch, bad body)."""


class Unauthorized(ApiError):
    """401: missing or wrong credentials."""


class Forbidden(ApiError):
    """403: authenticated but not allowed (RBAC)."""


class NotFound(ApiError):
    """404: the object, or the resource type, does not exist."""


class MethodNotAllowed(ApiError):
    """405: the verb is not supported on this resource."""


class AlreadyExists(ApiError):
    """409 with reason ``AlreadyExists``: create of a name that is taken."""


class Conflict(ApiError):
    """409 with reason ``Conflict``: optimistic-concurrency failure (stale resourceVersion)."""


class Gone(ApiError):
    """410: the requested resourceVersion or continue token is no longer available.

    The reflector answers any :class:`Gone` with a relist.
    """


class Expired(Gone):
    """410 with reason ``Expired`` ("too old resource version", expired continue token)."""


class Invalid(ApiError):
    """422: the object failed validation; ``details.causes`` lists the fields."""


class TooManyRequests(ApiError):
    """429: throttled; honour ``retry_after``."""


class ServerError(ApiError):
    """5xx: the server failed; idempotent requests are retried with backoff."""


class InternalError(ServerError):
    """500."""


class ServiceUnavailable(ServerError):
    """503."""


class ServerTimeout(ServerError):
    """504 (or reason ``Timeout`` / ``ServerTimeout``)."""


_BY_REASON: dict[str, type[ApiError]] = {
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Expired": Expired,
    "Gone": Gone,
    "Invalid": Invalid,
    "NotFound": NotFound,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "TooManyRequests": TooManyRequests,
    "MethodNotAllowed": MethodNotAllowed,
    "BadRequest": BadRequest,
    "InternalError": InternalError,
    "ServiceUnavailable": ServiceUnavailable,
    "ServerTimeout": ServerTimeout,
    "Timeout": ServerTimeout,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: ServerTimeout,
}

_DEFAULT_REASON: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Gone",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def _expected_code(cls: type[ApiError]) -> int:
    for code, status_cls in _BY_STATUS.items():
        if issubclass(cls, status_cls) or issubclass(status_cls, cls):
            return code
    return 409 if cls is AlreadyExists else 0


def api_error_from_status(
    status_object: Mapping[str, Any] | None,
    http_status: int | None = None,
    *,
    retry_after: float | None = None,
    fallback_message: str = "",
    url: str | None = None,
) -> ApiError:
    """Build the most specific :class:`ApiError` for a ``Status`` object and/or an HTTP code.

    The ``reason`` decides the class when it is a known ``StatusReason`` that agrees with the code;
    otherwise the HTTP code does. A missing Status (a proxy's HTML page, an empty body) still gives
    a typed error, with ``fallback_message`` as its message.
    """
    obj: Mapping[str, Any] = status_object or {}
    code_value = obj.get("code")
    code = http_status or (code_value if isinstance(code_value, int) else 0)
    reason = obj.get("reason") if isinstance(obj.get("reason"), str) else ""
    message = obj.get("message") if isinstance(obj.get("message"), str) else ""
    details = obj.get("details") if isinstance(obj.get("details"), Mapping) else None
    if retry_after is None and details is not None:
        seconds = details.get("retryAfterSeconds")
        if isinstance(seconds, int | float) and seconds >= 0:
            retry_after = float(seconds)
    cls = _BY_REASON.get(str(reason))
    if cls is not None and code and _expected_code(cls) != code:
        cls = None  # the HTTP code is the stronger signal when the two disagree
    if cls is None:
        cls = _BY_STATUS.get(code) or (ServerError if code >= 500 else ApiError)
    if not reason:
        reason = _DEFAULT_REASON.get(code, "Unknown")
    if not message:
        message = fallback_message or f"the server answered HTTP {code}"
    return cls(
        code,
        str(reason),
        str(message),
        details,
        status_object=obj,
        retry_after=retry_after,
        url=url,
    )
