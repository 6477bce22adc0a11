"""Small in-memory fakes for unit tests (integration tests use the embedded API server)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubeflow_informer.errors import Conflict, NotFound


class FakeLeases:
    """A Lease store with resourceVersion optimistic concurrency, like the API server's."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str | None, str], dict[str, Any]] = {}
        self.version = 0
        self.fail = False

    def _check(self) -> None:
        if self.fail:
            raise Conflict(409, "Conflict", "injected failure")

    async def get(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        self._check()
        try:
            return copy.deepcopy(self.objects[(namespace, name)])
        except KeyError:
            raise NotFound(404, "NotFound", f"leases {name!r} not found") from None

    async def create(self, body: Mapping[str, Any], *, namespace: str | None = None) -> Any:
        self._check()
        key = (namespace, body["metadata"]["name"])
        if key in self.objects:
            raise Conflict(409, "AlreadyExists", "exists")
        return self._store(key, body)

    async def replace(self, body: Mapping[str, Any], *, namespace: str | None = None) -> Any:
        self._check()
        key = (namespace, body["metadata"]["name"])
        current = self.objects.get(key)
        if current is None:
            raise NotFound(404, "NotFound", "gone")
        if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise Conflict(409, "Conflict", "the object has been modified")
        return self._store(key, body)

    def _store(self, key: tuple[str | None, str], body: Mapping[str, Any]) -> dict[str, Any]:
        self.version += 1
        stored = copy.deepcopy(dict(body))
        stored["metadata"] = {**stored["metadata"], "resourceVersion": str(self.version)}
        self.objects[key] = stored
        return copy.deepcopy(stored)
