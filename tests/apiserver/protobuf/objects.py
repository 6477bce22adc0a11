"""Full objects, valid for kube-apiserver 1.36, that set most fields the field tables describe
(zero pointers included): the round-trip unit tests decode their encoding, and the server tests
send it to both servers."""

from __future__ import annotations

from typing import Any

LABELS = {"app": "full"}

CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "nginx:1.25",
    "command": ["nginx"],
    "args": ["-g", "daemon off;"],
    "workingDir": "/srv",
    "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"},
              {"containerPort": 9090, "hostPort": 9090, "protocol": "UDP", "hostIP": "0.0.0.0"}],
    "envFrom": [{"prefix": "CM_", "configMapRef": {"name": "cm", "optional": True}},
                {"secretRef": {"name": "sec", "optional": False}}],
    "env": [
        {"name": "PLAIN", "value": "x"},
        {"name": "EMPTY"},
        {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                     "fieldPath": "spec.nodeName"}}},
        {"name": "CPU", "valueFrom": {"resourceFieldRef": {
            "containerName": "app", "resource": "limits.cpu", "divisor": "1m"}}},
        {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k",
                                                         "optional": True}}},
        {"name": "SEC", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "k"}}},
    ],
    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"},
                  "requests": {"cpu": "250m", "memory": "64Mi"}},
    "volumeMounts": [{"name": "config", "mountPath": "/etc/config", "readOnly": True,
                      "subPath": "app.conf", "recursiveReadOnly": "Disabled"},
                     {"name": "scratch", "mountPath": "/scratch",
                      "mountPropagation": "HostToContainer"}],
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 80, "scheme": "HTTP",
                                  "httpHeaders": [{"name": "X-Probe", "value": ""}]},
                      "initialDelaySeconds": 3, "timeoutSeconds": 2, "periodSeconds": 10,
                      "successThreshold": 1, "failureThreshold": 3,
                      "terminationGracePeriodSeconds": 5},
    "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
    "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
    "lifecycle": {"postStart": {"exec": {"command": ["sh", "-c", "echo"]}},
                  "preStop": {"sleep": {"seconds": 0}}},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "FallbackToLogsOnError",
    "imagePullPolicy": "IfNotPresent",
    "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                        "privileged": False, "runAsUser": 0, "runAsGroup": 0,
                        "runAsNonRoot": False, "readOnlyRootFilesystem": True,
                        "allowPrivilegeEscalation": False,
                        "seccompProfile": {"type": "RuntimeDefault"},
                        "appArmorProfile": {"type": "RuntimeDefault"}},
    "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
    "stdin": True,
    "tty": True,
}

SIDECAR: dict[str, Any] = {"name": "sidecar", "image": "busybox", "restartPolicy": "Always",
                           "resources": {}}

POD_SPEC: dict[str, Any] = {
    "volumes": [
        {"name": "config", "configMap": {"name": "cm", "items": [{"key": "k", "path": "app.conf",
                                                                   "mode": 0o644}],
                                          "defaultMode": 0o420, "optional": False}},
        {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
        {"name": "sec", "secret": {"secretName": "sec", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "claim", "persistentVolumeClaim": {"claimName": "data", "readOnly": True}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "all", "projected": {"defaultMode": 0o400, "sources": [
            {"serviceAccountToken": {"audience": "vault", "expirationSeconds": 3600,
                                     "path": "token"}},
            {"configMap": {"name": "cm", "items": [{"key": "k", "path": "k"}]}},
            {"secret": {"name": "sec", "optional": True}}]}},
        {"name": "eph", "ephemeral": {"volumeClaimTemplate": {
            "metadata": {"labels": LABELS},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                     "resources": {"requests": {"storage": "1Gi"}}}}}},
    ],
    "initContainers": [SIDECAR],
    "containers": [CONTAINER],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 0,
    "dnsPolicy": "None",
    "dnsConfig": {"nameservers": ["10.0.0.10"], "searches": ["svc.cluster.local"],
                  "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]},
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "serviceAccountName": "default",
    "automountServiceAccountToken": False,
    "shareProcessNamespace": True,
    "securityContext": {"runAsUser": 1000, "runAsNonRoot": True, "fsGroup": 2000,
                        "supplementalGroups": [3000, 4000],
                        "sysctls": [{"name": "net.ipv4.ip_local_port_range",
                                     "value": "1024 65535"}],
                        "fsGroupChangePolicy": "OnRootMismatch",
                        "supplementalGroupsPolicy": "Merge",
                        "seLinuxChangePolicy": "Recursive",
                        "seccompProfile": {"type": "RuntimeDefault"},
                        "appArmorProfile": {"type": "Unconfined"}},
    "imagePullSecrets": [{"name": "registry"}],
    "hostname": "full",
    "subdomain": "headless",
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "preference": {"matchExpressions": [
                    {"key": "disk", "operator": "Exists"}]}}]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {
                "labelSelector": {"matchLabels": LABELS},
                "topologyKey": "kubernetes.io/hostname",
                "matchLabelKeys": ["pod-template-hash"], "mismatchLabelKeys": ["tenant"]}}]},
    },
    "schedulerName": "default-scheduler",
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu",
                     "effect": "NoExecute", "tolerationSeconds": 0},
                    {"operator": "Exists"}],
    "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["local.test"]}],
    "readinessGates": [{"conditionType": "example.com/ready"}],
    "enableServiceLinks": False,
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                   "whenUnsatisfiable": "DoNotSchedule",
                                   "labelSelector": {"matchLabels": LABELS},
                                   "minDomains": 2, "matchLabelKeys": ["pod-template-hash"]}],
}

TEMPLATE: dict[str, Any] = {"metadata": {"labels": LABELS, "annotations": {"note": ""}},
                            "spec": POD_SPEC}

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "full", "labels": LABELS, "annotations": {"a": "b"},
                 "finalizers": ["example.com/keep"]},
    "spec": {"replicas": 0, "selector": {"matchLabels": LABELS, "matchExpressions": [
                 {"key": "tier", "operator": "NotIn", "values": ["db"]}]},
             "template": TEMPLATE,
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
             "minReadySeconds": 5, "revisionHistoryLimit": 0, "paused": True,
             "progressDeadlineSeconds": 100},
}

JOB: dict[str, Any] = {
    "apiVersion": "batch/v1", "kind": "Job",
    "metadata": {"name": "full-job", "generateName": "full-"},
    "spec": {"parallelism": 0, "completions": 3, "completionMode": "Indexed",
             "backoffLimitPerIndex": 1, "maxFailedIndexes": 1, "activeDeadlineSeconds": 60,
             "ttlSecondsAfterFinished": 0, "suspend": True, "podReplacementPolicy": "Failed",
             "managedBy": "kubernetes.io/job-controller",
             "podFailurePolicy": {"rules": [
                 {"action": "FailJob", "onExitCodes": {"containerName": "main",
                                                       "operator": "In", "values": [42]}},
                 {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget",
                                                           "status": "True"}]}]},
             "successPolicy": {"rules": [{"succeededIndexes": "0-1", "succeededCount": 1}]},
             "template": {"metadata": {"labels": {"job": "full"}}, "spec": {
                 "restartPolicy": "Never", "activeDeadlineSeconds": 600,
                 "containers": [{"name": "main", "image": "busybox",
                                 "command": ["sh", "-c", "exit 0"], "resources": {}}]}}},
}

CRONJOB: dict[str, Any] = {
    "apiVersion": "batch/v1", "kind": "CronJob",
    "metadata": {"name": "full-cron"},
    "spec": {"schedule": "*/5 * * * *", "timeZone": "Etc/UTC", "startingDeadlineSeconds": 0,
             "concurrencyPolicy": "Forbid", "suspend": False,
             "successfulJobsHistoryLimit": 0, "failedJobsHistoryLimit": 1,
             "jobTemplate": {"metadata": {"labels": {"cron": "full"}}, "spec": {
                 "backoffLimit": 0, "template": {"spec": {
                     "restartPolicy": "OnFailure",
                     "containers": [{"name": "c", "image": "busybox", "resources": {}}]}}}}},
}

SERVICE: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "full-svc"},
    "spec": {"type": "NodePort", "selector": LABELS,
             "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http",
                        "appProtocol": "http"},
                       {"name": "metrics", "protocol": "TCP", "port": 9090,
                        "targetPort": 9090}],
             "sessionAffinity": "ClientIP",
             "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}},
             "externalTrafficPolicy": "Local", "internalTrafficPolicy": "Cluster",
             "publishNotReadyAddresses": True, "externalIPs": ["192.0.2.10"],
             "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
             "trafficDistribution": "PreferClose"},
}

INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "full-ing"},
    "spec": {"ingressClassName": "nginx",
             "defaultBackend": {"service": {"name": "full-svc", "port": {"number": 80}}},
             "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}],
             "rules": [{"host": "a.example.com", "http": {"paths": [
                 {"path": "/api", "pathType": "Prefix",
                  "backend": {"service": {"name": "full-svc", "port": {"name": "http"}}}},
                 {"path": "/files", "pathType": "ImplementationSpecific", "backend": {
                     "resource": {"apiGroup": "example.com", "kind": "Bucket",
                                  "name": "b"}}}]}}]},
}

PDB: dict[str, Any] = {
    "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
    "metadata": {"name": "full-pdb"},
    "spec": {"maxUnavailable": 0, "selector": {"matchLabels": LABELS},
             "unhealthyPodEvictionPolicy": "AlwaysAllow"},
}

ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
    "metadata": {"name": "full-role"},
    "rules": [{"verbs": ["get", "list"], "apiGroups": ["", "apps"],
               "resources": ["pods", "deployments/scale"], "resourceNames": ["x"]}],
}

ROLE_BINDING: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
    "metadata": {"name": "full-rb"},
    "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                 {"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "full-role"},
}

QUOTA: dict[str, Any] = {
    "apiVersion": "v1", "kind": "ResourceQuota",
    "metadata": {"name": "full-quota"},
    "spec": {"hard": {"pods": "10", "requests.cpu": "1500m", "limits.memory": "2Gi"},
             "scopeSelector": {"matchExpressions": [
                 {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}},
}

SERVICE_ACCOUNT: dict[str, Any] = {
    "apiVersion": "v1", "kind": "ServiceAccount",
    "metadata": {"name": "full-sa", "ownerReferences": [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
        "uid": "6f2c2b6e-6f0a-4a7b-9d3c-2b1f4e5d6c7a", "controller": False,
        "blockOwnerDeletion": True}]},
    "imagePullSecrets": [{"name": "registry"}],
    "automountServiceAccountToken": False,
}

CONFIG_MAP: dict[str, Any] = {
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "full-cm", "labels": {"empty": ""}},
    "data": {"k": "v", "blank": ""}, "binaryData": {"bin": "AAECAw=="}, "immutable": False,
}

STATEFUL_SET: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "StatefulSet",
    "metadata": {"name": "full-sts"},
    "spec": {"replicas": 1, "serviceName": "headless", "podManagementPolicy": "Parallel",
             "selector": {"matchLabels": LABELS},
             "template": {"metadata": {"labels": LABELS}, "spec": {"containers": [
                 {"name": "db", "image": "postgres:16", "resources": {}}]}},
             "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                 "accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "1Gi"}}}}],
             "updateStrategy": {"type": "RollingUpdate",
                                "rollingUpdate": {"partition": 0}},
             "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete",
                                                      "whenScaled": "Retain"},
             "ordinals": {"start": 1}, "minReadySeconds": 1},
}

LEASE: dict[str, Any] = {
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "full-lease"},
    "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15,
             "acquireTime": "2024-05-06T07:08:09.123456Z",
             "renewTime": "2024-05-06T07:08:10.000001Z", "leaseTransitions": 0},
}

FULL_OBJECTS: list[dict[str, Any]] = [
    DEPLOYMENT, JOB, CRONJOB, SERVICE, INGRESS, PDB, ROLE, ROLE_BINDING, QUOTA,
    SERVICE_ACCOUNT, CONFIG_MAP, STATEFUL_SET, LEASE,
]

POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "full-pod", "labels": LABELS},
    "spec": {**POD_SPEC, "schedulingGates": [{"name": "example.com/gate"}],
             "os": {"name": "linux"}, "setHostnameAsFQDN": False,
             "containers": [{**CONTAINER, "resources": {
                 **CONTAINER["resources"], "claims": [{"name": "gpu"}]}}],
             "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu-template"}],
             "resources": {"limits": {"cpu": "2", "memory": "1Gi"}}},
}

DAEMON_SET: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "DaemonSet",
    "metadata": {"name": "full-ds"},
    "spec": {"selector": {"matchLabels": LABELS}, "minReadySeconds": 2,
             "revisionHistoryLimit": 3,
             "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {
                 "maxUnavailable": 1, "maxSurge": 0}},
             "template": {"metadata": {"labels": LABELS}, "spec": {"containers": [
                 {"name": "agent", "image": "busybox", "resources": {}}]}}},
}

REPLICA_SET: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "ReplicaSet",
    "metadata": {"name": "full-rs"},
    "spec": {"replicas": 0, "minReadySeconds": 1, "selector": {"matchLabels": LABELS},
             "template": {"metadata": {"labels": LABELS}, "spec": {"containers": [
                 {"name": "c", "image": "busybox", "resources": {}}]}}},
}

EVENT: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Event",
    "metadata": {"name": "full-pod.1"},
    "involvedObject": {"kind": "Pod", "name": "full-pod", "apiVersion": "v1",
                       "fieldPath": "spec.containers{app}"},
    "reason": "Started", "message": "started", "source": {"component": "kubelet",
                                                          "host": "node-1"},
    "firstTimestamp": "2024-05-06T07:08:09Z", "lastTimestamp": "2024-05-06T07:08:19Z",
    "count": 2, "type": "Normal", "reportingComponent": "kubelet", "reportingInstance": "node-1",
}

ENDPOINTS: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Endpoints",
    "metadata": {"name": "full-ep"},
    "subsets": [{"addresses": [{"ip": "10.1.2.3", "hostname": "a", "nodeName": "node-1",
                                "targetRef": {"kind": "Pod", "name": "p"}}],
                 "notReadyAddresses": [{"ip": "10.1.2.4"}],
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP",
                            "appProtocol": "http"}]}],
}

HPA: dict[str, Any] = {
    "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "full-hpa"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "full"},
             "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
}

PRIORITY_CLASS: dict[str, Any] = {
    "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
    "metadata": {"name": "full-pc"}, "value": 1000,
    "description": "full", "preemptionPolicy": "PreemptLowerPriority",
}

CLUSTER_ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
    "metadata": {"name": "full-cr"},
    "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/metrics"]}],
    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"team": "a"}}]},
}

CLUSTER_ROLE_BINDING: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
    "metadata": {"name": "full-crb"},
    "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"}],
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
}

NAMESPACE: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Namespace",
    "metadata": {"name": "full-ns", "labels": LABELS},
    "spec": {"finalizers": ["kubernetes"]},
}

SECRET: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "full-secret"},
    "type": "kubernetes.io/dockerconfigjson", "immutable": True,
    "data": {".dockerconfigjson": "eyJhdXRocyI6e319"},
}

FULL_OBJECTS += [
    POD, DAEMON_SET, REPLICA_SET, EVENT, ENDPOINTS, HPA, PRIORITY_CLASS, CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING, NAMESPACE, SECRET,
]

# Statuses as controllers write them (PUT .../status): (object, its status).
STATUSES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (REPLICA_SET, {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 2,
                   "availableReplicas": 1, "observedGeneration": 1, "conditions": [
                       {"type": "ReplicaFailure", "status": "True",
                        "lastTransitionTime": "2024-05-06T07:08:09Z", "reason": "Quota",
                        "message": "exceeded"}]}),
    (DEPLOYMENT, {"observedGeneration": 1, "replicas": 4, "updatedReplicas": 3,
                  "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 2,
                  "collisionCount": 0, "conditions": [
                      {"type": "Progressing", "status": "True",
                       "lastUpdateTime": "2024-05-06T07:08:09Z",
                       "lastTransitionTime": "2024-05-06T07:08:09Z",
                       "reason": "NewReplicaSetAvailable", "message": "ok"}]}),
    (JOB, {"startTime": "2024-05-06T07:08:09Z", "active": 1, "ready": 0, "terminating": 0,
           "uncountedTerminatedPods": {}}),
    (SERVICE, {"conditions": [
        {"type": "Ready", "status": "True", "observedGeneration": 1,
         "lastTransitionTime": "2024-05-06T07:08:09Z", "reason": "Ok", "message": ""}]}),
    (POD, {"phase": "Running", "conditions": [
               {"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-06T07:08:09Z"}],
           "hostIP": "192.0.2.7", "hostIPs": [{"ip": "192.0.2.7"}], "podIP": "10.1.2.3",
           "podIPs": [{"ip": "10.1.2.3"}], "startTime": "2024-05-06T07:08:09Z",
           "qosClass": "Burstable",
           "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                  "image": "nginx:1.25", "imageID": "docker.io/nginx@sha256:0",
                                  "containerID": "containerd://abc", "started": True,
                                  "state": {"running": {"startedAt": "2024-05-06T07:08:10Z"}},
                                  "lastState": {"terminated": {
                                      "exitCode": 0, "reason": "Completed",
                                      "startedAt": "2024-05-06T07:00:00Z",
                                      "finishedAt": "2024-05-06T07:08:00Z"}}}]}),
]
