"""The :class:`Config` value: where the API server is and how to authenticate to it.

A ``Config`` is produced by the loaders (kubeconfig, in-cluster) or by hand (the embedded API
server builds one) and consumed by :class:`~kubeflow_informer.client.ApiClient`. It holds
credentials, so its ``repr`` names which credentials are present but never shows them.
"""

from __future__ import annotations

import base64
import logging
import os
import ssl
import tempfile
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from kubeflow_informer._version import __version__
from kubeflow_informer.config.files import decode_text, read_file
from kubeflow_informer.errors import ConfigError

if TYPE_CHECKING:
    from kubeflow_informer.config.exec_plugin import ExecProvider

logger = logging.getLogger(__name__)

DEFAULT_QPS = 50.0
DEFAULT_BURST = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_USER_AGENT = f"kubeflow-informer/{__version__}"

_SECRET_FIELDS = frozenset({"client_key_data", "token", "password", "client_cert_data"})


class TokenFile:
    """A bearer token kept in a file that is re-read whenever the file changes.

    Bound service-account tokens are rotated by the kubelet (an atomic symlink swap), so the file
    is ``stat``-ed on every use and read again when its inode, size or mtime differ. A ``stat`` is
    one cheap syscall per request (never per watch event). :meth:`invalidate` forces a re-read,
    used after the server answered 401.
    """

    __slots__ = ("_signature", "_token", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._signature: tuple[int, int, int] | None = None
        self._token: str | None = None

    def __repr__(self) -> str:
        return f"TokenFile(path={self.path!r})"

    def invalidate(self) -> None:
        """Forget the cached token so the next :meth:`token` reads the file again."""
        self._signature = None

    def token(self) -> str:
        """The current token; raises :class:`ConfigError` when the file is unreadable or empty."""
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise ConfigError(
                f"cannot read token file: {exc.strerror or type(exc).__name__}",
                path=self.path,
                key="tokenFile",
            ) from None
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if signature == self._signature and self._token is not None:
            return self._token
        data = read_file(self.path, what="token file", key="tokenFile")
        token = decode_text(data, what="token file", path=self.path, key="tokenFile").strip()
        # A newline inside the token would split the Authorization header. (Imported here:
        # config.values builds on this module.)
        from kubeflow_informer.config.values import check_printable

        check_printable(token, path=self.path, key="tokenFile")
        if not token:
            raise ConfigError("token file is empty", path=self.path, key="tokenFile")
        if self._token is not None and token != self._token:
            logger.debug("token file %s changed; using the new token", self.path)
        self._token = token
        self._signature = signature
        return token


@dataclass(eq=False)
class Config:
    """Connection settings for one API server.

    Contract:

    * ``server`` is the base URL (``https://host:port``, optionally with a path prefix).
    * Certificates and keys are PEM ``bytes`` (already decoded from the kubeconfig's base64).
    * ``qps``/``burst`` configure the client-side rate limiter (``qps=0`` disables it);
      ``timeout`` is the per-request timeout in seconds for everything except watches and
      followed logs, which have no total timeout.
    * ``repr`` lists the non-secret fields and only *which* secret fields are set.
    * :meth:`authorization` gives the ``Authorization`` header value for the next request, and
      :meth:`invalidate_credentials` drops cached credentials (token file, exec plugin) after a
      401 so the next call fetches fresh ones.
    """

    server: str
    ca_data: bytes | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None
    token: str | None = None
    token_file: str | None = None
    username: str | None = None
    password: str | None = None
    exec_provider: ExecProvider | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    namespace: str = "default"
    qps: float = DEFAULT_QPS
    burst: int = DEFAULT_BURST
    timeout: float | None = DEFAULT_TIMEOUT
    user_agent: str = DEFAULT_USER_AGENT
    _token_source: TokenFile | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.server = self.server.rstrip("/")
        if self.token_file:
            self._token_source = TokenFile(self.token_file)

    def __repr__(self) -> str:
        parts = []
        secrets = []
        for f in fields(self):
            if f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS:
                if value:
                    secrets.append(f.name)
                continue
            if f.name == "ca_data":
                if value:
                    parts.append("ca_data=<PEM>")
                continue
            if value is None or value is False:
                continue
            parts.append(f"{f.name}={value!r}")
        if secrets:
            parts.append(f"credentials={'+'.join(secrets)} (hidden)")
        return f"Config({', '.join(parts)})"

    @property
    def refreshable_credentials(self) -> bool:
        """True when a 401 may be cured by fetching the credential again (token file, exec)."""
        return bool(self.token_file) or self.exec_provider is not None

    def invalidate_credentials(self) -> None:
        """Drop cached credentials so the next :meth:`authorization` fetches fresh ones."""
        if self._token_source is not None:
            self._token_source.invalidate()
        if self.exec_provider is not None:
            self.exec_provider.invalidate()

    async def authorization(self) -> str | None:
        """The ``Authorization`` header for the next request, or ``None`` for no header.

        Order: token file (re-read when it changed), static token, exec plugin (cached until
        its ``expirationTimestamp``), basic auth. Raises :class:`ConfigError` when the source
        fails (unreadable token file, failing plugin).
        """
        if self.token_file:
            source = self._token_source
            if source is None or source.path != self.token_file:
                source = self._token_source = TokenFile(self.token_file)
            return f"Bearer {source.token()}"
        if self.token:
            return f"Bearer {self.token}"
        if self.exec_provider is not None:
            credential = await self.exec_provider.credential()
            if credential.token:
                return f"Bearer {credential.token}"
            return None
        if self.username is not None and self.password is not None:
            raw = f"{self.username}:{self.password}".encode()
            return f"Basic {base64.b64encode(raw).decode('ascii')}"
        return None

    def ssl_context(self) -> ssl.SSLContext | bool:
        """The TLS settings for aiohttp: an ``SSLContext``, or ``False`` for plain HTTP / no checks.

        Verification stays on unless ``insecure_skip_tls_verify`` is set, which logs a warning.
        With no ``ca_data`` the system trust store is used.
        """
        if not self.server.startswith("https://"):
            return False
        if self.insecure_skip_tls_verify:
            logger.warning(
                "TLS verification of %s is disabled (insecure-skip-tls-verify); "
                "the connection is not authenticated",
                self.server,
            )
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            context = ssl.create_default_context()
            try:
                context.load_verify_locations(cadata=self.ca_data.decode("ascii", "replace"))
            except (ssl.SSLError, ValueError, TypeError):  # TypeError: not ASCII, so not PEM
                raise ConfigError(
                    "certificate authority data is not valid PEM", key="certificate-authority-data"
                ) from None
        else:
            context = ssl.create_default_context()
        if self.client_cert_data or self.client_key_data:
            if not (self.client_cert_data and self.client_key_data):
                missing = "client-key-data" if self.client_cert_data else "client-certificate-data"
                raise ConfigError(
                    "a client certificate needs both the certificate and the key", key=missing
                )
            load_client_cert(context, self.client_cert_data, self.client_key_data)
        return context


def load_client_cert(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """Load a PEM client certificate and key into ``context``; :class:`ConfigError` if invalid."""
    # The ssl module only loads key pairs from files: write them into a private (0700) temporary
    # directory and remove it at once.
    with tempfile.TemporaryDirectory(prefix="kfi-tls-") as folder:
        cert_path = os.path.join(folder, "client.crt")
        key_path = os.path.join(folder, "client.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError:
            raise ConfigError(
                "client certificate or key is not valid PEM, or they do not match",
                key="client-certificate-data",
            ) from None
