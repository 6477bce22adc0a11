"""The embedded API server: an in-memory kube-apiserver speaking the real wire protocol.

``EmbeddedApiServer`` is the entry point (async context manager); ``Faults`` injects failures;
``PodLogs`` feeds the pods ``log`` subresource; ``generate_tls_material`` makes the CA and
serving certificate used with ``tls=True``.
"""

from kubeflow_informer.apiserver.faults import Faults
from kubeflow_informer.apiserver.pod_logs import PodLogs
from kubeflow_informer.apiserver.server import EmbeddedApiServer
from kubeflow_informer.apiserver.tls import TlsMaterial, generate_tls_material

__all__ = ["EmbeddedApiServer", "Faults", "PodLogs", "TlsMaterial", "generate_tls_material"]
