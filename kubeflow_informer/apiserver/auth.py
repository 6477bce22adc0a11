"""Authentication for the embedded API server: who sent a request.

A request is authenticated from its ``Authorization: Bearer <token>`` header by
:class:`TokenAuthenticator`, the counterpart of kube-apiserver's token-file and service-account
authenticators:

* static tokens map to fixed users (the admin token maps to :data:`ADMIN`, in ``system:masters``;
  ``EmbeddedApiServer.user_config`` adds more), like lines of ``--token-auth-file``;
* service-account tokens issued through TokenRequest (``serviceaccounts/NAME/token``) map to
  ``system:serviceaccount:NS:NAME`` while the ServiceAccount (and the object the token is bound
  to) still exists, see :mod:`~kubeflow_informer.apiserver.service_account_tokens`;
* a request without a bearer token is ``system:anonymous`` (group ``system:unauthenticated``)
  when anonymous access is on, as kube-apiserver's default is, and 401 otherwise;
* a bearer token nobody recognizes is 401 on every path (discovery, watch and ``/version``
  included), with the real server's exact body, unless the server is *open* (no token configured,
  no RBAC), where it is ignored and the request is anonymous, as it always was here.

Every authenticated user also gets the group ``system:authenticated``. Tokens are compared in
constant time and never appear in a log line, a repr or an error message.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kubeflow_informer.errors import Unauthorized

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.service_account_tokens import ServiceAccountTokens

__all__ = [
    "ADMIN",
    "ANONYMOUS",
    "AUTHENTICATED",
    "SYSTEM_MASTERS",
    "UNAUTHENTICATED",
    "TokenAuthenticator",
    "UserInfo",
    "unauthorized_error",
]

SYSTEM_MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An authenticated (or anonymous) user: Kubernetes' ``user.Info``."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``UserInfo`` of a SelfSubjectReview / TokenReview (empty fields left out)."""
        info: dict[str, Any] = {"username": self.name}
        if self.uid:
            info["uid"] = self.uid
        if self.groups:
            info["groups"] = list(self.groups)
        if self.extra:
            info["extra"] = {key: list(values) for key, values in self.extra.items()}
        return info


#: The user of a request without credentials (when anonymous access is on).
ANONYMOUS = UserInfo("system:anonymous", groups=(UNAUTHENTICATED,))

#: The user of the server's admin token: a superuser through ``system:masters``.
ADMIN = UserInfo("admin", uid="admin-uid", groups=(SYSTEM_MASTERS, AUTHENTICATED))


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


_BEARER = "Bearer "


class TokenAuthenticator:
    """Maps bearer tokens to users; see the module docstring for the rules.

    ``anonymous`` lets requests without a bearer token through as :data:`ANONYMOUS`; ``open``
    (a server with neither a token nor RBAC) also lets unknown tokens through as anonymous.
    ``service_accounts`` verifies service-account tokens; without it only static tokens count.
    """

    __slots__ = ("_open", "_service_accounts", "_static", "anonymous")

    def __init__(
        self,
        *,
        anonymous: bool,
        open: bool = False,
        service_accounts: ServiceAccountTokens | None = None,
    ) -> None:
        self.anonymous = anonymous or open
        self._open = open
        self._service_accounts = service_accounts
        self._static: list[tuple[bytes, UserInfo]] = []

    def __repr__(self) -> str:
        return (f"TokenAuthenticator(static_tokens={len(self._static)}, "
                f"anonymous={self.anonymous}, open={self._open})")

    def add_token(self, token: str, user: UserInfo) -> None:
        """Accept ``token`` as ``user`` (``system:authenticated`` is added to its groups)."""
        if not token:
            raise ValueError("a bearer token must not be empty")
        if AUTHENTICATED not in user.groups:
            user = UserInfo(user.name, user.uid, (*user.groups, AUTHENTICATED), user.extra)
        self._static.append((token.encode(), user))

    def require_credentials(self) -> None:
        """From now on, answer 401 to requests without a recognized token (no anonymous)."""
        self.anonymous = self._open = False

    def remove_user_tokens(self, name: str) -> None:
        """Stop accepting every static token of the user called ``name``."""
        self._static = [(token, user) for token, user in self._static if user.name != name]

    def authenticate_token(self, token: str) -> UserInfo | None:
        """The user ``token`` stands for, or None (what a TokenReview asks)."""
        if not token:
            return None
        candidate = token.encode()
        found: UserInfo | None = None
        for expected, user in self._static:  # no early exit: constant time over the table
            if hmac.compare_digest(candidate, expected) and found is None:
                found = user
        if found is None and self._service_accounts is not None:
            found = self._service_accounts.authenticate(token)
        return found

    def authenticate(self, headers: Mapping[str, str]) -> UserInfo | None:
        """The user of a request with these headers, or None for a 401."""
        header = headers.get("Authorization", "")
        if not header.startswith(_BEARER):
            return ANONYMOUS if self.anonymous else None
        user = self.authenticate_token(header[len(_BEARER):])
        if user is None and self._open:
            return ANONYMOUS
        return user
