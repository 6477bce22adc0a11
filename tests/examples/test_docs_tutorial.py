"""docs/writing-controllers.md: the tutorial's complete files are a working, tested project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "writing-controllers.md"
FILE_BLOCK = re.compile(r"<!-- file: (?P<name>[\w.]+) -->\n```\w*\n(?P<body>.*?)```", re.DOTALL)


def tutorial_files() -> dict[str, str]:
    return {m["name"]: m["body"] for m in FILE_BLOCK.finditer(TUTORIAL.read_text())}


def test_tutorial_ships_the_controller_its_test_and_their_configuration() -> None:
    assert set(tutorial_files()) == {"exposer.py", "conftest.py", "pytest.ini",
                                     "test_exposer.py"}


@pytest.mark.timeout(90)
def test_tutorial_test_passes_against_the_embedded_server(tmp_path: Path) -> None:
    for name, body in tutorial_files().items():
        (tmp_path / name).write_text(body)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=80, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
