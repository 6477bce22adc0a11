"""Loading a :class:`Config` inside a pod, from the service-account mount and the service env.

Uses ``KUBERNETES_SERVICE_HOST`` / ``KUBERNETES_SERVICE_PORT`` and the files ``token``,
``ca.crt`` and ``namespace`` under ``/var/run/secrets/kubernetes.io/serviceaccount``. The token
is configured as a *token file*, so a rotated bound token is picked up on the next request.
"""

from __future__ import annotations

import os

from kubeflow_informer.config.files import decode_text, read_file
from kubeflow_informer.config.model import Config
from kubeflow_informer.errors import ConfigError

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def in_cluster_available(service_account_dir: str = SERVICE_ACCOUNT_DIR) -> bool:
    """True when the service environment variables and the token file are both present."""
    return bool(
        os.environ.get("KUBERNETES_SERVICE_HOST")
        and os.environ.get("KUBERNETES_SERVICE_PORT")
        and os.path.exists(os.path.join(service_account_dir, "token"))
    )


def load_incluster_config(*, service_account_dir: str = SERVICE_ACCOUNT_DIR) -> Config:
    """Build the in-cluster :class:`Config`; :class:`ConfigError` when not running in a pod.

    ``service_account_dir`` is overridable so tests (and unusual mounts) can point elsewhere.
    The namespace file is optional (``default`` when missing), the token and CA are required.
    """
    host = os.environ.get("KUBERNETES_SERVICE_HOST")
    port = os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        missing = "KUBERNETES_SERVICE_HOST" if not host else "KUBERNETES_SERVICE_PORT"
        raise ConfigError(
            "not running in a cluster: the service environment variable is not set", key=missing
        )
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    token_path = os.path.join(service_account_dir, "token")
    ca_path = os.path.join(service_account_dir, "ca.crt")
    if not os.access(token_path, os.R_OK):
        raise ConfigError("service-account token is not readable", path=token_path, key="token")
    ca_data = read_file(ca_path, what="the service-account CA", key="ca.crt")
    namespace = "default"
    namespace_path = os.path.join(service_account_dir, "namespace")
    if os.path.exists(namespace_path):
        data = read_file(namespace_path, what="the service-account namespace", key="namespace")
        namespace = decode_text(data, what="the service-account namespace", path=namespace_path,
                                key="namespace").strip() or "default"
    return Config(
        server=f"https://{host}:{port}",
        ca_data=ca_data,
        token_file=token_path,
        namespace=namespace,
    )
