"""Service-account tokens: issued by TokenRequest, verified on every request that carries one.

A token is a JWT with the claims a real kube-apiserver puts in a bound service-account token
(``iss``, ``sub`` = ``system:serviceaccount:NS:NAME``, ``aud``, ``exp``, ``iat``, ``nbf``,
``jti`` and the private ``kubernetes.io`` claim naming the namespace, the ServiceAccount and the
Pod or Secret it is bound to, with their uids), so code that decodes its token's claims works as
in a cluster. It is signed with HMAC-SHA256 (``HS256``) under a key that lives and dies with the
server (the real server signs with RSA; nothing outside the server verifies these tokens).

Verification, as kube-apiserver does it for bound tokens: the signature, the issuer, an audience
the server accepts (its issuer), ``nbf``/``exp`` against the clock, and then the objects: the
ServiceAccount must still exist with the uid in the token, and so must the bound Pod or Secret.
A token that fails any check authenticates nobody (401). The real server caches a successful
check for 10 s; this one checks every request, so a deleted ServiceAccount's token stops working
at once.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import orjson

from kubeflow_informer.apiserver.auth import AUTHENTICATED, UserInfo

__all__ = [
    "DEFAULT_ISSUER",
    "BoundObject",
    "IssuedToken",
    "ObjectLookup",
    "ServiceAccountTokens",
    "service_account_groups",
    "service_account_username",
]

#: The issuer (and default audience) of the tokens, the one the envtest control plane uses.
DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"

ObjectLookup = Callable[[tuple[str, str], str, str], Mapping[str, Any] | None]
"""``lookup((group, plural), namespace, name)``: the stored object, or None when absent."""

_SERVICE_ACCOUNTS = ("", "serviceaccounts")
_BOUND_RESOURCES = {"Pod": ("", "pods"), "Secret": ("", "secrets")}
_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
_POD_NAME = "authentication.kubernetes.io/pod-name"
_POD_UID = "authentication.kubernetes.io/pod-uid"


def service_account_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:NS:NAME``."""
    return f"system:serviceaccount:{namespace}:{name}"


def service_account_groups(namespace: str) -> tuple[str, ...]:
    """The groups of every ServiceAccount of ``namespace`` (``system:authenticated`` last)."""
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED)


@dataclass(frozen=True, slots=True)
class BoundObject:
    """The object a token is bound to (``spec.boundObjectRef``): a Pod or a Secret."""

    kind: str
    name: str
    uid: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and the Unix time it expires at."""

    token: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ServiceAccountTokens:
    """Issues and verifies the server's service-account tokens; see the module docstring.

    ``lookup`` reads the server's objects (ServiceAccounts, Pods, Secrets); ``clock`` returns
    Unix seconds (tests pin it).
    """

    __slots__ = ("_clock", "_key", "_key_id", "_lookup", "issuer")

    def __init__(
        self,
        lookup: ObjectLookup,
        *,
        issuer: str = DEFAULT_ISSUER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self._lookup = lookup
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._key_id = _b64(sha256(self._key).digest()[:24])

    def __repr__(self) -> str:
        return f"ServiceAccountTokens(issuer={self.issuer!r})"

    def issue(
        self,
        namespace: str,
        service_account: Mapping[str, Any],
        *,
        audiences: Sequence[str],
        expiration_seconds: int,
        bound: BoundObject | None = None,
    ) -> IssuedToken:
        """A token for ``service_account`` (the stored object) valid ``expiration_seconds``."""
        meta = service_account["metadata"]
        now = int(self._clock())
        private: dict[str, Any] = {"namespace": namespace}
        if bound is not None:
            private[bound.kind.lower()] = {"name": bound.name, "uid": bound.uid}
        private["serviceaccount"] = {"name": meta["name"], "uid": meta["uid"]}
        claims = {
            "aud": list(audiences),
            "exp": now + expiration_seconds,
            "iat": now,
            "iss": self.issuer,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": private,
            "nbf": now,
            "sub": service_account_username(namespace, meta["name"]),
        }
        header = _b64(orjson.dumps({"alg": "HS256", "kid": self._key_id}))
        payload = _b64(orjson.dumps(claims))
        signature = _b64(self._sign(f"{header}.{payload}"))
        return IssuedToken(f"{header}.{payload}.{signature}", now + expiration_seconds)

    def _sign(self, signing_input: str) -> bytes:
        return hmac.new(self._key, signing_input.encode(), sha256).digest()

    def _claims(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            signature = _unb64(parts[2])
            header = orjson.loads(_unb64(parts[0]))
            if not isinstance(header, dict) or header.get("alg") != "HS256":
                return None
            if not hmac.compare_digest(signature, self._sign(f"{parts[0]}.{parts[1]}")):
                return None
            claims = orjson.loads(_unb64(parts[1]))
        except (binascii.Error, ValueError, UnicodeError):
            return None
        return claims if isinstance(claims, dict) else None

    def authenticate(self, token: str) -> UserInfo | None:
        """The ServiceAccount user ``token`` stands for, or None when it is not valid (now)."""
        claims = self._claims(token)
        if claims is None or claims.get("iss") != self.issuer:
            return None
        audiences = claims.get("aud")
        if not isinstance(audiences, list) or self.issuer not in audiences:
            return None
        now = self._clock()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int) or not isinstance(not_before, int):
            return None
        if not not_before <= now < expires:
            return None
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            return None
        namespace = private.get("namespace")
        account = private.get("serviceaccount")
        if not isinstance(namespace, str) or not isinstance(account, dict):
            return None
        if not self._exists(_SERVICE_ACCOUNTS, namespace, account):
            return None
        extra: dict[str, tuple[str, ...]] = {_CREDENTIAL_ID: (f"JTI={claims.get('jti')}",)}
        for kind, resource in _BOUND_RESOURCES.items():
            bound = private.get(kind.lower())
            if bound is None:
                continue
            if not isinstance(bound, dict) or not self._exists(resource, namespace, bound):
                return None
            if kind == "Pod":
                extra[_POD_NAME] = (str(bound["name"]),)
                extra[_POD_UID] = (str(bound["uid"]),)
        return UserInfo(
            service_account_username(namespace, str(account["name"])),
            uid=str(account["uid"]),
            groups=service_account_groups(namespace),
            extra=extra,
        )

    def _exists(self, resource: tuple[str, str], namespace: str, ref: Mapping[str, Any]) -> bool:
        name = ref.get("name")
        if not isinstance(name, str):
            return False
        obj = self._lookup(resource, namespace, name)
        return obj is not None and obj["metadata"].get("uid") == ref.get("uid")
