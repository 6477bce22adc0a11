"""A real Kubernetes control plane for tests: etcd, kube-apiserver and, optionally, the
kube-controller-manager, started from local binaries (controller-runtime envtest's counterpart).

Contract:

* The binaries come from an explicit directory or from ``$KUBEBUILDER_ASSETS`` (envtest's
  convention: the folder holding ``etcd``, ``kube-apiserver`` and ``kube-controller-manager``).
  Missing binaries raise :class:`EnvtestError` saying how to get them.
* Every process binds free ports on 127.0.0.1 and keeps its files (data, certificates, token
  file, logs) in one private temporary directory, removed on stop.
* The apiserver serves HTTPS with a CA and a serving certificate generated here (with
  ``cryptography``), authenticates one admin bearer token in ``system:masters`` and authorizes
  with RBAC, as a real cluster does. :attr:`ControlPlane.config` is a :class:`Config` for that
  admin; :meth:`ControlPlane.write_kubeconfig` writes a kubeconfig kubectl can use.
* Each process runs in a process group of its own and is asked (``PR_SET_PDEATHSIG``) to be
  killed when this process dies, so neither a crash, ``kill -9`` of the test runner nor a Ctrl-C
  leaves an orphan. :meth:`stop` (and leaving the ``async with``) terminates every group; an
  ``atexit`` hook does it for a control plane that was never stopped.
* A server that exits or is not ready within ``startup_timeout`` raises :class:`EnvtestError`
  whose message carries the last lines of that process's log.

Differences from controller-runtime's envtest: no CRD installation or webhook server (create CRDs
through the client); one admin token instead of a client certificate; the controller manager is
opt-in, for the garbage collector and namespace deletion that a bare apiserver lacks.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from kubeflow_informer.config import Config
from kubeflow_informer.config.kubeconfig import write_kubeconfig
from kubeflow_informer.errors import KubeflowInformerError

__all__ = [
    "ASSETS_ENV",
    "GET_BINARIES_HINT",
    "ControlPlane",
    "EnvtestError",
    "find_assets",
]

logger = logging.getLogger(__name__)

ASSETS_ENV = "KUBEBUILDER_ASSETS"
GET_BINARIES_HINT = (
    "set KUBEBUILDER_ASSETS to a folder holding etcd and kube-apiserver (and "
    "kube-controller-manager): `setup-envtest use -p path` from controller-runtime prints one "
    "(go install sigs.k8s.io/controller-runtime/tools/setup-envtest@latest), or put any etcd "
    "3.5+ and kube-apiserver release binaries in a folder"
)

ADMIN_USER = "envtest-admin"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
#: Controllers of kube-controller-manager that make sense without nodes or a kubelet.
GARBAGE_COLLECTOR = "garbage-collector-controller"
NAMESPACE = "namespace-controller"
#: Fills the rules of aggregated ClusterRoles (admin, edit, view), as on every real cluster.
CLUSTER_ROLE_AGGREGATION = "clusterrole-aggregation-controller"
_SERVICE_ACCOUNT_CONTROLLERS = ("serviceaccount-controller", "serviceaccount-token-controller")

_PR_SET_PDEATHSIG = 1
_STOP_GRACE = 3.0
_LOG_TAIL_LINES = 30


class EnvtestError(KubeflowInformerError):
    """The control plane could not be started: binaries missing, or a server never ready."""


def find_assets(directory: str | os.PathLike[str] | None = None, *,
                controller_manager: bool = False) -> Path:
    """The folder holding the binaries: ``directory``, else ``$KUBEBUILDER_ASSETS``.

    Raises :class:`EnvtestError` naming what is missing and how to get it.
    """
    source = "the directory given"
    if directory is None:
        value = os.environ.get(ASSETS_ENV)
        if not value:
            raise EnvtestError(f"{ASSETS_ENV} is not set: {GET_BINARIES_HINT}")
        directory, source = value, f"{ASSETS_ENV}={value}"
    path = Path(directory).expanduser()
    wanted = ["etcd", "kube-apiserver"]
    if controller_manager:
        wanted.append("kube-controller-manager")
    missing = [name for name in wanted if not os.access(path / name, os.X_OK)]
    if missing:
        raise EnvtestError(
            f"{', '.join(missing)} not found (or not executable) in {path} ({source}): "
            f"{GET_BINARIES_HINT}"
        )
    return path


def _free_ports(count: int = 1) -> list[int]:
    """``count`` distinct ports nothing listens on now, chosen by the kernel.

    The probe sockets stay open until all are chosen: a port freed by one probe could otherwise
    be handed to the next. Another process may still take one before the server binds, which
    the apiserver start answers by retrying.
    """
    probes = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _die_with_parent(parent_pid: int) -> None:
    """In the child, before exec: get SIGKILL when the parent dies (Linux), or exit now if it
    already has. Best effort elsewhere: the process group is still stopped by :meth:`stop`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


@dataclass
class _Process:
    """One started binary, its log and its process group."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def failure(self, what: str) -> EnvtestError:
        code = self.popen.poll()
        exited = f" (exited with code {code})" if code is not None else ""
        return EnvtestError(
            f"{self.name} {what}{exited}; last lines of {self.log_path}:\n{_tail(self.log_path)}"
        )

    def terminate(self, grace: float = _STOP_GRACE) -> None:
        """SIGTERM the group, SIGKILL it after ``grace`` seconds, reap the child."""
        for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signum)
            try:
                self.popen.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group may outlive its leader (a binary that forked): make sure it is gone.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


_live: set[ControlPlane] = set()
_live_lock = threading.Lock()


@atexit.register
def _stop_leftovers() -> None:
    with _live_lock:
        leftovers = list(_live)
    for plane in leftovers:
        plane.stop()


class ControlPlane:
    """etcd + kube-apiserver (+ kube-controller-manager) on loopback, for tests and demos.

    ``async with ControlPlane() as plane:`` (or ``plane.start()`` / ``plane.stop()`` from sync
    code, such as a session-scoped pytest fixture) gives a ready server::

        async with ControlPlane(controllers=["garbage-collector-controller"]) as plane:
            async with ApiClient(plane.config) as api:
                ...

    ``controllers`` names kube-controller-manager controllers to run (none by default:
    no controller manager is started); ``etcd_compaction_interval`` is passed to the apiserver
    (``"0"`` turns its own compaction off); ``apiserver_args`` adds or overrides flags
    (``--name=value``). The instance may be shared by many tests: give each its own namespace.
    """

    def __init__(
        self,
        assets: str | os.PathLike[str] | None = None,
        *,
        controllers: Iterable[str] = (),
        etcd_compaction_interval: str | None = None,
        apiserver_args: Sequence[str] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        self.controllers = tuple(controllers)
        self.assets = find_assets(assets, controller_manager=bool(self.controllers))
        self.etcd_compaction_interval = etcd_compaction_interval
        self.apiserver_args = tuple(apiserver_args)
        self.startup_timeout = startup_timeout
        self._processes: list[_Process] = []
        self._directory: Path | None = None
        self._token = ""
        self._ca_pem = b""
        self._url = ""
        self._etcd_url = ""
        self.startup_seconds = 0.0

    def __repr__(self) -> str:
        state = self._url or "stopped"
        return f"ControlPlane({state}, assets={str(self.assets)!r}, controllers={self.controllers})"

    # -- what a test uses --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT`` of the apiserver (empty before :meth:`start`)."""
        return self._url

    @property
    def etcd_url(self) -> str:
        """The etcd client URL, for tests that compact or inspect the storage directly."""
        return self._etcd_url

    @property
    def config(self) -> Config:
        """A :class:`Config` for the admin user (``system:masters``)."""
        self._require_running()
        return Config(server=self._url, ca_data=self._ca_pem, token=self._token)

    @property
    def directory(self) -> Path:
        """The private temporary directory holding data, certificates and logs."""
        self._require_running()
        assert self._directory is not None
        return self._directory

    def log_path(self, name: str) -> Path:
        """The log file of ``"etcd"``, ``"kube-apiserver"`` or ``"kube-controller-manager"``."""
        return self.directory / f"{name}.log"

    def write_kubeconfig(self, path: str | os.PathLike[str], *, namespace: str = "default"
                         ) -> Path:
        """Write a kubeconfig for the admin user to ``path`` (mode 0600: it holds the token)."""
        return write_kubeconfig(self.config, path, context="envtest", namespace=namespace)

    def compact_etcd(self) -> int:
        """Compact etcd up to its current revision, as the apiserver's periodic compaction
        would; returns that revision. Older resourceVersions then answer 410 wherever the
        apiserver reads etcd (its watch cache keeps its own window)."""
        status = self._etcd_post("/v3/maintenance/status", {})
        revision = int(status["header"]["revision"])
        self._etcd_post("/v3/kv/compaction", {"revision": str(revision), "physical": True})
        return revision

    # -- life cycle -----------------------------------------------------------------------

    async def __aenter__(self) -> ControlPlane:
        # The processes are forked from this (the loop's) thread: PR_SET_PDEATHSIG follows the
        # forking thread, so a worker thread must not start them. Only the waits run in one.
        self._spawn_all_then(wait=False)
        try:
            await asyncio.to_thread(self._wait_all_ready)
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.shield(asyncio.to_thread(self.stop))

    def start(self) -> ControlPlane:
        """Start every process and wait until the apiserver is ready (blocking)."""
        self._spawn_all_then(wait=True)
        return self

    def stop(self) -> None:
        """Stop every process this control plane started and remove its directory. Idempotent."""
        with _live_lock:
            _live.discard(self)
        processes, self._processes = self._processes, []
        for process in reversed(processes):  # controller manager, apiserver, then etcd
            process.terminate()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
        self._url = ""

    # -- internals ------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self._url:
            raise EnvtestError("the control plane is not running: start() it first")

    def _spawn_all_then(self, *, wait: bool) -> None:
        if self._url:
            raise EnvtestError("the control plane is already running")
        self._started_at = time.monotonic()
        self._directory = Path(tempfile.mkdtemp(prefix="kubeflow-informer-envtest-"))
        os.chmod(self._directory, 0o700)
        with _live_lock:
            _live.add(self)
        try:
            self._write_credentials()
            self._start_etcd()
            self._start_apiserver()
            if wait:
                self._wait_all_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_all_ready(self) -> None:
        deadline = self._started_at + self.startup_timeout
        self._wait_for_apiserver(deadline)
        if self.controllers:
            self._start_controller_manager()
            self._wait_for_controller_manager(deadline)
        self.startup_seconds = time.monotonic() - self._started_at
        logger.info("control plane ready at %s in %.1f s (controllers: %s)", self._url,
                    self.startup_seconds, ", ".join(self.controllers) or "none")

    def _write_credentials(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        from kubeflow_informer.apiserver.tls import generate_tls_material

        directory = self._dir
        material = generate_tls_material()
        self._ca_pem = material.ca_pem
        self._write(directory / "ca.crt", material.ca_pem)
        self._write(directory / "apiserver.crt", material.cert_pem + material.ca_pem)
        self._write(directory / "apiserver.key", material.key_pem)
        # Service-account tokens are signed with RSA (the apiserver's issuer supports RS256).
        sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._write(directory / "sa.key", sa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        self._write(directory / "sa.pub", sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        self._token = secrets.token_urlsafe(32)
        self._write(directory / "tokens.csv",
                    f'{self._token},{ADMIN_USER},{ADMIN_USER}-uid,"system:masters"\n'.encode())

    @property
    def _dir(self) -> Path:
        assert self._directory is not None
        return self._directory

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def _spawn(self, name: str, args: list[str]) -> _Process:
        log_path = self._dir / f"{name}.log"
        parent = os.getpid()
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                [str(self.assets / name), *args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._dir,
                start_new_session=True,  # its own process group, out of the terminal's Ctrl-C
                preexec_fn=lambda: _die_with_parent(parent),
            )
        process = _Process(name, popen, log_path)
        self._processes.append(process)
        return process

    def _start_etcd(self) -> None:
        client, peer = _free_ports(2)
        self._etcd_url = f"http://127.0.0.1:{client}"
        self._spawn("etcd", [
            f"--data-dir={self._dir / 'etcd'}",
            f"--listen-client-urls={self._etcd_url}",
            f"--advertise-client-urls={self._etcd_url}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync",
            "--log-level=warn",
        ])

    def _apiserver_flags(self, port: int) -> list[str]:
        directory = self._dir
        flags = {
            "--etcd-servers": self._etcd_url,
            "--bind-address": "127.0.0.1",
            "--advertise-address": "127.0.0.1",
            "--secure-port": str(port),
            "--tls-cert-file": str(directory / "apiserver.crt"),
            "--tls-private-key-file": str(directory / "apiserver.key"),
            "--client-ca-file": str(directory / "ca.crt"),
            "--token-auth-file": str(directory / "tokens.csv"),
            "--authorization-mode": "RBAC",
            "--service-account-issuer": "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file": str(directory / "sa.pub"),
            "--service-account-signing-key-file": str(directory / "sa.key"),
            "--service-cluster-ip-range": SERVICE_CLUSTER_IP_RANGE,
            "--endpoint-reconciler-type": "none",  # a loopback IP is refused in Endpoints
            "--allow-privileged": "true",
        }
        if not set(_SERVICE_ACCOUNT_CONTROLLERS) <= set(self.controllers):
            # Without the service-account controller no `default` ServiceAccount appears and the
            # admission plugin would refuse every pod.
            flags["--disable-admission-plugins"] = "ServiceAccount"
        if self.etcd_compaction_interval is not None:
            flags["--etcd-compaction-interval"] = self.etcd_compaction_interval
        for arg in self.apiserver_args:
            key, _, value = arg.partition("=")
            flags[key] = value
        return [f"{key}={value}" for key, value in flags.items()]

    def _start_apiserver(self) -> None:
        (port,) = _free_ports()
        self._apiserver_port = port
        self._apiserver = self._spawn("kube-apiserver", self._apiserver_flags(port))

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self._ca_pem.decode())
        return context

    def _probe(self, url: str, context: ssl.SSLContext, token: str | None) -> bool:
        request = urllib.request.Request(url)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=2, context=context) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _wait_for_apiserver(self, deadline: float, retries: int = 2) -> None:
        url = f"https://127.0.0.1:{self._apiserver_port}"
        context = self._ssl_context()
        process = self._apiserver
        etcd = self._processes[0]
        while True:
            if etcd.popen.poll() is not None:
                raise etcd.failure("stopped before the apiserver became ready")
            if process.popen.poll() is not None:
                if retries > 0 and "address already in use" in _tail(process.log_path, 200):
                    # The free port was taken between the probe and the bind: try another.
                    logger.info("kube-apiserver port %d was taken; retrying", self._apiserver_port)
                    self._processes.remove(process)
                    self._start_apiserver()
                    process, retries = self._apiserver, retries - 1
                    continue
                raise process.failure("exited before it became ready")
            if self._probe(f"{url}/readyz", context, self._token):
                break
            if time.monotonic() > deadline:
                raise process.failure(f"was not ready within {self.startup_timeout:g} s")
            time.sleep(0.1)
        self._url = url

    def _start_controller_manager(self) -> None:
        directory = self._dir
        kubeconfig = str(self.write_kubeconfig(directory / "admin.kubeconfig"))
        (self._controller_manager_port,) = _free_ports()
        args = [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={self._controller_manager_port}",
            f"--cert-dir={directory / 'kcm-certs'}",
            "--leader-elect=false",
            "--use-service-account-credentials=false",
            "--authentication-skip-lookup=true",
            f"--controllers={','.join(self.controllers)}",
            # Resync the GC's view of the discovery quickly, so CRDs created by a test are seen.
            "--concurrent-gc-syncs=20",
        ]
        if set(_SERVICE_ACCOUNT_CONTROLLERS) & set(self.controllers):
            args += [f"--service-account-private-key-file={directory / 'sa.key'}",
                     f"--root-ca-file={directory / 'ca.crt'}"]
        self._controller_manager = self._spawn("kube-controller-manager", args)

    def _wait_for_controller_manager(self, deadline: float) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # its self-signed serving certificate, on loopback
        url = f"https://127.0.0.1:{self._controller_manager_port}/healthz"
        process = self._controller_manager
        while not self._probe(url, context, None):
            if process.popen.poll() is not None:
                raise process.failure("exited before it became healthy")
            if time.monotonic() > deadline:
                raise process.failure(f"was not healthy within {self.startup_timeout:g} s")
            time.sleep(0.1)

    def _etcd_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self._etcd_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
        return result
