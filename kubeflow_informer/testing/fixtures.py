"""The pytest plugin: fixtures for controller tests on the embedded and on a real API server.

It is registered through the ``pytest11`` entry point, so installing the package (with the
``testing`` extra: pytest, pytest-asyncio, pytest-timeout) is all a project needs. Async tests
need pytest-asyncio; ``asyncio_mode = "auto"`` in the project's pytest configuration.

Fixtures:

* ``apiserver`` - parametrized ``embedded`` / ``real``: each test using it runs twice, once on a
  fresh :class:`EmbeddedApiServer` and once on the session's real kube-apiserver
  (:class:`ControlPlane` from ``$KUBEBUILDER_ASSETS``). It gives an :class:`ApiServer` handle
  whose ``namespace`` was created for this test alone. The ``real`` case carries the
  ``real_apiserver`` marker (select or deselect it with ``-m``). Without the binaries the
  ``real`` case is skipped with a reason saying how to get them; under ``CI=true`` that is a
  failure instead, so a CI run never passes by skipping.
* ``apiserver_client`` - an :class:`ApiClient` on ``apiserver.config``.
* ``control_plane`` - the session's :class:`ControlPlane` (garbage collector, namespace and
  ClusterRole aggregation controllers running), started on first use and stopped at the end of
  the session.
* ``embedded_apiserver`` / ``api_client`` - the embedded server alone, fresh per test, and a
  client for it.

The ``embedded_apiserver(**kwargs)`` marker passes keyword arguments to the embedded server
(``token``, ``tls``, ``seed``, ``bookmark_interval``...), for both fixtures; a conftest sets
defaults for its directory by overriding the ``embedded_apiserver_options`` fixture. The
``control_plane(**kwargs)`` marker runs the ``real`` case of ``apiserver`` on a control plane
started with those :class:`ControlPlane` arguments instead of the session's (for instance
``apiserver_args=["--watch-cache=false"]``); it is started once per distinct set of arguments
and shared by every test asking for it until the end of the session (each start costs seconds).
The ``embedded_differs(reason)`` marker records a known difference: the ``embedded`` case of
``apiserver`` is expected to fail (``xfail(strict=True)``, so that a fix is noticed) while the
``real`` case must pass.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from kubeflow_informer.testing.envtest import (
    CLUSTER_ROLE_AGGREGATION,
    GARBAGE_COLLECTOR,
    NAMESPACE,
    ControlPlane,
    EnvtestError,
)

if TYPE_CHECKING:
    from kubeflow_informer.apiserver import EmbeddedApiServer
    from kubeflow_informer.client import ApiClient
    from kubeflow_informer.config import Config

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised by a subprocess test
    pytest_asyncio = None  # type: ignore[assignment]

__all__ = [
    "ApiServer",
    "api_client",
    "apiserver",
    "apiserver_client",
    "control_plane",
    "embedded_apiserver",
    "embedded_apiserver_options",
    "in_ci",
    "pytest_collection_modifyitems",
    "pytest_configure",
]

_MISSING_ASYNCIO = (
    "the kubeflow_informer fixtures are async and need pytest-asyncio: "
    "pip install 'kubeflow-informer[testing]'"
)


def in_ci() -> bool:
    """Whether ``CI`` is set to a true value (``true``, ``1``, ``yes``), as CI services do."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers."""
    config.addinivalue_line(
        "markers",
        "embedded_apiserver(**kwargs): keyword arguments for the embedded API server fixtures "
        "(token, tls, rbac, seed, history_size, watch_buffer, bookmark_interval)",
    )
    config.addinivalue_line(
        "markers", "real_apiserver: runs against a real kube-apiserver (KUBEBUILDER_ASSETS)"
    )
    config.addinivalue_line(
        "markers",
        "embedded_differs(reason): the embedded case of the apiserver fixture is a strict xfail "
        "(a known difference from the real server, listed in the project's documentation)",
    )
    config.addinivalue_line(
        "markers",
        "control_plane(**kwargs): ControlPlane arguments for the real case of the apiserver "
        "fixture (a dedicated control plane, shared by the tests with the same arguments)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Turn ``embedded_differs(reason)`` into a strict xfail of the ``embedded`` cases."""
    for item in items:
        marker = item.get_closest_marker("embedded_differs")
        callspec = getattr(item, "callspec", None)
        if marker is None or callspec is None or callspec.params.get("apiserver") != "embedded":
            continue
        reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
        item.add_marker(pytest.mark.xfail(strict=True, reason=f"embedded server differs: {reason}"))


F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(**kwargs: Any) -> Callable[[F], F]:
    """``pytest_asyncio.fixture``, or, without pytest-asyncio, a fixture that fails saying so
    (the plugin is loaded by every pytest run where the package is installed: it must never
    break a run that does not use it)."""
    if pytest_asyncio is None:
        def missing(function: Any) -> Any:
            def fail(*args: Any, **kw: Any) -> None:
                pytest.fail(_MISSING_ASYNCIO, pytrace=False)

            fail.__name__ = function.__name__
            fail.__doc__ = function.__doc__
            return pytest.fixture(**kwargs)(fail)

        return missing
    decorator: Callable[[F], F] = pytest_asyncio.fixture(**kwargs)
    return decorator


def _server_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    kwargs = dict(request.getfixturevalue("embedded_apiserver_options"))
    marker = request.node.get_closest_marker("embedded_apiserver")
    if marker is not None:
        kwargs.update(marker.kwargs)
    return kwargs


@pytest.fixture
def embedded_apiserver_options() -> dict[str, Any]:
    """Keyword arguments of the embedded server for ``embedded_apiserver`` and ``apiserver``:
    none by default. Override this fixture in a conftest to configure a whole directory of
    tests; the ``embedded_apiserver(**kwargs)`` marker adds to it per test."""
    return {}


@dataclass
class ApiServer:
    """The server a test runs on: ``kind`` is ``"embedded"`` or ``"real"``.

    ``namespace`` exists and belongs to this test. ``embedded`` is the embedded server (its
    ``storage`` and ``faults``) or ``None`` on the real one; ``control_plane`` the reverse.
    """

    kind: str
    config: Config
    namespace: str
    embedded: EmbeddedApiServer | None = None
    control_plane: ControlPlane | None = None

    @property
    def is_real(self) -> bool:
        return self.kind == "real"

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        """A kubeconfig for this server whose default namespace is the test's."""
        from kubeflow_informer.config.kubeconfig import write_kubeconfig

        return write_kubeconfig(self.config, path, context=self.kind, namespace=self.namespace)

    def compact(self) -> None:
        """Compact the storage up to now: the embedded server drops its history window; the
        real one compacts etcd. Lists and watches from an older resourceVersion then answer 410
        Expired wherever the server reads its storage: always on the embedded server, on the
        real one only with its watch cache off (``--watch-cache=false``, see the
        ``control_plane`` marker), as the watch cache serves them from its own window."""
        if self.embedded is not None:
            self.embedded.storage.compact()
        else:
            assert self.control_plane is not None
            self.control_plane.compact_etcd()


_control_plane_error: str | None = None


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    """The session's real control plane, or a skip (a failure under ``CI=true``) without one."""
    global _control_plane_error
    if _control_plane_error is not None:
        _unavailable(_control_plane_error)
    try:
        plane = ControlPlane(
            controllers=[GARBAGE_COLLECTOR, NAMESPACE, CLUSTER_ROLE_AGGREGATION]).start()
    except EnvtestError as exc:
        _control_plane_error = str(exc)
        _unavailable(_control_plane_error)
    try:
        yield plane
    finally:
        plane.stop()


def _unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"CI=true and no real kube-apiserver: {reason}", pytrace=False)
    pytest.skip(f"no real kube-apiserver: {reason}")


_DEDICATED_PLANES = pytest.StashKey[dict[str, ControlPlane]]()


def _plane_for(request: pytest.FixtureRequest) -> ControlPlane:
    """The session's control plane, or the dedicated one the ``control_plane`` marker asks for."""
    session_plane: ControlPlane = request.getfixturevalue("control_plane")  # skip/fail first
    marker = request.node.get_closest_marker("control_plane")
    if marker is None:
        return session_plane
    key = repr(sorted(marker.kwargs.items()))
    planes = request.config.stash.setdefault(_DEDICATED_PLANES, {})
    plane = planes.get(key)
    if plane is None:
        try:
            plane = ControlPlane(**marker.kwargs).start()
        except EnvtestError as exc:
            _unavailable(str(exc))
        planes[key] = plane
        request.config.add_cleanup(plane.stop)
    return plane


_namespace_numbers = itertools.count(1)


def _namespace_for(request: pytest.FixtureRequest) -> str:
    """A DNS-1123 label unique in the session, readable in a cluster dump."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.originalname.lower()).strip("-")
    return f"{slug[:40].rstrip('-') or 't'}-{os.getpid() % 10000}-{next(_namespace_numbers)}"


@_async_fixture(params=[
    pytest.param("embedded", id="embedded"),
    pytest.param("real", id="real", marks=pytest.mark.real_apiserver),
])
async def apiserver(request: pytest.FixtureRequest) -> AsyncIterator[ApiServer]:
    """The test's server, embedded or real, with a namespace of the test's own."""
    from kubeflow_informer.client import ApiClient

    namespace = _namespace_for(request)
    namespaces_body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    if request.param == "embedded":
        from kubeflow_informer.apiserver import EmbeddedApiServer

        async with EmbeddedApiServer(**_server_kwargs(request)) as server:
            async with ApiClient(server.config) as api:
                await api.resource("v1", "namespaces", namespaced=False).create(namespaces_body)
            yield ApiServer("embedded", server.config, namespace, embedded=server)
        return
    plane = _plane_for(request)
    async with ApiClient(plane.config) as api:
        namespaces = api.resource("v1", "namespaces", namespaced=False)
        await namespaces.create(namespaces_body)
        try:
            yield ApiServer("real", plane.config, namespace, control_plane=plane)
        finally:
            # The namespace controller empties and removes it; nothing waits for that.
            await namespaces.delete(namespace, propagation_policy="Background")


@_async_fixture()
async def apiserver_client(apiserver: ApiServer) -> AsyncIterator[ApiClient]:
    """An :class:`ApiClient` on ``apiserver``, closed after the test."""
    from kubeflow_informer.client import ApiClient

    async with ApiClient(apiserver.config) as client:
        yield client


@_async_fixture()
async def embedded_apiserver(request: pytest.FixtureRequest) -> AsyncIterator[EmbeddedApiServer]:
    """A running embedded API server, fresh for the test, stopped after it."""
    from kubeflow_informer.apiserver import EmbeddedApiServer

    async with EmbeddedApiServer(**_server_kwargs(request)) as server:
        yield server


@_async_fixture()
async def api_client(embedded_apiserver: EmbeddedApiServer) -> AsyncIterator[ApiClient]:
    """An :class:`ApiClient` connected to ``embedded_apiserver``."""
    from kubeflow_informer.client import ApiClient

    async with ApiClient(embedded_apiserver.config) as client:
        yield client
