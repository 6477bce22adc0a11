"""Fixtures of the pod-detector tests: the library's embedded-server fixtures, as a user uses them.

A top-level ``conftest.py`` would say ``pytest_plugins = ["kubeflow_informer.testing"]``; pytest
refuses ``pytest_plugins`` in a nested conftest, so this one imports the fixtures and the marker
hook instead (the same objects).
"""

from __future__ import annotations

from kubeflow_informer.testing import api_client, embedded_apiserver, pytest_configure

__all__ = ["api_client", "embedded_apiserver", "pytest_configure"]
