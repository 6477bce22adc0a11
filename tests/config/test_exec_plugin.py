"""Exec credential plugins (v1 and v1beta1): run, cache until expiry, re-run, fail clearly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kubeflow_informer.config import exec_plugin as exec_module
from kubeflow_informer.config import load_kubeconfig
from kubeflow_informer.errors import ConfigError

from .conftest import simple, write, write_plugin

pytestmark = pytest.mark.timeout(60)

# The plugin counts its runs in a file and echoes what it received, so tests can check both.
PLUGIN = """
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
counter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")
runs = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
open(counter, "w").write(str(runs))
status = {"token": f"exec-token-{runs}-{os.environ.get('GREETING', '')}-"
                   f"{info['spec']['interactive']}"}
if os.environ.get("EXPIRES"):
    status["expirationTimestamp"] = os.environ["EXPIRES"]
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": status}))
"""


def exec_user(api_version: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": api_version, "command": "./plugin.py",
                            "env": [{"name": "GREETING", "value": "hi"}]}
    if api_version.endswith("/v1"):
        body["interactiveMode"] = "Never"
    body.update(extra)
    return {"exec": body}


@pytest.mark.parametrize("version", ["client.authentication.k8s.io/v1",
                                     "client.authentication.k8s.io/v1beta1"])
async def test_plugin_token_is_used(tmp_path: Path, version: str) -> None:
    write_plugin(tmp_path / "plugin.py", PLUGIN)
    config = load_kubeconfig(write(tmp_path / "config", simple(user=exec_user(version))))
    assert await config.authorization() == "Bearer exec-token-1-hi-False"


async def test_credential_is_cached_until_expiration_then_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_plugin(tmp_path / "plugin.py", PLUGIN)
    user = exec_user("client.authentication.k8s.io/v1",
                     env=[{"name": "EXPIRES", "value": "2030-01-01T00:00:00Z"}])
    config = load_kubeconfig(write(tmp_path / "config", simple(user=user)))
    first = await config.authorization()
    assert await config.authorization() == first  # cached: no second run
    assert config.exec_provider is not None and config.exec_provider.runs == 1
    after_expiry = time.time() + 10 * 365 * 24 * 3600
    monkeypatch.setattr(exec_module.time, "time", lambda: after_expiry)
    assert (await config.authorization() or "").startswith("Bearer exec-token-2")


async def test_invalidate_reruns_the_plugin(tmp_path: Path) -> None:
    write_plugin(tmp_path / "plugin.py", PLUGIN)
    config = load_kubeconfig(write(tmp_path / "config", simple(
        user=exec_user("client.authentication.k8s.io/v1beta1"))))
    await config.authorization()
    config.invalidate_credentials()  # what the client does after a 401
    assert (await config.authorization() or "").startswith("Bearer exec-token-2")


async def test_cluster_info_is_provided_when_asked(tmp_path: Path) -> None:
    write_plugin(tmp_path / "plugin.py", """
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
token = info["spec"]["cluster"]["server"].replace("https://", "").replace(":", "-")
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential",
                  "status": {"token": token}}))
""")
    user = exec_user("client.authentication.k8s.io/v1", provideClusterInfo=True)
    config = load_kubeconfig(write(tmp_path / "config", simple(user=user)))
    assert await config.authorization() == "Bearer k8s.example-6443"


async def test_failing_plugin_gives_config_error(tmp_path: Path) -> None:
    write_plugin(tmp_path / "plugin.py", "sys.exit(3)")
    user = exec_user("client.authentication.k8s.io/v1", installHint="install plugin.py")
    config = load_kubeconfig(write(tmp_path / "config", simple(user=user)))
    with pytest.raises(ConfigError, match=r"exited with status 3; install plugin\.py"):
        await config.authorization()


async def test_plugin_printing_garbage_gives_config_error(tmp_path: Path) -> None:
    write_plugin(tmp_path / "plugin.py", "print('hello, not json')")
    config = load_kubeconfig(write(tmp_path / "config", simple(
        user=exec_user("client.authentication.k8s.io/v1"))))
    with pytest.raises(ConfigError, match="not JSON"):
        await config.authorization()


async def test_plugin_with_wrong_api_version_in_output(tmp_path: Path) -> None:
    write_plugin(tmp_path / "plugin.py", """
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1",
                  "kind": "ExecCredential", "status": {"token": "t"}}))
""")
    config = load_kubeconfig(write(tmp_path / "config", simple(
        user=exec_user("client.authentication.k8s.io/v1"))))
    with pytest.raises(ConfigError, match="does not match"):
        await config.authorization()


async def test_missing_plugin_command(tmp_path: Path) -> None:
    config = load_kubeconfig(write(tmp_path / "config", simple(
        user=exec_user("client.authentication.k8s.io/v1"))))
    with pytest.raises(ConfigError, match="cannot start exec plugin"):
        await config.authorization()


def test_v1_plugin_requires_interactive_mode(tmp_path: Path) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "x"}}
    with pytest.raises(ConfigError, match="interactiveMode"):
        load_kubeconfig(write(tmp_path / "config", simple(user=user)))


def test_unsupported_plugin_api_version(tmp_path: Path) -> None:
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "x"}}
    with pytest.raises(ConfigError, match="not supported") as caught:
        load_kubeconfig(write(tmp_path / "config", simple(user=user)))
    assert caught.value.key == "users[u].user.exec.apiVersion"
