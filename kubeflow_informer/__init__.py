"""kubeflow_informer: an asyncio framework for writing Kubernetes controllers.

The public API is re-exported here; modules inside the package never import from this file.
"""

from kubeflow_informer._version import __version__

__all__ = ["__version__"]
