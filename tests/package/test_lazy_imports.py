"""Importing one layer loads only that layer: never the embedded API server nor aiohttp.web.

Each case runs in a fresh interpreter, because the test process has long imported everything.
"""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

_PROBE = """
import sys, orjson
import {module}
loaded = sorted(m for m in sys.modules if m.startswith(("kubeflow_informer", "aiohttp")))
print(orjson.dumps(loaded).decode())
"""


def _loaded_after_import(module: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = orjson.loads(done.stdout)
    return loaded


@pytest.mark.parametrize(
    "module",
    [
        "kubeflow_informer",
        "kubeflow_informer.cache.delta_fifo",
        "kubeflow_informer.cache",
        "kubeflow_informer.client",
        "kubeflow_informer.workqueue",
        "kubeflow_informer.config",
        "kubeflow_informer.controller",
    ],
)
def test_importing_a_layer_loads_neither_the_embedded_server_nor_aiohttp_web(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert [m for m in loaded if m.startswith("kubeflow_informer.apiserver")] == []
    assert "aiohttp.web" not in loaded


def test_the_bare_package_import_loads_no_layer_at_all() -> None:
    loaded = _loaded_after_import("kubeflow_informer")
    assert loaded == ["kubeflow_informer", "kubeflow_informer._version"]


def test_top_level_names_load_on_first_access() -> None:
    import kubeflow_informer

    assert kubeflow_informer.Manager.__module__ == "kubeflow_informer.controller.manager"
    assert "Manager" in dir(kubeflow_informer)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = kubeflow_informer.Nope  # type: ignore[attr-defined]


def test_every_name_in_all_resolves() -> None:
    import kubeflow_informer

    for name in kubeflow_informer.__all__:
        assert getattr(kubeflow_informer, name) is not None, name
