"""The standalone embedded API server (``python -m kubeflow_informer apiserver``) for fidelity
tests: one subprocess per test module, reached through the kubeconfig it writes, exactly as a
user points kubectl or the official client at it. Each test works in its own namespace."""

from __future__ import annotations

import contextlib
import itertools
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Standalone:
    url: str
    kubeconfig: Path
    home: Path


def read_url(process: subprocess.Popen[bytes], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError("the standalone server did not print its URL")
    return process.stdout.readline().decode().strip()


@contextlib.contextmanager
def launch_standalone(home: Path, *options: str) -> Iterator[Standalone]:
    """Run ``python -m kubeflow_informer apiserver --port 0 <options>`` until the block ends
    (SIGTERM, which must exit 0), with its kubeconfig in ``home``."""
    kubeconfig = home / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "kubeflow_informer", "apiserver", "--port", "0",
         "--kubeconfig-out", str(kubeconfig), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = read_url(process, 30)
        scheme = "https" if "--tls" in options or "--rbac" in options else "http"
        assert url.startswith(f"{scheme}://127.0.0.1:"), url
        yield Standalone(url, kubeconfig, home)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    with launch_standalone(tmp_path_factory.mktemp("fidelity-home")) as server:
        yield server


_namespaces = itertools.count(1)


@pytest.fixture
def namespace_name() -> str:
    """A namespace name unique within the session (created by the test's own tool)."""
    return f"fidelity-{os.getpid()}-{next(_namespaces)}"
