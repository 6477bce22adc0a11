"""deploy/pod-detector.yaml: what it grants, how it runs, and that kubectl accepts it."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeflow_informer.apiserver import EmbeddedApiServer

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "pod-detector.yaml"


def documents() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(MANIFEST.read_text()) if doc}


def rules_of(kind: str) -> dict[tuple[str, str], list[str]]:
    return {
        (group, resource): rule["verbs"]
        for rule in documents()[kind]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }


def test_manifest_has_the_objects_an_operator_needs() -> None:
    assert {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"} <= set(
        documents()
    )


def test_cluster_role_grants_exactly_what_the_detector_calls() -> None:
    assert rules_of("ClusterRole") == {
        ("", "pods"): ["list", "watch"],
        ("", "services"): ["list", "watch", "patch"],
        ("", "events"): ["create", "patch"],
    }


def test_leases_are_granted_only_in_the_detector_namespace() -> None:
    role = documents()["Role"]
    assert role["metadata"]["namespace"] == "pod-detector"
    assert rules_of("Role") == {("coordination.k8s.io", "leases"): ["get", "create", "update"]}


def test_deployment_runs_with_leader_election_probes_and_its_service_account() -> None:
    deployment = documents()["Deployment"]
    pod_spec = deployment["spec"]["template"]["spec"]
    container = pod_spec["containers"][0]
    assert pod_spec["serviceAccountName"] == documents()["ServiceAccount"]["metadata"]["name"]
    assert "--leader-elect" in container["args"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.timeout(60)
async def test_kubectl_apply_dry_run_client_accepts_the_manifest(tmp_path: Path) -> None:
    # kubectl needs discovery and /openapi/v2 even for a client-side dry run: the embedded
    # server serves both, RBAC kinds included.
    async with EmbeddedApiServer() as server:
        out = await _kubectl(server.write_kubeconfig(tmp_path / "kubeconfig"),
                             "apply", "--dry-run=client", "-f", str(MANIFEST))
    lines = out.splitlines()
    assert len(lines) == len(documents())
    assert all(line.endswith("(dry run)") for line in lines)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.timeout(60)
async def test_kubectl_apply_creates_the_manifest_on_an_rbac_server(tmp_path: Path) -> None:
    # TLS: kubectl sends the admin token only over https.
    async with EmbeddedApiServer(rbac=True, tls=True) as server:
        out = await _kubectl(server.write_kubeconfig(tmp_path / "kubeconfig"),
                             "apply", "-f", str(MANIFEST))
        bindings = server.storage.objects_of(("rbac.authorization.k8s.io", "rolebindings"))
    assert len(out.splitlines()) == len(documents())
    assert all(line.endswith(" created") for line in out.splitlines())
    assert "pod-detector/pod-detector-leader-election" in bindings


async def _kubectl(kubeconfig: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "kubectl", *args, env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()
