"""Testing helpers for users of kubeflow_informer: a real control plane, pytest fixtures for the
embedded and the real API server, :func:`eventually`, and :func:`service_account_config` (act as
a ServiceAccount, to test RBAC).

The pytest plugin (:mod:`kubeflow_informer.testing.fixtures`) is registered through the
``pytest11`` entry point: with ``pip install 'kubeflow-informer[testing]'`` its fixtures
(``apiserver``, ``apiserver_client``, ``control_plane``, ``embedded_apiserver``,
``api_client``) are available to every test. Names load on first use (PEP 562), so importing
this package does not start pytest machinery or the embedded server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubeflow_informer.testing.envtest import ControlPlane, EnvtestError, find_assets
    from kubeflow_informer.testing.eventually import eventually
    from kubeflow_informer.testing.fixtures import ApiServer
    from kubeflow_informer.testing.scrape import metric_value, samples
    from kubeflow_informer.testing.service_accounts import service_account_config

__all__ = [
    "ApiServer",
    "ControlPlane",
    "EnvtestError",
    "eventually",
    "find_assets",
    "metric_value",
    "samples",
    "service_account_config",
]

_WHERE = {
    "ControlPlane": "kubeflow_informer.testing.envtest",
    "EnvtestError": "kubeflow_informer.testing.envtest",
    "find_assets": "kubeflow_informer.testing.envtest",
    "eventually": "kubeflow_informer.testing.eventually",
    "ApiServer": "kubeflow_informer.testing.fixtures",
    "metric_value": "kubeflow_informer.testing.scrape",
    "samples": "kubeflow_informer.testing.scrape",
    "service_account_config": "kubeflow_informer.testing.service_accounts",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
