"""The pod-detector command line: options, modes, a real cluster via --kubeconfig, signals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from examples.pod_detector import kubelet
from examples.pod_detector.__main__ import build_parser, main, options_from_args
from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from tests.examples.helpers import create_pod, create_service, events_for

REPO = Path(__file__).resolve().parents[2]
OPTIONS = ("--kubeconfig", "--context", "--namespace", "--selector", "--grace-period",
           "--workers", "--metrics-port", "--leader-elect", "--duration")


def detector_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "examples.pod_detector", *args]


def clean_env() -> dict[str, str]:
    """No in-cluster variables and no KUBECONFIG: the mode is decided by the arguments alone."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KUBERNETES_SERVICE") and k != "KUBECONFIG"}
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.mark.timeout(30)
def test_help_lists_every_option() -> None:
    done = subprocess.run(detector_command("--help"), cwd=REPO, env=clean_env(),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for option in OPTIONS:
        assert option in done.stdout


def test_without_a_cluster_the_demo_defaults_apply() -> None:
    options = options_from_args(build_parser().parse_args([]))
    assert options.duration == 30
    assert options.settings.grace_period == 3
    assert options.metrics_port == 0 and options.metrics_host == "127.0.0.1"
    assert options.settings.scope.namespaces == ()


def test_with_a_kubeconfig_the_cluster_defaults_apply() -> None:
    args = build_parser().parse_args([
        "--kubeconfig", "/nonexistent", "-n", "shop", "--namespace", "payments",
        "--selector", "team=web", "--workers", "4", "--leader-elect",
    ])
    options = options_from_args(args)
    assert options.duration is None
    assert options.settings.grace_period == 30 and options.settings.pending_limit == 300
    assert options.metrics_port == 8080 and options.metrics_host == "0.0.0.0"
    assert options.settings.scope.namespaces == ("shop", "payments")
    assert options.settings.scope.label_selector == "team=web"
    assert options.settings.workers == 4 and options.leader_elect


def test_negative_metrics_port_disables_the_endpoint() -> None:
    options = options_from_args(build_parser().parse_args(["--metrics-port", "-1"]))
    assert options.metrics_port is None


@pytest.mark.parametrize("bad", [["--selector", "a in"], ["--grace-period", "-1"],
                                 ["--workers", "0"], ["--duration", "0"]])
def test_invalid_options_exit_with_usage_error(bad: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(bad)
    assert exc.value.code == 2


@pytest.mark.timeout(60)
def test_ctrl_c_stops_the_demo_cleanly_with_exit_code_0() -> None:
    process = subprocess.Popen(
        detector_command("--duration", "60", "--churn-interval", "0.5"),
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:  # wait until it is really running
        if "churn simulator started" in line:
            break
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()
    assert process.wait(timeout=30) == 0
    assert "SIGINT received: stopping" in rest
    assert "summary after" in rest


@pytest.mark.timeout(60)
async def test_with_kubeconfig_it_runs_against_that_cluster(
    apiserver: ApiServer, apiserver_client: ApiClient, tmp_path: Path
) -> None:
    shop, api_client = apiserver.namespace, apiserver_client
    await create_service(api_client, shop, "web", {"app": "web"})
    await create_pod(api_client, shop, "web-1", {"app": "web"},
                     status=lambda pod: kubelet.image_pull_failure(pod, "ErrImagePull"))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    process = await asyncio.create_subprocess_exec(
        *detector_command("--kubeconfig", str(kubeconfig), "--namespace", shop,
                          "--duration", "2", "--metrics-port", "-1"),
        cwd=REPO, env=clean_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode()
    assert process.returncode == 0, text
    assert "embedded API server" not in text  # no demo: the given cluster only
    assert "reason=ErrImagePull" in text
    events = await events_for(api_client, shop, "Pod", "web-1", "PodUnavailable")
    assert [e["message"].split(":")[0] for e in events] == ["ErrImagePull"]
