"""kubectl's identity and authorization commands against the standalone embedded server in RBAC
mode (``kubeflow-informer apiserver --rbac --tls``: kubectl sends a token only over TLS) and
against the real kube-apiserver, which must answer alike: ``kubectl create token``,
``kubectl auth whoami``, ``kubectl auth can-i`` (``--list`` too) and the Forbidden error a
ServiceAccount gets."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fidelity.conftest import launch_standalone

pytestmark = pytest.mark.timeout(120)

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


@dataclass(frozen=True)
class Cluster:
    """Where kubectl points: the admin kubeconfig and kubectl's own HOME."""

    kind: str
    kubeconfig: Path
    home: Path


@pytest.fixture(scope="module")
def rbac_standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("rbac-home")
    with launch_standalone(home, "--rbac", "--tls") as server:
        yield Cluster("embedded", server.kubeconfig, home)


@pytest.fixture(params=[
    pytest.param("embedded", id="embedded"),
    pytest.param("real", id="real", marks=pytest.mark.real_apiserver),
])
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Cluster:
    if request.param == "embedded":
        standalone: Cluster = request.getfixturevalue("rbac_standalone")
        return standalone
    plane = request.getfixturevalue("control_plane")
    home = tmp_path_factory.mktemp("real-home")
    return Cluster("real", plane.write_kubeconfig(home / "kubeconfig"), home)


Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kubectl(cluster: Cluster) -> Kubectl:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cluster.home),
           "KUBECONFIG": str(cluster.kubeconfig)}

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [KUBECTL, f"--cache-dir={cluster.home / 'kube-cache'}", *args],
            capture_output=True, text=True, env=env, timeout=60)
        if check and completed.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {completed.stderr}")
        return completed

    return run


_namespaces = iter(range(1, 1_000_000))


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    name = f"kubectl-rbac-{os.getpid() % 10000}-{next(_namespaces)}"
    kubectl("create", "namespace", name)
    kubectl("create", "serviceaccount", "robot", "-n", name)
    yield name
    kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture
def token(kubectl: Kubectl, namespace: str) -> str:
    """A token of the ServiceAccount ``robot``, from ``kubectl create token``."""
    return kubectl("create", "token", "robot", "-n", namespace).stdout.strip()


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def _eventually(probe: Callable[[], bool], what: str) -> None:
    """The real server's authorizer sees a new binding a moment after it is written."""
    deadline = time.monotonic() + 10
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_create_token_issues_a_service_account_token(namespace: str, token: str) -> None:
    claims = _claims(token)
    assert claims["sub"] == f"system:serviceaccount:{namespace}:robot"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == 3600


def test_create_token_with_a_short_duration_is_refused(kubectl: Kubectl, namespace: str) -> None:
    result = kubectl("create", "token", "robot", "-n", namespace, "--duration=5m", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: '
        "spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 "
        "minutes")


def test_whoami_as_the_service_account(kubectl: Kubectl, namespace: str, token: str) -> None:
    table = kubectl("auth", "whoami", f"--token={token}").stdout
    rows = [re.split(r"\s{2,}", line.strip()) for line in table.strip().splitlines()]
    assert rows[0] == ["ATTRIBUTE", "VALUE"]
    assert rows[1] == ["Username", f"system:serviceaccount:{namespace}:robot"]
    assert rows[2][0] == "UID"
    assert rows[3] == ["Groups", f"[system:serviceaccounts system:serviceaccounts:{namespace} "
                                 "system:authenticated]"]
    assert rows[4] == ["Extra: authentication.kubernetes.io/credential-id",
                       f"[JTI={_claims(token)['jti']}]"]


def test_whoami_as_the_admin(kubectl: Kubectl) -> None:
    review = json.loads(kubectl("auth", "whoami", "-o", "json").stdout)
    assert review["kind"] == "SelfSubjectReview"
    assert review["status"]["userInfo"]["groups"] == ["system:masters", "system:authenticated"]


def test_can_i_says_no_then_yes_once_bound(kubectl: Kubectl, namespace: str, token: str) -> None:
    def can_i(*what: str) -> subprocess.CompletedProcess[str]:
        return kubectl("auth", "can-i", *what, "-n", namespace, f"--token={token}", check=False)

    before = can_i("list", "pods")
    assert (before.returncode, before.stdout.strip()) == (1, "no")
    kubectl("create", "rolebinding", "robot-view", "-n", namespace, "--clusterrole=view",
            f"--serviceaccount={namespace}:robot")
    _eventually(lambda: can_i("list", "pods").returncode == 0, "the binding to count")
    assert can_i("list", "pods").stdout.strip() == "yes"
    assert can_i("get", "pods", "--subresource=log").stdout.strip() == "yes"
    assert can_i("delete", "pods").stdout.strip() == "no"
    assert can_i("get", "secrets").stdout.strip() == "no"


def test_can_i_as_the_admin(kubectl: Kubectl) -> None:
    assert kubectl("auth", "can-i", "*", "*").stdout.strip() == "yes"


def test_can_i_list_shows_the_granted_rules(kubectl: Kubectl, namespace: str, token: str
                                           ) -> None:
    kubectl("create", "role", "settings", "-n", namespace, "--verb=get,list",
            "--resource=configmaps", "--resource-name=settings")
    kubectl("create", "rolebinding", "settings", "-n", namespace, "--role=settings",
            f"--serviceaccount={namespace}:robot")

    def resource_rows() -> list[list[str]]:
        table = kubectl("auth", "can-i", "--list", "-n", namespace, f"--token={token}").stdout
        lines = table.splitlines()
        return [re.split(r"\s{2,}", line.strip()) for line in lines[1:]
                if line and not line.startswith(" ")]

    _eventually(lambda: len(resource_rows()) == 4, "the binding to count")
    assert resource_rows() == [
        ["selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"],
        ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"],
        ["selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"],
        ["configmaps", "[]", "[settings]", "[get list]"],
    ]


def test_a_forbidden_request_says_who_and_what(kubectl: Kubectl, namespace: str, token: str
                                               ) -> None:
    result = kubectl("get", "pods", "-n", namespace, f"--token={token}", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:'
        f'{namespace}:robot" cannot list resource "pods" in API group "" in the namespace '
        f'"{namespace}"')


def test_the_admin_checks_a_service_account_with_as(kubectl: Kubectl, namespace: str) -> None:
    robot = f"--as=system:serviceaccount:{namespace}:robot"
    before = kubectl("auth", "can-i", "list", "pods", "-n", namespace, robot, check=False)
    kubectl("create", "rolebinding", "robot-view", "-n", namespace, "--clusterrole=view",
            f"--serviceaccount={namespace}:robot")
    _eventually(lambda: kubectl("auth", "can-i", "list", "pods", "-n", namespace, robot,
                                check=False).returncode == 0, "the binding to count")
    assert (before.returncode, before.stdout.strip()) == (1, "no")


def test_whoami_as_an_impersonated_user(kubectl: Kubectl) -> None:
    review = json.loads(kubectl("auth", "whoami", "--as=alice", "--as-group=team",
                                "-o", "json").stdout)
    assert review["status"]["userInfo"] == {"username": "alice",
                                            "groups": ["team", "system:authenticated"]}
