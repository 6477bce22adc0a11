"""Privilege-escalation prevention for RBAC writes: nobody grants what they do not hold.

The contract of kube-apiserver's RBAC storage (``pkg/registry/rbac``), for a user who may write
Roles and bindings but is neither in ``system:masters`` nor allowed the verb that waives the
check:

* creating or updating a Role / ClusterRole whose rules the user does not hold itself (in the
  Role's namespace; cluster-wide for a ClusterRole) needs ``escalate`` on it; a ClusterRole with
  an ``aggregationRule`` needs full authority (``*`` on everything) as well;
* creating or updating a RoleBinding / ClusterRoleBinding needs ``bind`` on the role it refers
  to, or the user must hold every rule of that role (in the binding's namespace), and the role
  must exist (404 otherwise, worded as the real server words it);
* an update that changes nothing but ``ownerReferences`` and ``finalizers`` is never refused.

A refusal is the real 403: ``roles.rbac.authorization.k8s.io "r" is forbidden: user "u"
(groups=["g"]) is attempting to grant RBAC permissions not currently held:`` followed by one line
per missing permission, as the real server breaks the rules down (one group, resource, verb and
name each), compacts them (verbs of the same group/resource/name merged) and sorts them
(``{APIGroups:[""], Resources:["pods"], Verbs:["watch" "delete"]}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.auth import UserInfo
from kubeflow_informer.apiserver.rbac import RBAC_GROUP, go_quote
from kubeflow_informer.errors import ApiError

__all__ = [
    "FULL_AUTHORITY",
    "compact_string",
    "escalation_error",
    "missing_rules",
    "only_gc_fields_changed",
]

#: What setting an ``aggregationRule`` needs: everything (cluster-admin's rules).
FULL_AUTHORITY: tuple[dict[str, Any], ...] = (
    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
    {"verbs": ["*"], "nonResourceURLs": ["*"]},
)

_GC_FIELDS = ("ownerReferences", "finalizers")
_SERVER_FIELDS = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp")


def _strings(rule: Mapping[str, Any], key: str) -> list[str]:
    value = rule.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _breakdown(rule: Mapping[str, Any]) -> list[dict[str, list[str]]]:
    """One rule per group, resource, verb (and name); one per URL and verb."""
    names = _strings(rule, "resourceNames")
    verbs = _strings(rule, "verbs")
    parts: list[dict[str, list[str]]] = []
    for group in _strings(rule, "apiGroups"):
        for resource in _strings(rule, "resources"):
            for verb in verbs:
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                if not names:
                    parts.append(base)
                parts.extend({**base, "resourceNames": [name]} for name in names)
    for url in _strings(rule, "nonResourceURLs"):
        for verb in verbs:
            parts.append({"nonResourceURLs": [url], "verbs": [verb]})
    return parts


def _resources_cover(owned: list[str], wanted: list[str]) -> bool:
    if "*" in owned:
        return True
    for resource in wanted:
        if resource in owned:
            continue
        _, slash, subresource = resource.partition("/")
        if not slash or f"*/{subresource}" not in owned:
            return False
    return True


def _urls_cover(owned: list[str], wanted: list[str]) -> bool:
    return all(
        any(url == path or (url.endswith("*") and path.startswith(url[:-1])) for url in owned)
        for path in wanted
    )


def _covers(owner: Mapping[str, Any], part: Mapping[str, list[str]]) -> bool:
    verbs, groups = _strings(owner, "verbs"), _strings(owner, "apiGroups")
    names = _strings(owner, "resourceNames")
    wanted_names = part.get("resourceNames", [])
    return (("*" in verbs or all(v in verbs for v in part["verbs"]))
            and ("*" in groups or all(g in groups for g in part.get("apiGroups", [])))
            and _resources_cover(_strings(owner, "resources"), part.get("resources", []))
            and _urls_cover(_strings(owner, "nonResourceURLs"), part.get("nonResourceURLs", []))
            and (not names or (bool(wanted_names) and all(n in names for n in wanted_names))))


def missing_rules(
    owned: Sequence[Mapping[str, Any]], granted: Iterable[Mapping[str, Any]]
) -> list[dict[str, list[str]]]:
    """The broken-down parts of ``granted`` that no rule of ``owned`` covers."""
    return [part for rule in granted for part in _breakdown(rule)
            if not any(_covers(owner, part) for owner in owned)]


def _compact(parts: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """Merge the verbs of parts with the same single group, resource and (one) name."""
    simple: dict[tuple[str, str, str | None], dict[str, list[str]]] = {}
    others = []
    for part in parts:
        if "nonResourceURLs" in part:
            others.append(part)
            continue
        names = part.get("resourceNames")
        key = (part["apiGroups"][0], part["resources"][0], names[0] if names else None)
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + part["verbs"]
        else:
            simple[key] = {k: list(v) for k, v in part.items()}
    return others + list(simple.values())


def compact_string(rule: Mapping[str, list[str]]) -> str:
    """A rule as the real server prints a missing permission (``PolicyRule.CompactString``)."""
    fields = []
    for key, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                       ("nonResourceURLs", "NonResourceURLs"),
                       ("resourceNames", "ResourceNames"), ("verbs", "Verbs")):
        values = rule.get(key)
        if values:
            fields.append(f"{label}:[{' '.join(go_quote(v) for v in values)}]")
    return "{" + ", ".join(fields) + "}"


def escalation_error(
    user: UserInfo,
    plural: str,
    name: str,
    missing: list[dict[str, list[str]]],
    resolution_error: str = "",
) -> ApiError:
    """The 403 of a write granting ``missing`` permissions the user does not hold."""
    lines = sorted({compact_string(rule) for rule in _compact(missing)})
    groups = " ".join(go_quote(g) for g in user.groups)
    why = (f"user {go_quote(user.name)} (groups=[{groups}]) is attempting to grant RBAC "
           "permissions not currently held:\n" + "\n".join(lines))
    if resolution_error:
        why += f"; resolution errors: [{resolution_error}]"
    return status.forbidden(RBAC_GROUP, plural, name, why)


def only_gc_fields_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when ``new`` differs from ``old`` at most in ownerReferences and finalizers."""
    def essence(obj: Mapping[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in (obj.get("metadata") or {}).items()
                if k not in _GC_FIELDS and k not in _SERVER_FIELDS}
        return {**{k: v for k, v in obj.items() if k != "metadata"}, "metadata": meta}

    return essence(old) == essence(new)
