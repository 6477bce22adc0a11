"""``load_config``: pick the configuration source the way controller-runtime / client-go do."""

from __future__ import annotations

import os

from kubeflow_informer.config.incluster import (
    SERVICE_ACCOUNT_DIR,
    in_cluster_available,
    load_incluster_config,
)
from kubeflow_informer.config.kubeconfig import load_kubeconfig
from kubeflow_informer.config.model import Config


def load_config(
    path: str | os.PathLike[str] | None = None,
    context: str | None = None,
    *,
    service_account_dir: str = SERVICE_ACCOUNT_DIR,
) -> Config:
    """Load the configuration from the first source that applies.

    Order (controller-runtime's ``GetConfig``): an explicit ``path``; then ``$KUBECONFIG``; then
    the in-cluster service account; then ``~/.kube/config``. A ``context`` forces kubeconfig
    loading, since in-cluster configuration has no contexts.
    """
    if path is not None or os.environ.get("KUBECONFIG") or context is not None:
        return load_kubeconfig(path, context)
    if in_cluster_available(service_account_dir):
        return load_incluster_config(service_account_dir=service_account_dir)
    return load_kubeconfig()
