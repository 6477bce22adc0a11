"""A user's own code, outside the checkout, type-checks against the installed package.

After ``pip install -e .`` mypy must find ``kubeflow_informer`` and its types (``py.typed``):
setuptools' default editable install is an import hook mypy cannot follow, so pyproject.toml
maps the package root explicitly, which makes the editable install a plain path entry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

USER_CODE = '''
from kubeflow_informer import Controller, For, Manager, Reconciler, Request, Result


class Mine(Reconciler):
    async def reconcile(self, request: Request) -> Result | None:
        return Result(requeue_after=5.0)


def build(manager: Manager) -> Controller:
    return manager.add(Controller(Mine(), for_=For("v1", "configmaps")))


WRONG: int = Request("ns", "name")  # the one error mypy must report: the types are real
'''


@pytest.mark.timeout(120)
def test_mypy_finds_the_package_from_a_project_outside_the_checkout(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(USER_CODE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "mine.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110, check=False,
    )
    output = done.stdout + done.stderr
    assert "Cannot find implementation or library stub" not in output, output
    assert "mine.py:14: error: Incompatible types in assignment" in output, output
    assert "Found 1 error in 1 file" in output, output
