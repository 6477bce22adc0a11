"""Checks of a write that depend on who writes: RBAC's escalation prevention, and the binding
rule that ``roleRef`` never changes.

:func:`admit` is called by every write handler (create, update, patch, server-side apply) with
the object about to be stored and the stored one (None on create), before the storage is
involved. It does nothing for resources without a check. The escalation rules are those of
:mod:`~kubeflow_informer.apiserver.rbac_escalation`; their waivers (``escalate``, ``bind``) are
asked of the server's authorizer, so on a server without RBAC (``AlwaysAllow``) nothing is ever
refused for escalation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.auth import UserInfo
from kubeflow_informer.apiserver.handlers.context import ServerState, user_of
from kubeflow_informer.apiserver.rbac import (
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
    RBAC_GROUP,
    ROLE_BINDINGS,
    ROLES,
)
from kubeflow_informer.apiserver.rbac_escalation import (
    FULL_AUTHORITY,
    escalation_error,
    missing_rules,
    only_gc_fields_changed,
)
from kubeflow_informer.apiserver.rbac_validation import defaulted_role_ref
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.request_attributes import RequestAttributes

__all__ = ["admit"]

Check = Callable[[UserInfo, ServerState, ResourceInfo, str, dict[str, Any],
                  dict[str, Any] | None], None]


def _allowed(state: ServerState, user: UserInfo, verb: str, plural: str, name: str,
             namespace: str) -> bool:
    attributes = RequestAttributes(user, verb, True, api_group=RBAC_GROUP, api_version="v1",
                                   resource=plural, namespace=namespace, name=name)
    return state.authorizer.authorize(attributes).allowed


def _refuse_missing(user: UserInfo, state: ServerState, info: ResourceInfo, namespace: str,
                    name: str, granted: list[Any]) -> None:
    owned = state.authorizer.rules_for(user, namespace)
    missing = missing_rules([*owned.resource_rules, *owned.non_resource_rules], granted)
    if missing:
        raise escalation_error(user, info.plural, name, missing, owned.evaluation_error)


def _check_role(user: UserInfo, state: ServerState, info: ResourceInfo, namespace: str,
                obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    name = str(obj["metadata"].get("name") or "")
    if old is not None and only_gc_fields_changed(old, obj):
        return
    if _allowed(state, user, "escalate", info.plural, name, namespace):
        return
    rules = obj.get("rules")
    _refuse_missing(user, state, info, namespace, name, rules if isinstance(rules, list) else [])
    if obj.get("aggregationRule"):
        owned = state.authorizer.rules_for(user, namespace)
        if missing_rules([*owned.resource_rules, *owned.non_resource_rules], FULL_AUTHORITY):
            raise status.forbidden(RBAC_GROUP, info.plural, name,
                                   "must have cluster-admin privileges to use the aggregationRule")


def _go_role_ref(role_ref: dict[str, Any]) -> str:
    """``roleRef`` as Go prints the struct in a validation message."""
    return orjson.dumps({"APIGroup": role_ref.get("apiGroup", ""),
                         "Kind": role_ref.get("kind", ""),
                         "Name": role_ref.get("name", "")}).decode()


def _check_binding(user: UserInfo, state: ServerState, info: ResourceInfo, namespace: str,
                   obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    name = str(obj["metadata"].get("name") or "")
    role_ref = obj.get("roleRef") if isinstance(obj.get("roleRef"), dict) else {}
    assert isinstance(role_ref, dict)
    if old is None or not only_gc_fields_changed(old, obj):
        kind, role = role_ref.get("kind"), str(role_ref.get("name") or "")
        plural = "clusterroles" if kind == "ClusterRole" else "roles"
        if not _allowed(state, user, "bind", plural, role, namespace):
            if kind == "ClusterRole":
                stored = state.storage.objects_of(CLUSTER_ROLES).get(role)
            else:
                stored = state.storage.objects_of(ROLES).get(f"{namespace}/{role}")
            if stored is None:
                raise status.not_found(RBAC_GROUP, info.plural, role)
            rules = stored.obj.get("rules")
            _refuse_missing(user, state, info, namespace, name,
                            rules if isinstance(rules, list) else [])
    new_ref = defaulted_role_ref(role_ref)
    if old is not None and defaulted_role_ref(old.get("roleRef")) != new_ref:
        raise status.invalid(RBAC_GROUP, info.kind, name, [status.field_cause(
            "FieldValueInvalid", "roleRef",
            f"Invalid value: {_go_role_ref(new_ref)}: cannot change roleRef")])


_CHECKS: dict[tuple[str, str], Check] = {
    ROLES: _check_role,
    CLUSTER_ROLES: _check_role,
    ROLE_BINDINGS: _check_binding,
    CLUSTER_ROLE_BINDINGS: _check_binding,
}


def admit(request: web.Request, state: ServerState, info: ResourceInfo,
          namespace: str | None, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Raise the 403 / 422 the real server answers to this write of ``obj`` (replacing
    ``old``, None on create), or return."""
    check = _CHECKS.get(info.group_resource)
    if check is not None:
        check(user_of(request), state, info, namespace or "", obj, old)
