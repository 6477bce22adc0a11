"""client-go credential (exec) plugins: run a command, read an ``ExecCredential`` from its stdout.

Follows the ``client.authentication.k8s.io`` protocol (``v1`` and ``v1beta1``): the plugin gets
``KUBERNETES_EXEC_INFO`` (an ``ExecCredential`` with ``spec.interactive=false``, plus
``spec.cluster`` when ``provideClusterInfo`` is set) and prints an ``ExecCredential`` whose
``status`` carries a ``token`` (or a client certificate) and an optional
``expirationTimestamp``. The credential is cached until that timestamp, or until a 401 makes the
client call :meth:`ExecProvider.invalidate`. The plugin's stderr is passed through to ours, as
kubectl does, so its messages reach the user; its stdout is never logged (it holds the token).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from kubeflow_informer.errors import ConfigError

logger = logging.getLogger(__name__)

SUPPORTED_API_VERSIONS = (
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
)
_INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")


@dataclass(frozen=True, repr=False)
class ExecCredential:
    """What a plugin returned; ``expires_at`` is a ``time.time()`` value or ``None`` (no expiry)."""

    token: str | None
    client_cert_data: bytes | None
    client_key_data: bytes | None
    expires_at: float | None

    def __repr__(self) -> str:
        return f"ExecCredential(expires_at={self.expires_at!r}, values hidden)"


class ExecProvider:
    """Runs one kubeconfig ``users[].user.exec`` entry and caches its credential.

    Concurrent callers share one plugin run (a lock), so a burst of requests after expiry starts
    the command once. ``repr`` shows the command and the environment variable *names* only.
    """

    def __init__(
        self,
        *,
        command: str,
        api_version: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        interactive_mode: str = "IfAvailable",
        provide_cluster_info: bool = False,
        cluster_info: Mapping[str, Any] | None = None,
        install_hint: str | None = None,
        source: str | None = None,
        key_prefix: str = "",
        timeout: float = 60.0,
    ) -> None:
        # ``key_prefix`` ("users[u].user.") makes every error name the kubeconfig key in full.
        self.key_prefix = key_prefix
        if api_version not in SUPPORTED_API_VERSIONS:
            raise ConfigError(
                f"exec plugin apiVersion {api_version!r} is not supported "
                f"(use one of {', '.join(SUPPORTED_API_VERSIONS)})",
                path=source,
                key=f"{key_prefix}exec.apiVersion",
            )
        if interactive_mode not in _INTERACTIVE_MODES:
            raise ConfigError(
                f"exec plugin interactiveMode {interactive_mode!r} is not one of "
                f"{', '.join(_INTERACTIVE_MODES)}",
                path=source,
                key=f"{key_prefix}exec.interactiveMode",
            )
        if interactive_mode == "Always":
            # A library never owns a terminal, so a plugin that insists on one cannot run.
            raise ConfigError(
                "exec plugin requires interactiveMode 'Always', but this process is not "
                "interactive",
                path=source,
                key=f"{key_prefix}exec.interactiveMode",
            )
        self.command = command
        self.args = tuple(args)
        self.env = dict(env or {})
        self.api_version = api_version
        self.interactive_mode = interactive_mode
        self.provide_cluster_info = provide_cluster_info
        self.cluster_info = dict(cluster_info or {})
        self.install_hint = install_hint
        self.source = source
        self.timeout = timeout
        self.runs = 0
        self._cached: ExecCredential | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"ExecProvider(command={self.command!r}, args={list(self.args)!r}, "
            f"env_names={sorted(self.env)!r}, api_version={self.api_version!r})"
        )

    def invalidate(self) -> None:
        """Forget the cached credential; the next :meth:`credential` runs the plugin again."""
        self._cached = None

    def _valid(self, credential: ExecCredential | None) -> bool:
        return credential is not None and (
            credential.expires_at is None or credential.expires_at > time.time()
        )

    async def credential(self) -> ExecCredential:
        """The cached credential while it is valid, else the result of a fresh plugin run."""
        cached = self._cached
        if self._valid(cached):
            assert cached is not None
            return cached
        async with self._lock:
            if self._valid(self._cached):
                assert self._cached is not None
                return self._cached
            credential = await self._run()
            self._cached = credential
            return credential

    def _exec_info(self) -> bytes:
        spec: dict[str, Any] = {"interactive": False}
        if self.provide_cluster_info:
            spec["cluster"] = self.cluster_info
        info = {"apiVersion": self.api_version, "kind": "ExecCredential", "spec": spec}
        return orjson.dumps(info)

    async def _run(self) -> ExecCredential:
        env = dict(os.environ)
        env.update(self.env)
        env["KUBERNETES_EXEC_INFO"] = self._exec_info().decode()
        hint = f"; {self.install_hint}" if self.install_hint else ""
        self.runs += 1
        logger.debug("running exec credential plugin %s", self.command)
        try:
            process = await asyncio.create_subprocess_exec(
                self.command,
                *self.args,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=None,
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot start exec plugin {self.command!r}: {exc.strerror or exc}{hint}",
                path=self.source,
                key=f"{self.key_prefix}exec.command",
            ) from None
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ConfigError(
                f"exec plugin {self.command!r} did not finish within {self.timeout:g}s",
                path=self.source,
                key=f"{self.key_prefix}exec.command",
            ) from None
        if process.returncode != 0:
            raise ConfigError(
                f"exec plugin {self.command!r} exited with status {process.returncode}{hint}",
                path=self.source,
                key=f"{self.key_prefix}exec.command",
            )
        return self._parse(stdout)

    def _bad_output(self, what: str) -> ConfigError:
        return ConfigError(
            f"exec plugin {self.command!r} printed an invalid ExecCredential: {what}",
            path=self.source,
            key=f"{self.key_prefix}exec.command",
        )

    def _parse(self, stdout: bytes) -> ExecCredential:
        try:
            document = orjson.loads(stdout)
        except orjson.JSONDecodeError:
            raise self._bad_output("stdout is not JSON") from None
        if not isinstance(document, dict) or document.get("kind") != "ExecCredential":
            raise self._bad_output("kind is not ExecCredential")
        if document.get("apiVersion") != self.api_version:
            raise self._bad_output(
                f"apiVersion {document.get('apiVersion')!r} does not match the configured "
                f"{self.api_version!r}"
            )
        status = document.get("status")
        if not isinstance(status, dict):
            raise self._bad_output("status is missing")
        token = status.get("token")
        cert = status.get("clientCertificateData")
        key = status.get("clientKeyData")
        if token is not None and not isinstance(token, str):
            raise self._bad_output("status.token is not a string")
        if bool(cert) != bool(key):
            raise self._bad_output("clientCertificateData and clientKeyData must come together")
        if not token and not cert:
            raise self._bad_output("status has neither token nor client certificate")
        expires_at = None
        stamp = status.get("expirationTimestamp")
        if stamp:
            try:
                expires_at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
            except ValueError:
                raise self._bad_output("expirationTimestamp is not RFC 3339") from None
        return ExecCredential(
            token=token or None,
            client_cert_data=str(cert).encode() if cert else None,
            client_key_data=str(key).encode() if key else None,
            expires_at=expires_at,
        )


def cluster_info_for_exec(cluster: Mapping[str, Any], ca_data: bytes | None) -> dict[str, Any]:
    """The ``spec.cluster`` an exec plugin receives when ``provideClusterInfo`` is set."""
    info: dict[str, Any] = {"server": cluster.get("server")}
    if ca_data:
        info["certificate-authority-data"] = base64.b64encode(ca_data).decode("ascii")
    for key in ("insecure-skip-tls-verify", "tls-server-name", "proxy-url"):
        if cluster.get(key):
            info[key] = cluster[key]
    extensions = cluster.get("extensions")
    if isinstance(extensions, list):
        for entry in extensions:
            if isinstance(entry, dict) and entry.get("name") == "client.authentication.k8s.io/exec":
                info["config"] = entry.get("extension")
    return info
