"""All field tables, parsed once, and the kinds they decode.

``MESSAGES`` maps ``package.Name`` to its :class:`~.schema.Message`; ``KINDS`` maps the
envelope's ``(apiVersion, kind)`` to the top-level message. A kind missing here is answered
with 415 naming it and the JSON workaround.
"""

from __future__ import annotations

from kubeflow_informer.apiserver.protobuf.core import CORE
from kubeflow_informer.apiserver.protobuf.core_pod import CORE_POD
from kubeflow_informer.apiserver.protobuf.groups import (
    AUTHENTICATION,
    AUTHORIZATION,
    AUTOSCALING,
    COORDINATION,
    NETWORKING,
    POLICY,
    RBAC,
    SCHEDULING,
)
from kubeflow_informer.apiserver.protobuf.meta import META
from kubeflow_informer.apiserver.protobuf.schema import SCALARS, SPECIALS, Message, parse_table
from kubeflow_informer.apiserver.protobuf.workloads import APPS, BATCH

__all__ = ["KINDS", "MESSAGES"]

# package -> (the apiVersion its kinds travel under, its tables, its top-level kinds)
_PACKAGES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "meta": ("", (META,), ()),
    "core": ("v1", (CORE_POD, CORE), (
        "Namespace", "ConfigMap", "Secret", "ServiceAccount", "ResourceQuota", "LimitRange",
        "Service", "Endpoints", "Event", "Binding", "Pod", "PodTemplate",
        "ReplicationController", "PersistentVolumeClaim", "Node")),
    "apps": ("apps/v1", (APPS,), ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")),
    "batch": ("batch/v1", (BATCH,), ("Job", "CronJob")),
    "rbac": ("rbac.authorization.k8s.io/v1", (RBAC,),
             ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")),
    "policy": ("policy/v1", (POLICY,), ("PodDisruptionBudget", "Eviction")),
    "networking": ("networking.k8s.io/v1", (NETWORKING,), ("Ingress",)),
    "scheduling": ("scheduling.k8s.io/v1", (SCHEDULING,), ("PriorityClass",)),
    "autoscaling": ("autoscaling/v1", (AUTOSCALING,), ("HorizontalPodAutoscaler", "Scale")),
    "coordination": ("coordination.k8s.io/v1", (COORDINATION,), ("Lease",)),
    "authentication": ("authentication.k8s.io/v1", (AUTHENTICATION,),
                       ("TokenRequest", "SelfSubjectReview")),
    "authorization": ("authorization.k8s.io/v1", (AUTHORIZATION,), (
        "SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview",
        "SelfSubjectRulesReview")),
}


def _build() -> tuple[dict[str, Message], dict[tuple[str, str], str]]:
    messages: dict[str, Message] = {}
    kinds: dict[tuple[str, str], str] = {}
    for package, (api_version, texts, top_level) in _PACKAGES.items():
        for text in texts:
            messages.update(parse_table(package, text))
        for kind in top_level:
            kinds[(api_version, kind)] = f"{package}.{kind}"
    for message in messages.values():  # every reference resolves: checked once, at import
        for field in message.fields.values():
            if field.type not in SCALARS and field.type not in SPECIALS:
                if field.type not in messages:
                    raise ValueError(f"{message.name}.{field.json_name}: unknown {field.type}")
    missing = [name for name in kinds.values() if name not in messages]
    if missing:
        raise ValueError(f"kinds without a message: {missing}")
    return messages, kinds


MESSAGES, KINDS = _build()
