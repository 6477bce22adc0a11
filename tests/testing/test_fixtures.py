"""The plugin's fixtures: one ``apiserver`` fixture, two servers, a namespace per test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.testing import ApiServer
from kubeflow_informer.testing.envtest import ASSETS_ENV

SEEN: dict[str, str] = {}


async def test_each_server_gives_a_namespace_of_the_test_s_own(apiserver: ApiServer,
                                                               apiserver_client: ApiClient,
                                                               request: pytest.FixtureRequest
                                                               ) -> None:
    assert request.node.callspec.id == apiserver.kind
    assert (apiserver.kind == "real") == (request.node.get_closest_marker("real_apiserver")
                                          is not None)
    namespace = await apiserver_client.resource("v1", "namespaces", namespaced=False).get(
        apiserver.namespace)
    assert namespace["status"]["phase"] == "Active"
    created = await apiserver_client.resource("v1", "configmaps").create(
        {"metadata": {"name": "c"}, "data": {"k": "v"}}, namespace=apiserver.namespace)
    assert created["metadata"]["namespace"] == apiserver.namespace
    assert apiserver.namespace not in SEEN.values()
    SEEN[apiserver.kind] = apiserver.namespace
    assert (apiserver.embedded is None) == apiserver.is_real


def _run_pytest(tmp_path: Path, env_update: dict[str, str | None], source: str = """
        async def test_x(apiserver):
            assert apiserver.namespace
    """) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_x.py").write_text(textwrap.dedent(source))
    env = dict(os.environ)
    for key, value in env_update.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "-o", "asyncio_mode=auto", str(tmp_path / "test_x.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


def test_without_binaries_real_cases_skip_saying_how_to_get_them(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, {ASSETS_ENV: None, "CI": None})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "KUBEBUILDER_ASSETS is not set" in result.stdout
    assert "setup-envtest" in result.stdout


def test_under_ci_missing_binaries_fail_instead_of_skipping(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, {ASSETS_ENV: None, "CI": "true"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 error" in result.stdout
    assert "CI=true and no real kube-apiserver" in result.stdout


def test_embedded_differs_makes_the_embedded_case_a_strict_xfail(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, {ASSETS_ENV: None, "CI": None}, source="""
        import pytest

        @pytest.mark.embedded_differs("the embedded server answers otherwise")
        async def test_differs(apiserver):
            assert apiserver.is_real

        @pytest.mark.embedded_differs("fixed meanwhile")
        async def test_fixed(apiserver):
            pass
    """)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 2 skipped, 1 xfailed" in result.stdout
    assert "[XPASS(strict)] embedded server differs: fixed meanwhile" in result.stdout


@pytest.mark.control_plane(apiserver_args=["--watch-cache=false"])
async def test_control_plane_marker_gives_the_real_case_a_dedicated_plane(
    apiserver: ApiServer, control_plane: object
) -> None:
    if apiserver.is_real:
        assert apiserver.control_plane is not control_plane
        assert "--watch-cache=false" in apiserver.control_plane.apiserver_args
    else:
        assert apiserver.control_plane is None



def test_embedded_apiserver_options_set_a_directory_s_defaults(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.fixture
        def embedded_apiserver_options():
            return {"seed": 5, "bookmark_interval": 0.5}
    """))
    result = _run_pytest(tmp_path, {ASSETS_ENV: None, "CI": None}, source="""
        import pytest

        async def test_default(embedded_apiserver):
            assert embedded_apiserver.seed == 5

        @pytest.mark.embedded_apiserver(seed=9)
        async def test_marker_wins(apiserver):
            assert apiserver.embedded.seed == 9
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 1 skipped" in result.stdout
