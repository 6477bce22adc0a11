"""HTTP handlers of the embedded API server: routing, CRUD, list, watch, patch, subresources,
discovery and OpenAPI. :func:`create_app` builds the aiohttp application over a
:class:`ServerState`."""

from kubeflow_informer.apiserver.handlers.app import create_app
from kubeflow_informer.apiserver.handlers.context import STATE_KEY, ServerState

__all__ = ["STATE_KEY", "ServerState", "create_app"]
