"""Authorization: the RBAC authorizer over the Roles, ClusterRoles and bindings in the storage.

Contract, as kube-apiserver's ``--authorization-mode=RBAC`` decides (``plugin/pkg/auth/
authorizer/rbac``), for the :class:`~kubeflow_informer.apiserver.request_attributes.
RequestAttributes` of a request:

* Members of ``system:masters`` are allowed everything, before RBAC is asked.
* Otherwise the rules that apply are visited in order: those of every ClusterRoleBinding with a
  subject matching the user, then those of the RoleBindings in the request's namespace. A
  subject matches by ``User`` name, by ``Group`` (one of the user's groups) or by
  ``ServiceAccount`` (``system:serviceaccount:NS:NAME``, NS defaulting to the RoleBinding's
  namespace). The first rule that allows the request wins; its reason names the binding, the role
  and the subject (``RBAC: allowed by RoleBinding "rb/ns" of Role "r" to ServiceAccount
  "sa/ns"``).
* A rule allows a resource request when its ``verbs`` hold the verb or ``*``, its ``apiGroups``
  the group or ``*``, its ``resources`` the resource (``pods``), the resource with its
  subresource (``pods/log``), ``*``, or ``*/subresource``, and its ``resourceNames`` are empty or
  hold the name. A non-resource request (``/healthz``, ``/apis``...) needs the verb and a
  ``nonResourceURLs`` entry equal to the path, ``*``, or a prefix ending in ``*``.
* A binding whose role does not exist contributes an error instead of rules; when nothing allows
  the request, those errors are its reason (``RBAC: clusterrole.rbac.authorization.k8s.io "x"
  not found``), appended to the 403 message.

Bindings are visited sorted by name (the real server visits its informer cache in map order, so
the order of several errors in one message varies there). :class:`AlwaysAllow` is the authorizer
of a server without RBAC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kubeflow_informer.apiserver.auth import SYSTEM_MASTERS, UserInfo
from kubeflow_informer.apiserver.request_attributes import RequestAttributes
from kubeflow_informer.apiserver.status import qualified_resource
from kubeflow_informer.apiserver.stored import StoredObject
from kubeflow_informer.errors import ApiError, api_error_from_status

__all__ = [
    "CLUSTER_ROLES",
    "CLUSTER_ROLE_BINDINGS",
    "RBAC_GROUP",
    "ROLES",
    "ROLE_BINDINGS",
    "AlwaysAllow",
    "Authorizer",
    "Decision",
    "RbacAuthorizer",
    "RbacObjects",
    "RulesReview",
    "forbidden_error",
    "go_quote",
    "rule_allows",
]

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLES = (RBAC_GROUP, "roles")
ROLE_BINDINGS = (RBAC_GROUP, "rolebindings")
CLUSTER_ROLES = (RBAC_GROUP, "clusterroles")
CLUSTER_ROLE_BINDINGS = (RBAC_GROUP, "clusterrolebindings")


@dataclass(frozen=True, slots=True)
class Decision:
    """An authorizer's answer: allowed or not, and why (empty when it has nothing to say)."""

    allowed: bool
    reason: str = ""


@dataclass(slots=True)
class RulesReview:
    """What a user may do in a namespace: the status of a SelfSubjectRulesReview."""

    resource_rules: list[dict[str, Any]] = field(default_factory=list)
    non_resource_rules: list[dict[str, Any]] = field(default_factory=list)
    incomplete: bool = False
    evaluation_error: str = ""


class Authorizer(Protocol):
    """What the HTTP layer and the access reviews ask of an authorizer."""

    def authorize(self, attributes: RequestAttributes) -> Decision:
        """Whether the request described by ``attributes`` is allowed."""
        ...

    def rules_for(self, user: UserInfo, namespace: str) -> RulesReview:
        """Every rule granted to ``user`` in ``namespace`` (cluster-wide ones included)."""
        ...


class AlwaysAllow:
    """The authorizer of a server without RBAC: everything is allowed (``AlwaysAllow`` mode)."""

    def authorize(self, attributes: RequestAttributes) -> Decision:
        return Decision(True)

    def rules_for(self, user: UserInfo, namespace: str) -> RulesReview:
        return RulesReview(
            [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        )


class RbacObjects(Protocol):
    """Where the RBAC objects are read from (the storage satisfies it)."""

    def objects_of(self, resource: tuple[str, str]) -> dict[str, StoredObject]: ...

    def sorted_keys(self, resource: tuple[str, str]) -> list[str]: ...


def _strings(rule: Mapping[str, Any], key: str) -> list[Any]:
    value = rule.get(key)
    return value if isinstance(value, list) else []


def rule_allows(attributes: RequestAttributes, rule: Mapping[str, Any]) -> bool:
    """Whether one PolicyRule allows the request (see the module docstring for the matching)."""
    verbs = _strings(rule, "verbs")
    if "*" not in verbs and attributes.verb not in verbs:
        return False
    if not attributes.resource_request:
        path = attributes.path
        for url in _strings(rule, "nonResourceURLs"):
            if url == "*" or url == path:
                return True
            if isinstance(url, str) and url.endswith("*") and path.startswith(url[:-1]):
                return True
        return False
    groups = _strings(rule, "apiGroups")
    if "*" not in groups and attributes.api_group not in groups:
        return False
    combined, subresource = attributes.combined_resource, attributes.subresource
    resources = _strings(rule, "resources")
    if not any(
        resource == "*" or resource == combined
        or (subresource and resource == f"*/{subresource}")
        for resource in resources
    ):
        return False
    names = _strings(rule, "resourceNames")
    return not names or attributes.name in names


def go_quote(text: str) -> str:
    """``text`` quoted as Go's ``%q`` prints it (for the messages the real server writes)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"))
    return f'"{escaped}"'


def _subject_applies(subject: Mapping[str, Any], user: UserInfo, namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return bool(name == user.name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        account_namespace = subject.get("namespace") or namespace
        return bool(account_namespace) and user.name == (
            f"system:serviceaccount:{account_namespace}:{name}"
        )
    return False


def _describe_subject(subject: Mapping[str, Any], namespace: str) -> str:
    kind, name = str(subject.get("kind")), str(subject.get("name"))
    if kind == "ServiceAccount":
        name = f"{name}/{subject.get('namespace') or namespace}"
    return f"{kind} {go_quote(name)}"


def _aggregate(errors: list[str]) -> str:
    """Several errors as ``utilerrors.NewAggregate`` prints them: deduplicated, in brackets."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


class RbacAuthorizer:
    """RBAC over the objects in ``objects``; see the module docstring."""

    __slots__ = ("_objects",)

    def __init__(self, objects: RbacObjects) -> None:
        self._objects = objects

    def __repr__(self) -> str:
        return "RbacAuthorizer()"

    def _role_rules(
        self, role_ref: Any, namespace: str
    ) -> tuple[list[Mapping[str, Any]], str | None]:
        if not isinstance(role_ref, dict):
            return [], "unsupported role reference kind: \"\""
        kind, name = role_ref.get("kind"), str(role_ref.get("name") or "")
        if kind == "ClusterRole":
            stored = self._objects.objects_of(CLUSTER_ROLES).get(name)
            missing = f"clusterrole.rbac.authorization.k8s.io {go_quote(name)} not found"
        elif kind == "Role":
            stored = self._objects.objects_of(ROLES).get(f"{namespace}/{name}")
            missing = f"role.rbac.authorization.k8s.io {go_quote(name)} not found"
        else:
            return [], f"unsupported role reference kind: {go_quote(str(kind or ''))}"
        if stored is None:
            return [], missing
        rules = stored.obj.get("rules")
        return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else [], None

    def _bindings(
        self, resource: tuple[str, str], namespace: str
    ) -> Iterator[dict[str, Any]]:
        objects = self._objects.objects_of(resource)
        prefix = f"{namespace}/" if namespace else ""
        for key in self._objects.sorted_keys(resource):
            if key.startswith(prefix):
                yield objects[key].obj

    def visit(
        self, user: UserInfo, namespace: str
    ) -> Iterator[tuple[str, Mapping[str, Any] | None, str | None]]:
        """``(source, rule, error)`` for every rule (or role lookup error) granted to ``user``."""
        scopes: list[tuple[tuple[str, str], str]] = [(CLUSTER_ROLE_BINDINGS, "")]
        if namespace:
            scopes.append((ROLE_BINDINGS, namespace))
        for resource, binding_namespace in scopes:
            for binding in self._bindings(resource, binding_namespace):
                subjects = binding.get("subjects")
                subject = next(
                    (s for s in subjects if isinstance(s, dict)
                     and _subject_applies(s, user, binding_namespace)),
                    None,
                ) if isinstance(subjects, list) else None
                if subject is None:
                    continue
                role_ref = binding.get("roleRef")
                rules, error = self._role_rules(role_ref, binding_namespace)
                if error is not None:
                    yield "", None, error
                    continue
                assert isinstance(role_ref, dict)
                name = binding["metadata"]["name"]
                if binding_namespace:
                    source = f"RoleBinding {go_quote(f'{name}/{binding_namespace}')}"
                else:
                    source = f"ClusterRoleBinding {go_quote(name)}"
                source += (f" of {role_ref.get('kind')} {go_quote(str(role_ref.get('name')))}"
                           f" to {_describe_subject(subject, binding_namespace)}")
                for rule in rules:
                    yield source, rule, None

    def authorize(self, attributes: RequestAttributes) -> Decision:
        if SYSTEM_MASTERS in attributes.user.groups:
            return Decision(True)
        errors: list[str] = []
        for source, rule, error in self.visit(attributes.user, attributes.namespace):
            if rule is not None and rule_allows(attributes, rule):
                return Decision(True, f"RBAC: allowed by {source}")
            if error is not None:
                errors.append(error)
        return Decision(False, f"RBAC: {_aggregate(errors)}" if errors else "")

    def rules_for(self, user: UserInfo, namespace: str) -> RulesReview:
        review = RulesReview()
        errors: list[str] = []
        for _, rule, error in self.visit(user, namespace):
            if error is not None:
                errors.append(error)
                continue
            assert rule is not None
            verbs = _strings(rule, "verbs")
            if _strings(rule, "resources"):
                converted: dict[str, Any] = {
                    "verbs": verbs,
                    "apiGroups": _strings(rule, "apiGroups"),
                    "resources": _strings(rule, "resources"),
                }
                if _strings(rule, "resourceNames"):
                    converted["resourceNames"] = _strings(rule, "resourceNames")
                review.resource_rules.append(converted)
            if _strings(rule, "nonResourceURLs"):
                review.non_resource_rules.append(
                    {"verbs": verbs, "nonResourceURLs": _strings(rule, "nonResourceURLs")}
                )
        if errors:
            review.evaluation_error = _aggregate(errors)
        return review


def forbidden_error(attributes: RequestAttributes, reason: str) -> ApiError:
    """The 403 of a refused request, worded as kube-apiserver words it::

        pods "p" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the
        namespace "ns"
        nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the
        cluster scope
        forbidden: User "u" cannot get path "/metrics"

    followed by ``: <reason>`` when the authorizer gave one.
    """
    user = go_quote(attributes.user.name)
    details: dict[str, Any] = {}
    if not attributes.resource_request:
        what = f"User {user} cannot {attributes.verb} path {go_quote(attributes.path)}"
        message = f"forbidden: {what}"
    else:
        resource = go_quote(attributes.combined_resource)
        group = go_quote(attributes.api_group)
        where = (f"in the namespace {go_quote(attributes.namespace)}" if attributes.namespace
                 else "at the cluster scope")
        what = (f"User {user} cannot {attributes.verb} resource {resource} in API group {group} "
                f"{where}")
        qualified = qualified_resource(attributes.api_group, attributes.resource)
        if attributes.name:
            message = f"{qualified} {go_quote(attributes.name)} is forbidden: {what}"
            details["name"] = attributes.name
        else:
            message = f"{qualified} is forbidden: {what}"
        if attributes.api_group:
            details["group"] = attributes.api_group
        details["kind"] = attributes.resource
    if reason:
        message = f"{message}: {reason}"
    status_object = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "Forbidden",
        "details": details,
        "code": 403,
    }
    return api_error_from_status(status_object, 403)
