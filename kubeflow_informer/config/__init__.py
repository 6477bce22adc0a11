"""Configuration: kubeconfig (merged like kubectl), in-cluster service account, exec plugins.

``Config`` is the value the client consumes; the loaders produce it. Split by source:
``model`` (the value and its credential helpers), ``kubeconfig``, ``incluster``, ``exec_plugin``
and ``load`` (choosing a source).
"""

from kubeflow_informer.config.exec_plugin import ExecCredential, ExecProvider
from kubeflow_informer.config.incluster import SERVICE_ACCOUNT_DIR, load_incluster_config
from kubeflow_informer.config.kubeconfig import load_kubeconfig
from kubeflow_informer.config.load import load_config
from kubeflow_informer.config.model import (
    DEFAULT_BURST,
    DEFAULT_QPS,
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    Config,
)

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_QPS",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "SERVICE_ACCOUNT_DIR",
    "Config",
    "ExecCredential",
    "ExecProvider",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
]
