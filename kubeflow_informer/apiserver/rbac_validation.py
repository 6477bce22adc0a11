"""Defaulting and validation of RBAC objects, as kube-apiserver's ``rbac/v1`` defaults and
``pkg/apis/rbac/validation`` do them: one function per kind, each returning its causes in the
real order and wording.

Defaults: a binding's ``roleRef.apiGroup`` and the ``apiGroup`` of its User and Group subjects
become ``rbac.authorization.k8s.io``. Rules: ``verbs`` are required; a rule with
``nonResourceURLs`` has no groups, resources or names, and only ClusterRoles may have one; other
rules need ``apiGroups`` and ``resources``. Bindings: ``roleRef.apiGroup`` is RBAC's, its kind
``Role`` or ``ClusterRole`` (only ``ClusterRole`` for a ClusterRoleBinding), its name a valid
path segment; subjects have a name and a known kind, ServiceAccounts a DNS-subdomain name, no
apiGroup, and a namespace in a ClusterRoleBinding; Users and Groups RBAC's apiGroup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.rbac import (
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
    RBAC_GROUP,
    ROLE_BINDINGS,
    ROLES,
)
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.validation import path_segment_problems, subdomain_problems

__all__ = ["defaulted_role_ref", "prepare_rbac_object"]

Cause = dict[str, str]


def _required(field: str, detail: str = "") -> Cause:
    return status.field_cause("FieldValueRequired", field,
                              f"Required value: {detail}" if detail else "Required value")


def _invalid(field: str, value: Any, detail: str) -> Cause:
    shown = orjson.dumps(value).decode()
    return status.field_cause("FieldValueInvalid", field, f"Invalid value: {shown}: {detail}")


def _not_supported(field: str, value: Any, supported: tuple[str, ...]) -> Cause:
    choices = ", ".join(f'"{s}"' for s in supported)
    return status.field_cause("FieldValueNotSupported", field,
                              f'Unsupported value: "{value}": supported values: {choices}')


def _list(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _rule_causes(rule: Any, field: str, namespaced: bool) -> list[Cause]:
    causes = []
    if not _list(rule, "verbs"):
        causes.append(_required(f"{field}.verbs", "verbs must contain at least one value"))
    urls = _list(rule, "nonResourceURLs")
    if urls:
        if namespaced:
            causes.append(_invalid(f"{field}.nonResourceURLs", urls,
                                   "namespaced rules cannot apply to non-resource URLs"))
        if any(_list(rule, key) for key in ("apiGroups", "resources", "resourceNames")):
            causes.append(_invalid(f"{field}.nonResourceURLs", urls, "rules cannot apply to both "
                                   "regular resources and non-resource URLs"))
        return causes
    if not _list(rule, "apiGroups"):
        causes.append(_required(f"{field}.apiGroups",
                                "resource rules must supply at least one api group"))
    if not _list(rule, "resources"):
        causes.append(_required(f"{field}.resources",
                                "resource rules must supply at least one resource"))
    return causes


def _role(obj: dict[str, Any], namespaced: bool) -> list[Cause]:
    return [cause for index, rule in enumerate(_list(obj, "rules"))
            for cause in _rule_causes(rule, f"rules[{index}]", namespaced)]


def defaulted_role_ref(role_ref: Any) -> Any:
    """A binding's ``roleRef`` with its default ``apiGroup`` (a non-dict is returned as is)."""
    if isinstance(role_ref, dict) and not role_ref.get("apiGroup"):
        return {"apiGroup": RBAC_GROUP, **{k: v for k, v in role_ref.items() if k != "apiGroup"}}
    return role_ref


def _default_binding(obj: dict[str, Any]) -> None:
    if "roleRef" in obj:
        obj["roleRef"] = defaulted_role_ref(obj["roleRef"])
    subjects = []
    for subject in _list(obj, "subjects"):
        if isinstance(subject, dict) and not subject.get("apiGroup") and subject.get("kind") in (
                "User", "Group"):
            subject = {"kind": subject["kind"], "apiGroup": RBAC_GROUP,
                       **{k: v for k, v in subject.items() if k not in ("kind", "apiGroup")}}
        subjects.append(subject)
    if "subjects" in obj:
        obj["subjects"] = subjects


def _subject_causes(subject: Any, field: str, namespaced: bool) -> list[Cause]:
    subject = subject if isinstance(subject, dict) else {}
    causes = []
    name, kind, group = subject.get("name") or "", subject.get("kind") or "", subject.get(
        "apiGroup") or ""
    if not name:
        causes.append(_required(f"{field}.name"))
    if kind == "ServiceAccount":
        causes.extend(_invalid(f"{field}.name", name, problem)
                      for problem in (subdomain_problems(name) if name else []))
        if group:
            causes.append(_not_supported(f"{field}.apiGroup", group, ("",)))
        if not namespaced and not subject.get("namespace"):
            causes.append(_required(f"{field}.namespace"))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            causes.append(_not_supported(f"{field}.apiGroup", group, (RBAC_GROUP,)))
    else:
        causes.append(_not_supported(f"{field}.kind", kind, ("ServiceAccount", "User", "Group")))
    return causes


def _binding(obj: dict[str, Any], namespaced: bool) -> list[Cause]:
    _default_binding(obj)
    role_ref = obj.get("roleRef") if isinstance(obj.get("roleRef"), dict) else {}
    assert isinstance(role_ref, dict)
    causes = []
    if role_ref.get("apiGroup") != RBAC_GROUP:
        causes.append(_not_supported("roleRef.apiGroup", role_ref.get("apiGroup") or "",
                                     (RBAC_GROUP,)))
    kinds = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if role_ref.get("kind") not in kinds:
        causes.append(_not_supported("roleRef.kind", role_ref.get("kind") or "", kinds))
    name = role_ref.get("name") or ""
    if not name:
        causes.append(_required("roleRef.name"))
    causes.extend(_invalid("roleRef.name", name, problem)
                  for problem in (path_segment_problems(str(name)) if name else []))
    causes.extend(cause for index, subject in enumerate(_list(obj, "subjects"))
                  for cause in _subject_causes(subject, f"subjects[{index}]", namespaced))
    return causes


_KINDS: dict[tuple[str, str], Callable[[dict[str, Any], bool], list[Cause]]] = {
    ROLES: _role,
    CLUSTER_ROLES: _role,
    ROLE_BINDINGS: _binding,
    CLUSTER_ROLE_BINDINGS: _binding,
}


def prepare_rbac_object(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Default ``obj`` (in place) and raise the 422 Invalid of an RBAC object the real server
    refuses; does nothing for other resources."""
    check = _KINDS.get(info.group_resource)
    if check is None:
        return
    causes = check(obj, info.namespaced)
    if causes:
        raise status.invalid(info.group, info.kind, str(obj["metadata"].get("name") or ""),
                             causes)
