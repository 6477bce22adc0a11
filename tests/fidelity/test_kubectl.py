"""kubectl (v1.32) against the standalone embedded server through the kubeconfig it wrote.

Covers what a user does by hand against the server: ``api-resources``, ``apply -f`` of a
Deployment and of a CRD plus a custom object (create, then configure), ``get -o json``,
``get --watch --output-watch-events`` seeing a change, ``patch`` (merge and strategic),
``apply --server-side`` conflicting with a patch's fields until forced, ``scale`` and
``delete``. kubectl gets its own HOME and cache directory per module so that runs never share
discovery caches. No ``--validate=false`` anywhere: the server's OpenAPI answers
satisfy kubectl's validation check.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubeflow_informer.apiserver.builtins import BUILTIN_GROUPS
from kubeflow_informer.testing import ControlPlane
from tests.fidelity.conftest import Standalone, read_url

pytestmark = pytest.mark.timeout(90)

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: REPLICAS
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.25
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: pytorchjobs.kubeflow.org
spec:
  group: kubeflow.org
  scope: Namespaced
  names: {plural: pytorchjobs, singular: pytorchjob, kind: PyTorchJob, shortNames: [ptj]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""

EXPLAINED_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.explain.example.com
spec:
  group: explain.example.com
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, description: How many gizmos.}
"""

CUSTOM_OBJECT = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: mnist
spec:
  workers: WORKERS
"""

Kubectl = Callable[..., str]


@pytest.fixture(scope="module")
def kubectl(standalone: Standalone) -> Kubectl:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(standalone.home),
        "KUBECONFIG": str(standalone.kubeconfig),
    }
    cache = standalone.home / "kube-cache"

    def run(*args: str, stdin: str | None = None) -> str:
        completed = subprocess.run(
            [KUBECTL, f"--cache-dir={cache}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        if completed.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {completed.stderr}")
        return completed.stdout

    run.env = env  # type: ignore[attr-defined]
    run.cache = cache  # type: ignore[attr-defined]
    return run


@pytest.fixture
def namespace(kubectl: Kubectl, namespace_name: str) -> str:
    kubectl("apply", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\nmetadata:\n"
                                      f"  name: {namespace_name}\n")
    return namespace_name


def _get(kubectl: Kubectl, namespace: str, *what: str) -> dict[str, Any]:
    return json.loads(kubectl("get", "-n", namespace, *what, "-o", "json"))


def test_api_resources_lists_builtin_resources(kubectl: Kubectl) -> None:
    lines = kubectl("api-resources").splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert "customresourcedefinitions" in rows
    assert "leases" in rows


def test_explain_describes_pod_containers_from_openapi_v3(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pods.spec.containers")
    assert "FIELD: containers <[]Container>" in out
    assert "List of containers belonging to the pod." in out
    assert "imagePullPolicy\t<string>" in out


def test_explain_describes_a_custom_resource_from_its_schema(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=EXPLAINED_CRD)
    out = kubectl("explain", "gizmos.spec")
    assert "GROUP:      explain.example.com" in out
    assert "size\t<integer>" in out and "How many gizmos." in out


def test_create_dry_run_client_reads_the_openapi_v2_protobuf(kubectl: Kubectl) -> None:
    # kubectl's validator parses /openapi/v2 (gnostic protobuf) before any client-side dry run
    out = kubectl("create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "name")
    assert out.strip() == "deployment.apps/web"


def test_get_all_lists_the_workloads_of_a_namespace(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "1"))
    kubectl("apply", "-n", namespace, "-f", "-", stdin=SERVICE)
    out = kubectl("get", "all", "-n", namespace)
    assert "deployment.apps/web" in out
    assert "service/web" in out


def _run_kubectl(kubeconfig: Path, home: Path, *args: str) -> str:
    completed = subprocess.run(
        [KUBECTL, f"--cache-dir={home / 'kube-cache'}", *args], capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
             "KUBECONFIG": str(kubeconfig)},
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _builtin_rows(table: str) -> list[tuple[str, ...]]:
    """The rows of ``kubectl api-resources`` for built-in groups, cut at the header's columns
    (a CRD another test created elsewhere may widen them)."""
    header, *lines = table.splitlines()
    starts = [header.index(name) for name in header.split()]
    rows = []
    for line in lines:
        cells = tuple(line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True))
        group = cells[2].rpartition("/")[0]
        if group == "" or group in BUILTIN_GROUPS:
            rows.append(cells)
    return rows


@pytest.mark.real_apiserver
def test_api_resources_are_the_real_servers(
    kubectl: Kubectl, control_plane: ControlPlane, tmp_path: Path
) -> None:
    real = _run_kubectl(control_plane.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path,
                        "api-resources")
    rows = _builtin_rows(kubectl("api-resources"))
    assert len(rows) == 67
    assert rows == _builtin_rows(real)


def test_kubectl_works_against_a_token_server(tmp_path: Path) -> None:
    # kubectl sends a bearer token only over HTTPS: the standalone server's --token implies TLS
    kubeconfig = tmp_path / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeflow_informer", "apiserver", "--port", "0", "--token", "tok",
         "--kubeconfig-out", str(kubeconfig)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        assert read_url(process, 30).startswith("https://127.0.0.1:")
        out = _run_kubectl(kubeconfig, tmp_path, "get", "namespaces", "-o", "name")
        assert "namespace/default" in out.split()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_apply_creates_then_configures_a_deployment(kubectl: Kubectl, namespace: str) -> None:
    out = kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "2"))
    assert out.strip() == "deployment.apps/web created"
    out = kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "3"))
    assert out.strip() == "deployment.apps/web configured"
    deployment = _get(kubectl, namespace, "deployment", "web")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["generation"] == 2
    annotations = deployment["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations


def test_apply_of_a_crd_then_a_custom_object(kubectl: Kubectl, namespace: str) -> None:
    out = kubectl("apply", "-f", "-", stdin=CRD)
    assert "pytorchjobs.kubeflow.org" in out
    out = kubectl("apply", "-n", namespace, "-f", "-", stdin=CUSTOM_OBJECT.replace("WORKERS", "1"))
    assert out.strip() == "pytorchjob.kubeflow.org/mnist created"
    out = kubectl("apply", "-n", namespace, "-f", "-", stdin=CUSTOM_OBJECT.replace("WORKERS", "2"))
    assert out.strip() == "pytorchjob.kubeflow.org/mnist configured"
    job = _get(kubectl, namespace, "ptj", "mnist")
    assert (job["kind"], job["spec"]["workers"]) == ("PyTorchJob", 2)
    table = kubectl("get", "-n", namespace, "pytorchjobs")
    assert table.split()[:3] == ["NAME", "AGE", "mnist"]


def test_get_json_returns_the_object(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-",
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: v\n")
    config_map = _get(kubectl, namespace, "configmap", "cfg")
    assert (config_map["kind"], config_map["data"]) == ("ConfigMap", {"k": "v"})
    listed = _get(kubectl, namespace, "configmaps")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["cfg"]


def test_merge_and_strategic_patch(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "1"))
    out = kubectl("patch", "-n", namespace, "deployment", "web", "--type=merge",
                  "-p", '{"spec":{"replicas":5}}')
    assert out.strip() == "deployment.apps/web patched"
    kubectl("patch", "-n", namespace, "deployment", "web", "-p",
            '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}')
    deployment = _get(kubectl, namespace, "deployment", "web")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert deployment["spec"]["replicas"] == 5
    assert sorted(c["name"] for c in containers) == ["app", "side"]


def test_server_side_apply_conflicts_with_a_patch_until_forced(
    kubectl: Kubectl, namespace: str
) -> None:
    manifest = DEPLOYMENT.replace("REPLICAS", "1")
    kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest)
    kubectl("patch", "-n", namespace, "deployment", "web", "--type=merge",
            "-p", '{"spec":{"replicas":3}}')
    with pytest.raises(AssertionError) as failed:
        kubectl("apply", "--server-side", "-n", namespace, "-f", "-", stdin=manifest)
    assert ('Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: '
            ".spec.replicas") in str(failed.value)
    assert _get(kubectl, namespace, "deployment", "web")["spec"]["replicas"] == 3
    out = kubectl("apply", "--server-side", "--force-conflicts", "-n", namespace, "-f", "-",
                  stdin=manifest)
    assert out.strip() == "deployment.apps/web serverside-applied"
    deployment = _get(kubectl, namespace, "deployment", "web", "--show-managed-fields")
    assert deployment["spec"]["replicas"] == 1
    managers = {(e["manager"], e["operation"]) for e in deployment["metadata"]["managedFields"]}
    assert {("kubectl", "Apply"), ("kubectl-client-side-apply", "Update")} <= managers


def test_scale_changes_replicas_through_the_scale_subresource(
    kubectl: Kubectl, namespace: str
) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "1"))
    assert kubectl("scale", "-n", namespace, "deployment/web", "--replicas=4").strip() == (
        "deployment.apps/web scaled"
    )
    assert _get(kubectl, namespace, "deployment", "web")["spec"]["replicas"] == 4


def test_delete_removes_the_object(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "1"))
    out = kubectl("delete", "-n", namespace, "deployment", "web")
    assert out.strip() == 'deployment.apps "web" deleted'
    assert _get(kubectl, namespace, "deployments")["items"] == []


def test_get_watch_sees_a_change(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", stdin=DEPLOYMENT.replace("REPLICAS", "1"))
    process = subprocess.Popen(
        [KUBECTL, f"--cache-dir={kubectl.cache}", "get", "-n", namespace,  # type: ignore[attr-defined]
         "deployments", "--watch", "--output-watch-events", "-o", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=kubectl.env,  # type: ignore[attr-defined]
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        added = json.loads(lines.get(timeout=30))  # kubectl prints one event per line
        assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "web")
        kubectl("patch", "-n", namespace, "deployment", "web", "--type=merge",
                "-p", '{"spec":{"replicas":6}}')
        modified = json.loads(lines.get(timeout=30))
        assert modified["type"] == "MODIFIED"
        assert modified["object"]["spec"]["replicas"] == 6
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)
