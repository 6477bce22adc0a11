"""CLI and server start-up errors: one line naming the option, exit 2; --help states defaults."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubeflow_informer import ApiClient, EmbeddedApiServer, Manager, MetricsPortError

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=50, check=False)


def test_a_busy_port_is_one_line_naming_the_option_and_exit_2(busy_port: int) -> None:
    done = run("-m", "kubeflow_informer", "apiserver", "--port", str(busy_port))
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1:] == [
        f"kubeflow-informer apiserver: error: argument --port: cannot listen on "
        f"127.0.0.1:{busy_port}: Address already in use"]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("value", "reason"), [("99999", "a port is 0-65535, got 99999"),
                                               ("http", "not a port number: 'http'")])
def test_an_invalid_port_is_one_line_and_exit_2(value: str, reason: str) -> None:
    done = run("-m", "kubeflow_informer", "apiserver", "--port", value)
    assert done.returncode == 2
    assert done.stderr == f"kubeflow-informer apiserver: error: argument --port: {reason}\n"


def test_help_states_the_defaults() -> None:
    done = run("-m", "kubeflow_informer", "apiserver", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for default in ("address to bind (default: 127.0.0.1)", "(default: 0, a free port",
                    "(default: none written)", "faults (default: 0)"):
        assert default in text, text


def test_kubeconfig_out_prints_the_export_line(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeflow_informer", "apiserver", "--kubeconfig-out",
         str(kubeconfig)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        export = process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert url.startswith("http://127.0.0.1:")
    assert export == f"export KUBECONFIG={kubeconfig}"
    assert kubeconfig.exists() and process.returncode == 0


async def test_a_busy_manager_metrics_port_is_a_clear_error(
    embedded_apiserver: EmbeddedApiServer, api_client: ApiClient, busy_port: int
) -> None:
    manager = Manager(api_client=api_client, metrics_port=busy_port, metrics_host="127.0.0.1")
    with pytest.raises(MetricsPortError) as caught:
        await manager.start()
    assert str(caught.value) == (
        f"cannot serve /healthz, /readyz and /metrics on 127.0.0.1:{busy_port} (metrics_port): "
        "Address already in use")


def test_an_invalid_manager_metrics_port_is_refused_at_once(api_client: ApiClient) -> None:
    with pytest.raises(ValueError, match="metrics_port must be 0-65535"):
        Manager(api_client=api_client, metrics_port=80800)


def test_the_sample_reports_a_busy_metrics_port_in_one_line(busy_port: int) -> None:
    done = run("-m", "examples.pod_detector", "--metrics-port", str(busy_port), "--duration", "2")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert line.endswith(f"--metrics-port {busy_port}: cannot serve /healthz, /readyz and "
                         f"/metrics on 127.0.0.1:{busy_port} (metrics_port): Address already "
                         "in use")
