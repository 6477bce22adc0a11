"""Test helpers for users of kubeflow_informer: pytest fixtures around the embedded API server.

``pytest_plugins = ["kubeflow_informer.testing"]`` in a ``conftest.py`` makes the
``embedded_apiserver`` and ``api_client`` fixtures (and the ``embedded_apiserver`` marker)
available; see :mod:`kubeflow_informer.testing.fixtures`.
"""

from kubeflow_informer.testing.fixtures import api_client, embedded_apiserver, pytest_configure

__all__ = ["api_client", "embedded_apiserver", "pytest_configure"]
