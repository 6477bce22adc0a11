"""The built-in resources the embedded server serves, as kube-apiserver v1.32 advertises them.

Only what controllers touch: core/v1 namespaces, pods (``status``, ``log``), services,
endpoints, configmaps, secrets, events, nodes, serviceaccounts; apps/v1 workloads; batch/v1 jobs;
coordination.k8s.io/v1 leases; apiextensions.k8s.io/v1 customresourcedefinitions. Short names,
categories and subresources follow the real discovery documents, so ``kubectl get po`` and
``kubectl get all`` behave as on a cluster. DaemonSets have no ``scale`` subresource on a real
server, so they have none here either.
"""

from __future__ import annotations

from kubeflow_informer.apiserver.registry import Registry, ResourceInfo, ScalePaths

_WORKLOAD_SCALE = ScalePaths(
    spec_replicas=".spec.replicas",
    status_replicas=".status.replicas",
    label_selector=".spec.selector",
)
_NO_DELETECOLLECTION = ("create", "delete", "get", "list", "patch", "update", "watch")

BUILTIN_RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",)),
    ResourceInfo("", "v1", "endpoints", "endpoints", "Endpoints", True, ("ep",)),
    ResourceInfo("", "v1", "events", "event", "Event", True, ("ev",)),
    ResourceInfo(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        False,
        ("ns",),
        verbs=_NO_DELETECOLLECTION,
        subresources=frozenset({"status", "finalize"}),
    ),
    ResourceInfo(
        "", "v1", "nodes", "node", "Node", False, ("no",), subresources=frozenset({"status"})
    ),
    ResourceInfo(
        "",
        "v1",
        "pods",
        "pod",
        "Pod",
        True,
        ("po",),
        subresources=frozenset({"status", "log"}),
        categories=("all",),
    ),
    ResourceInfo(
        "",
        "v1",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        True,
        ("quota",),
        subresources=frozenset({"status"}),
    ),
    ResourceInfo("", "v1", "secrets", "secret", "Secret", True),
    ResourceInfo("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ("sa",)),
    ResourceInfo(
        "",
        "v1",
        "services",
        "service",
        "Service",
        True,
        ("svc",),
        verbs=_NO_DELETECOLLECTION,
        subresources=frozenset({"status"}),
        categories=("all",),
    ),
    ResourceInfo(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        True,
        ("ds",),
        subresources=frozenset({"status"}),
        categories=("all",),
    ),
    ResourceInfo(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        True,
        ("deploy",),
        subresources=frozenset({"status", "scale"}),
        categories=("all",),
        scale_paths=_WORKLOAD_SCALE,
    ),
    ResourceInfo(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        True,
        ("rs",),
        subresources=frozenset({"status", "scale"}),
        categories=("all",),
        scale_paths=_WORKLOAD_SCALE,
    ),
    ResourceInfo(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        True,
        ("sts",),
        subresources=frozenset({"status", "scale"}),
        categories=("all",),
        scale_paths=_WORKLOAD_SCALE,
    ),
    ResourceInfo(
        "batch",
        "v1",
        "jobs",
        "job",
        "Job",
        True,
        subresources=frozenset({"status"}),
        categories=("all",),
    ),
    ResourceInfo(
        "batch",
        "v1",
        "cronjobs",
        "cronjob",
        "CronJob",
        True,
        ("cj",),
        subresources=frozenset({"status"}),
        categories=("all",),
    ),
    ResourceInfo("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
    ResourceInfo(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        subresources=frozenset({"status"}),
        categories=("api-extensions",),
    ),
)

# Plain storage (nothing in the server acts on them), served so that ``kubectl create
# role|rolebinding|clusterrole|clusterrolebinding|pdb|priorityclass|ingress`` and ``kubectl
# autoscale`` work; discovery fields as kube-apiserver 1.36 lists them.
BUILTIN_RESOURCES += (
    ResourceInfo(
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        True,
        ("hpa",),
        subresources=frozenset({"status"}),
        categories=("all",),
    ),
    ResourceInfo(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "ingress",
        "Ingress",
        True,
        ("ing",),
        subresources=frozenset({"status"}),
    ),
    ResourceInfo(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        True,
        ("pdb",),
        subresources=frozenset({"status"}),
    ),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "clusterrolebindings",
                 "clusterrolebinding", "ClusterRoleBinding", False),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole",
                 "ClusterRole", False),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding",
                 "RoleBinding", True),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", True),
    ResourceInfo("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass",
                 "PriorityClass", False, ("pc",)),
)

# Resources whose names must be DNS-1123 labels (63 chars, no dots) rather than subdomains.
LABEL_NAMED: frozenset[tuple[str, str]] = frozenset({("", "namespaces"), ("", "services")})


_BUILTIN_RESOURCES = frozenset(info.group_resource for info in BUILTIN_RESOURCES)


def is_builtin(info: ResourceInfo) -> bool:
    """True for the built-in kinds (served from ``k8s.io/api`` types), False for custom ones."""
    return info.group_resource in _BUILTIN_RESOURCES


def default_registry() -> Registry:
    """A fresh registry serving every built-in resource (and no custom resource yet)."""
    registry = Registry()
    for info in BUILTIN_RESOURCES:
        registry.register(info)
    return registry
