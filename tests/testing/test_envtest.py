"""The real control-plane launcher: start, credentials, RBAC, clean stops and clear failures.

The failure cases use stand-in binaries (shell scripts) so that they run everywhere; the cases
that need the real binaries use the session's control plane or start their own and are marked
``real_apiserver``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import Forbidden, Unauthorized
from kubeflow_informer.testing import ControlPlane, EnvtestError, find_assets
from kubeflow_informer.testing.envtest import ASSETS_ENV

pytestmark = pytest.mark.timeout(90)


def fake_assets(tmp_path: Path, apiserver_script: str) -> Path:
    """A folder with a stand-in etcd (sleeps) and the given kube-apiserver script."""
    folder = tmp_path / "assets"
    folder.mkdir()
    for name, body in (("etcd", "exec sleep 600"), ("kube-apiserver", apiserver_script)):
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[p for p in pids if alive(p)]}"
        time.sleep(0.05)


def test_missing_assets_variable_says_how_to_get_binaries(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv(ASSETS_ENV, raising=False)
    with pytest.raises(EnvtestError, match=r"KUBEBUILDER_ASSETS is not set.*setup-envtest"):
        find_assets()


def test_missing_binary_is_named(tmp_path: Path) -> None:
    (tmp_path / "etcd").write_text("#!/bin/sh\n")
    (tmp_path / "etcd").chmod(0o755)
    with pytest.raises(EnvtestError, match=r"kube-apiserver not found .*setup-envtest"):
        ControlPlane(tmp_path)
    with pytest.raises(EnvtestError, match="kube-apiserver, kube-controller-manager not found"):
        ControlPlane(tmp_path, controllers=["namespace-controller"])


def test_apiserver_that_exits_reports_the_end_of_its_log(tmp_path: Path) -> None:
    assets = fake_assets(tmp_path, "echo 'E0101 flag --bogus is unknown'; exit 3")
    plane = ControlPlane(assets, startup_timeout=20)
    with pytest.raises(EnvtestError) as failure:
        plane.start()
    message = str(failure.value)
    assert "kube-apiserver exited before it became ready (exited with code 3)" in message
    assert "flag --bogus is unknown" in message


def test_apiserver_never_ready_times_out_with_its_log_and_stops_everything(tmp_path: Path
                                                                           ) -> None:
    assets = fake_assets(tmp_path, "echo 'waiting for etcd'; echo $$ > \"$PWD/api.pid\"; "
                                   "exec sleep 600")
    # 5 s: long enough for the stand-in to have logged its line even on a loaded machine.
    plane = ControlPlane(assets, startup_timeout=5)
    started = time.monotonic()
    with pytest.raises(EnvtestError, match=r"(?s)was not ready within 5 s.*waiting for etcd"):
        plane.start()
    assert time.monotonic() - started < 60  # the timeout ended the wait, not the test's limit
    assert plane._processes == []
    assert not list(tmp_path.glob("kubeflow-informer-envtest-*"))


async def test_async_context_manager_gives_an_admin_config(control_plane: ControlPlane) -> None:
    async with ApiClient(control_plane.config) as api:
        names = {ns["metadata"]["name"] async for ns in
                 api.resource("v1", "namespaces", namespaced=False).list_items()}
        assert {"default", "kube-system"} <= names
        review = await api.resource("authentication.k8s.io/v1", "selfsubjectreviews",
                                    namespaced=False).create({"apiVersion":
                                                              "authentication.k8s.io/v1",
                                                              "kind": "SelfSubjectReview"})
    assert "system:masters" in review["status"]["userInfo"]["groups"]
    assert control_plane.url.startswith("https://127.0.0.1:")


pytest_real = pytest.mark.real_apiserver


@pytest_real
async def test_rbac_and_token_auth_are_enforced(control_plane: ControlPlane) -> None:
    config = control_plane.config
    config.token = "not-the-token"
    async with ApiClient(config) as api:
        with pytest.raises(Unauthorized):
            await api.resource("v1", "namespaces", namespaced=False).list()
    # system:anonymous is authenticated only as anonymous, and RBAC gives it nothing.
    config.token = None
    async with ApiClient(config) as api:
        with pytest.raises(Forbidden, match='system:anonymous'):
            await api.resource("v1", "namespaces", namespaced=False).list()


@pytest_real
def test_kubeconfig_works_with_kubectl(control_plane: ControlPlane, tmp_path: Path) -> None:
    path = control_plane.write_kubeconfig(tmp_path / "kubeconfig")
    assert path.stat().st_mode & 0o777 == 0o600
    result = subprocess.run(["kubectl", "--kubeconfig", str(path), "get", "namespace", "default",
                             "-o", "name"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "namespace/default"


def _own_plane_script(body: str) -> str:
    return textwrap.dedent(f"""
        import asyncio, os, sys
        from kubeflow_informer.testing import ControlPlane
        async def main():
            async with ControlPlane() as plane:
                pids = [p.popen.pid for p in plane._processes]
                print(" ".join(map(str, pids)), plane.directory, flush=True)
                {body}
        asyncio.run(main())
    """)


@pytest_real
def test_processes_die_with_a_parent_killed_by_sigkill(control_plane: ControlPlane) -> None:
    child = subprocess.Popen([sys.executable, "-c", _own_plane_script("await asyncio.sleep(600)")],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        *pids, _directory = child.stdout.readline().split()
        assert len(pids) == 2 and all(alive(int(pid)) for pid in pids)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        wait_gone([int(pid) for pid in pids])
    finally:
        child.kill()


@pytest_real
def test_ctrl_c_stops_every_process_and_removes_the_directory(control_plane: ControlPlane
                                                              ) -> None:
    child = subprocess.Popen([sys.executable, "-c", _own_plane_script("await asyncio.sleep(600)")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        *pids, directory = child.stdout.readline().split()
        child.send_signal(signal.SIGINT)
        child.wait(timeout=20)
        wait_gone([int(pid) for pid in pids])
        assert not Path(directory).exists()
    finally:
        child.kill()


@pytest_real
def test_envtest_command_prints_url_and_kubeconfig_export(control_plane: ControlPlane,
                                                          tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    command = subprocess.Popen(
        [sys.executable, "-m", "kubeflow_informer", "envtest", "--controllers", "",
         "--kubeconfig-out", str(kubeconfig)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert command.stdout is not None
        url = command.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        assert command.stdout.readline().strip() == f"export KUBECONFIG={kubeconfig}"
        result = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "version", "-o",
                                 "json"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and '"gitVersion": "v1.36' in result.stdout, result.stderr
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=20) == 0
    finally:
        command.kill()


def test_envtest_command_without_binaries_fails_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != ASSETS_ENV}
    result = subprocess.run([sys.executable, "-m", "kubeflow_informer", "envtest"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("kubeflow-informer envtest: KUBEBUILDER_ASSETS is not set")
    assert "Traceback" not in result.stderr
