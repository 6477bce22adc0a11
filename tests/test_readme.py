"""The README's commands and snippet are run, so they cannot rot.

* ``.ci/run`` must run exactly the README's second command (the one CI runs);
* the first command's module must run the demo and end on its own with exit code 0;
* the ~30-line controller must work against the embedded API server.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from kubeflow_informer.apiserver import EmbeddedApiServer
from kubeflow_informer.client import ApiClient
from kubeflow_informer.errors import NotFound

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
RUN_COMMAND = "pip install -e . && python -m examples.pod_detector --duration 30"
TEST_COMMAND = "pip install -e '.[dev]' && ruff check . && mypy && python -m pytest -q"


def indented_commands() -> list[str]:
    return re.findall(r"^    (pip install .*)$", README, flags=re.MULTILINE)


def python_snippet() -> str:
    section = README.split("## A controller in 30 lines", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None, "the README lost its controller snippet"
    return match.group(1)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KUBERNETES_SERVICE") and k != "KUBECONFIG"}
    env["PYTHONPATH"] = str(REPO)
    return env


def test_readme_starts_with_the_run_and_the_test_commands() -> None:
    assert indented_commands()[:2] == [RUN_COMMAND, TEST_COMMAND]


@pytest.mark.timeout(30)
def test_ci_runs_exactly_the_readme_test_command() -> None:
    """Extract the command the way ``.ci/run`` does, with its own sed line."""
    script = (REPO / ".ci" / "run").read_text()
    [extraction] = [line for line in script.splitlines() if line.startswith("TEST_COMMAND=")]
    assert 'bash -c "$TEST_COMMAND"' in script
    done = subprocess.run(
        ["bash", "-c", f'{extraction}\nprintf "%s" "$TEST_COMMAND"'],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert done.stdout == indented_commands()[1]


@pytest.mark.timeout(90)
def test_first_command_runs_the_demo_and_exits_0() -> None:
    words = shlex.split(RUN_COMMAND.split("&&", 1)[1])
    assert words[:3] == ["python", "-m", "examples.pod_detector"]
    args = [*words[3:words.index("--duration")], "--duration", "3"]
    done = subprocess.run(
        [sys.executable, "-m", words[2], *args], cwd=REPO, env=clean_env(),
        capture_output=True, text=True, timeout=80, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for expected in ("caches synced", "pod-unavailable", "service-degraded", "summary after",
                     "detections"):
        assert expected in output


def runtime_closure(name: str, seen: set[str]) -> set[str]:
    """The distributions ``name`` needs at run time (extras excluded), normalised names."""
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return seen
    seen.add(key)
    try:
        requirements = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return seen
    for requirement in requirements:
        if "extra" in requirement.partition(";")[2]:
            continue
        match = re.match(r"[A-Za-z0-9_.-]+", requirement)
        if match:
            runtime_closure(match.group(0), seen)
    return seen


def runtime_site(target: Path) -> Path:
    """A site directory holding only the runtime dependencies (symlinks to the installed ones),
    what ``pip install -e .`` leaves on a fresh machine (the package itself comes from REPO)."""
    target.mkdir()
    for name in sorted(runtime_closure("kubeflow-informer", set()) - {"kubeflow-informer"}):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for top in {Path(str(f)).parts[0] for f in dist.files or ()}:
            source = Path(str(dist.locate_file(top)))
            if top != ".." and source.exists() and not (target / top).exists():
                (target / top).symlink_to(source)
    return target


@pytest.mark.timeout(90)
def test_first_command_needs_only_the_runtime_dependencies(tmp_path: Path) -> None:
    site = runtime_site(tmp_path / "site")
    env = {**clean_env(), "PYTHONPATH": f"{REPO}{os.pathsep}{site}"}
    done = subprocess.run(
        [sys.executable, "-S", "-m", "examples.pod_detector", "--duration", "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=80, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "summary after" in done.stderr


@pytest.mark.timeout(60)
async def test_readme_controller_works_against_the_embedded_server(tmp_path: Path) -> None:
    script = tmp_path / "welcome.py"
    script.write_text(python_snippet())
    async with EmbeddedApiServer() as server, ApiClient(server.config) as api:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env={**clean_env(), "KUBECONFIG": str(kubeconfig)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await api.resource("v1", "namespaces", namespaced=False).create(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}
            )
            configmap = await _wait_for_configmap(api, "team-a", "welcome")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    log = output.decode()
    for progress in ("v1/namespaces: waiting for the first sync: listing and watching",
                     "v1/configmaps: synced", "controller namespace started 1 workers",
                     "welcomed team-a", "manager stopped"):
        assert progress in log, log
    assert configmap["data"] == {"message": "Welcome to team-a!"}
    [owner] = configmap["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Namespace", "team-a", True)


async def _wait_for_configmap(api: ApiClient, namespace: str, name: str) -> dict[str, object]:
    configmaps = api.resource("v1", "configmaps")
    for _ in range(400):  # bounds a failure at ~20 s; not a performance assertion
        try:
            return await configmaps.get(name, namespace=namespace)
        except NotFound:
            await asyncio.sleep(0.05)
    raise AssertionError(f"the README controller never created {namespace}/{name}")
