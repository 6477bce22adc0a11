"""Bearer-token authentication for the embedded API server.

When a token is configured every request, on every path (discovery, watch and ``/version``
included), must carry ``Authorization: Bearer <token>``; anything else gets the 401 ``Status``
a real kube-apiserver with anonymous access disabled returns. This lets the client's credential
path (static token, token file, exec plugin) run end to end. The comparison is constant-time
and the token never appears in a log line, a repr or an error message.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from kubeflow_informer.errors import Unauthorized

__all__ = ["BearerTokenAuth", "unauthorized_error"]


def unauthorized_error() -> Unauthorized:
    """The 401 error of a request without valid credentials (the real server's exact body)."""
    status_object = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    return Unauthorized(401, "Unauthorized", "Unauthorized", {}, status_object=status_object)


class BearerTokenAuth:
    """Checks ``Authorization: Bearer <token>`` in constant time."""

    __slots__ = ("_expected",)

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the bearer token must not be empty")
        self._expected = f"Bearer {token}".encode()

    def __repr__(self) -> str:
        return "BearerTokenAuth(token=<redacted>)"

    def authenticate(self, request: web.BaseRequest) -> bool:
        """True when the request carries the expected bearer token."""
        header = request.headers.get("Authorization", "")
        return hmac.compare_digest(header.encode(), self._expected)
