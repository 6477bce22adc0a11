"""Impersonation: ``Impersonate-User``, ``-Group``, ``-Uid`` and ``-Extra-<key>`` headers, what
``kubectl --as=... --as-group=...`` sends (``kubectl auth can-i list pods --as
system:serviceaccount:ns:sa`` is the quickest RBAC check there is).

As kube-apiserver's legacy impersonation does it: every impersonated field must be allowed to
the authenticated requester with the verb ``impersonate`` - on ``users`` (or, for
``system:serviceaccount:NS:NAME``, on ``serviceaccounts`` in NS), on ``groups``, on
``userextras/<key>`` and ``uids`` of ``authentication.k8s.io`` - else 403 naming the first one
refused; the request then runs as the impersonated user, whose groups get
``system:authenticated`` (unless it or ``system:unauthenticated`` was asked for;
``system:unauthenticated`` for ``system:anonymous``), and a ServiceAccount without explicit
groups gets its own. Groups, uid or extras without a user are a
400. ``system:masters`` may impersonate anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.auth import AUTHENTICATED, UNAUTHENTICATED, UserInfo
from kubeflow_informer.apiserver.rbac import Authorizer, forbidden_error
from kubeflow_informer.apiserver.request_attributes import RequestAttributes
from kubeflow_informer.apiserver.service_account_tokens import service_account_groups

__all__ = ["impersonated_user"]

_USER = "Impersonate-User"
_GROUP = "Impersonate-Group"
_UID = "Impersonate-Uid"
_EXTRA_PREFIX = "impersonate-extra-"
_SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
_AUTHENTICATION = "authentication.k8s.io"


class _Headers:
    """The impersonation headers of a request (aiohttp's multidict headers)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        getall = getattr(headers, "getall", None)
        self.user = headers.get(_USER, "")
        self.groups = list(getall(_GROUP, [])) if getall else (
            [headers[_GROUP]] if _GROUP in headers else [])
        self.uid = headers.get(_UID, "")
        self.extra: dict[str, list[str]] = {}
        for key in headers:
            if key.lower().startswith(_EXTRA_PREFIX):
                name = unquote(key[len(_EXTRA_PREFIX):]).lower()
                values = list(getall(key, [])) if getall else [headers[key]]
                self.extra.setdefault(name, [])
                for value in values:
                    if value not in self.extra[name]:
                        self.extra[name].append(value)

    @property
    def any(self) -> bool:
        return bool(self.user or self.groups or self.uid or self.extra)


def _go_strings(values: list[str]) -> str:
    return "[]string{" + ", ".join(f'"{v}"' for v in values) + "}"


def _go_default_info(headers: _Headers) -> str:
    """The requested user as Go's ``%#v`` prints a ``user.DefaultInfo`` (the 400's text)."""
    extra = ("map[string][]string{" + ", ".join(
        f'"{k}":{_go_strings(v)}' for k, v in sorted(headers.extra.items())) + "}"
             if headers.extra else "map[string][]string(nil)")
    groups = _go_strings(headers.groups) if headers.groups else "[]string(nil)"
    return (f'&user.DefaultInfo{{Name:"{headers.user}", UID:"{headers.uid}", Groups:{groups}, '
            f"Extra:{extra}}}")


def impersonated_user(
    requester: UserInfo, headers: Mapping[str, str], authorizer: Authorizer
) -> UserInfo:
    """The user a request runs as: ``requester``, or whom it impersonates (403 / 400 raised)."""
    wanted = _Headers(headers)
    if not wanted.any:
        return requester
    if not wanted.user:
        raise status.bad_request(
            f"requested {_go_default_info(wanted)} without impersonating a user name")
    checks: list[RequestAttributes] = []
    groups = list(wanted.groups)
    if wanted.user.startswith(_SERVICE_ACCOUNT_PREFIX) and wanted.user.count(":") == 3:
        namespace, name = wanted.user[len(_SERVICE_ACCOUNT_PREFIX):].split(":")
        checks.append(RequestAttributes(requester, "impersonate", True, resource="serviceaccounts",
                                        namespace=namespace, name=name))
        if not groups:
            groups = [g for g in service_account_groups(namespace) if g != AUTHENTICATED]
    else:
        checks.append(RequestAttributes(requester, "impersonate", True, resource="users",
                                        name=wanted.user))
    checks.extend(RequestAttributes(requester, "impersonate", True, resource="groups", name=g)
                  for g in wanted.groups)
    for key, values in sorted(wanted.extra.items()):
        checks.extend(RequestAttributes(requester, "impersonate", True, api_group=_AUTHENTICATION,
                                        resource="userextras", subresource=key, name=value)
                      for value in values)
    if wanted.uid:
        checks.append(RequestAttributes(requester, "impersonate", True, api_group=_AUTHENTICATION,
                                        resource="uids", name=wanted.uid))
    for check in checks:
        decision = authorizer.authorize(check)
        if not decision.allowed:
            raise forbidden_error(check, decision.reason)
    if wanted.user == "system:anonymous":
        if UNAUTHENTICATED not in groups:
            groups.append(UNAUTHENTICATED)
    elif AUTHENTICATED not in groups and UNAUTHENTICATED not in groups:
        groups.append(AUTHENTICATED)
    extra = {key: tuple(values) for key, values in wanted.extra.items()}
    return UserInfo(wanted.user, uid=wanted.uid, groups=tuple(groups), extra=extra)
