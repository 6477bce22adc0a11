"""What a user's project gets from ``pip install 'kubeflow-informer[testing]'``: the extra's
packages, the plugin found without a conftest, docs/testing.md's pytest.ini without warnings,
and without pytest-asyncio a clear failure instead of an import error.

Each case runs pytest in a fresh process on a project in a temporary folder, outside the
checkout, finding the package the way a user's venv does (installed, no PYTHONPATH).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTING_DOC = (REPO / "docs" / "testing.md").read_text()
pytestmark = pytest.mark.timeout(120)

USER_TEST = '''
from kubeflow_informer import eventually


async def test_a_configmap_round_trip(embedded_apiserver, api_client):
    configmaps = api_client.resource("v1", "configmaps")
    await configmaps.create({"metadata": {"name": "c"}, "data": {"k": "v"}}, namespace="default")
    found = await eventually(lambda: configmaps.get("c", namespace="default"))
    assert found["data"] == {"k": "v"}
'''


def documented_pytest_ini() -> str:
    match = re.search(r"```ini\n# pytest.ini\n(.*?)```", TESTING_DOC, re.DOTALL)
    assert match is not None, "docs/testing.md lost its pytest.ini"
    return match.group(1)


def run_pytest(project: Path, *args: str, pythonpath: str | None = None
               ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         *args], cwd=project, env=env, capture_output=True, text=True, timeout=110, check=False,
    )


def test_the_testing_extra_brings_pytest_pytest_asyncio_and_pytest_timeout() -> None:
    requirements = metadata.requires("kubeflow-informer") or []
    testing = {re.match(r"[\w-]+", r).group(0).lower()  # type: ignore[union-attr]
               for r in requirements if 'extra == "testing"' in r}
    assert {"pytest", "pytest-asyncio", "pytest-timeout"} <= testing


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    [entry] = [e for e in metadata.entry_points(group="pytest11") if e.name == "kubeflow_informer"]
    assert entry.value == "kubeflow_informer.testing.fixtures"


def test_a_project_with_the_documented_pytest_ini_gets_the_fixtures_without_warnings(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text(documented_pytest_ini())
    (tmp_path / "test_user.py").write_text(USER_TEST)
    done = run_pytest(tmp_path, "-W", "error")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "1 passed" in done.stdout
    assert "warning" not in output.lower()


def test_without_pytest_asyncio_the_fixtures_fail_saying_what_to_install(tmp_path: Path) -> None:
    shim = tmp_path / "shim" / "pytest_asyncio"
    shim.mkdir(parents=True)  # stands for an environment where pytest-asyncio is not installed
    (shim / "__init__.py").write_text('raise ImportError("No module named \'pytest_asyncio\'")\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_user.py").write_text(textwrap.dedent('''
        def test_not_using_the_fixtures():
            assert True


        def test_using_a_fixture(embedded_apiserver):
            assert embedded_apiserver
    '''))
    done = run_pytest(project, "-p", "no:asyncio", pythonpath=str(tmp_path / "shim"))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "1 passed, 1 error" in done.stdout, output  # the fixture fails at setup
    assert ("the kubeflow_informer fixtures are async and need pytest-asyncio: "
            "pip install 'kubeflow-informer[testing]'") in output
    assert "ModuleNotFoundError" not in output and "Traceback" not in output
