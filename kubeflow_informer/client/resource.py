"""``Resource``: every REST verb on one resource type, with no generated code and no discovery.

URLs follow the API server's layout: core resources under ``/api/v1``, groups under
``/apis/{group}/{version}``, then ``/namespaces/{ns}`` for namespaced resources, ``/{plural}``,
``/{name}`` and ``/{subresource}``. Names and namespaces are percent-quoted.

For a namespaced resource ``namespace=None`` means *all namespaces* on ``list``/``watch``/
``delete_collection`` and is a :class:`ValueError` on single-object verbs (``create`` and the
``replace`` family fall back to the body's ``metadata.namespace``). Giving a namespace for a
cluster-scoped resource is a :class:`ValueError` too: it is always a caller's mistake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import aiohttp
import orjson

from kubeflow_informer.client.query import (
    Selector,
    bool_text,
    delete_options,
    list_params,
    log_params,
    write_params,
)
from kubeflow_informer.client.watch import LineSplitter, WatchStream
from kubeflow_informer.errors import TransportError

if TYPE_CHECKING:
    from kubeflow_informer.client.api_client import ApiClient

PatchType = Literal["merge", "json", "strategic", "apply"]

# Module-level aliases: inside the class body ``list`` is the LIST verb, not the builtin.
JsonPatch = list[Any]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}


class Resource:
    """A dynamic handle on one resource type (``api_version`` + ``plural``) of one ApiClient."""

    __slots__ = (
        "_prefix", "api", "api_version", "group", "kind", "namespaced", "plural", "version",
    )

    def __init__(
        self,
        api: ApiClient,
        api_version: str,
        plural: str,
        *,
        namespaced: bool = True,
        kind: str | None = None,
    ) -> None:
        self.api = api
        self.api_version = api_version
        self.plural = plural
        self.namespaced = namespaced
        self.kind = kind
        group, _, version = api_version.rpartition("/")
        self.group = group
        self.version = version
        self._prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"

    def __repr__(self) -> str:
        scope = "namespaced" if self.namespaced else "cluster"
        return f"Resource({self.api_version!r}, {self.plural!r}, {scope})"

    # -- URL building -----------------------------------------------------------------------

    def path(
        self,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> str:
        """The request path; ``namespace=None`` on a namespaced resource means all namespaces."""
        if namespace is not None and not self.namespaced:
            raise ValueError(f"{self.plural} is cluster-scoped; do not pass a namespace")
        parts = [self._prefix]
        if namespace is not None:
            parts.append(f"/namespaces/{quote(namespace, safe='')}")
        parts.append(f"/{self.plural}")
        if name is not None:
            if not name:
                raise ValueError("the object name is empty")
            parts.append(f"/{quote(name, safe='')}")
            if subresource:
                parts.append(f"/{subresource}")
        return "".join(parts)

    def _object_path(self, name: str, namespace: str | None, subresource: str | None = None) -> str:
        if self.namespaced and namespace is None:
            raise ValueError(f"{self.plural} is namespaced: pass namespace= for {name!r}")
        return self.path(namespace, name, subresource)

    def _body_namespace(self, body: Mapping[str, Any], namespace: str | None) -> str | None:
        if namespace is not None or not self.namespaced:
            return namespace
        found = (body.get("metadata") or {}).get("namespace")
        if not found:
            raise ValueError(f"{self.plural} is namespaced: pass namespace= or metadata.namespace")
        return str(found)

    @staticmethod
    def _body_name(body: Mapping[str, Any]) -> str:
        name = (body.get("metadata") or {}).get("name")
        if not name:
            raise ValueError("the body has no metadata.name")
        return str(name)

    # -- reads ------------------------------------------------------------------------------

    async def get(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """GET one object; :class:`NotFound` when it does not exist."""
        result: dict[str, Any] = await self.api.request("GET", self._object_path(name, namespace))
        return result

    async def get_status(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """GET the ``status`` subresource (the whole object, as the server returns it)."""
        path = self._object_path(name, namespace, "status")
        result: dict[str, Any] = await self.api.request("GET", path)
        return result

    async def list(
        self,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: Selector = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        timeout_seconds: int | None = None,
    ) -> dict[str, Any]:
        """One LIST request: the raw ``*List`` dict (``metadata.continue`` set if more pages)."""
        params = list_params(
            label_selector, field_selector, resource_version, resource_version_match,
            limit, continue_token, timeout_seconds,
        )
        result: dict[str, Any] = await self.api.request(
            "GET", self.path(namespace), params=params
        )
        return result

    async def list_pages(
        self,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: Selector = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        limit: int = 500,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every page of a paginated LIST, following ``metadata.continue``.

        ``resourceVersion``/``resourceVersionMatch`` go on the first request only: the server
        rejects them together with a continue token, which already pins the snapshot. An
        expired token raises :class:`Expired` (410); restart the listing.
        """
        token: str | None = None
        first = True
        while True:
            page = await self.list(
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resource_version=resource_version if first else None,
                resource_version_match=resource_version_match if first else None,
                limit=limit,
                continue_token=token,
                timeout_seconds=timeout_seconds,
            )
            first = False
            yield page
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return

    async def list_items(
        self,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: Selector = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        limit: int = 500,
        timeout_seconds: int | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item over every page. Items get the list's ``apiVersion`` and ``kind`` (without
        the ``List`` suffix) when they lack them, as client-go's unstructured decoding does.
        """
        async for page in self.list_pages(
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            limit=limit,
            timeout_seconds=timeout_seconds,
        ):
            api_version = page.get("apiVersion")
            list_kind = page.get("kind") or ""
            kind = list_kind[:-4] if list_kind.endswith("List") else self.kind
            for item in page.get("items") or ():
                if api_version and "apiVersion" not in item:
                    item["apiVersion"] = api_version
                if kind and "kind" not in item:
                    item["kind"] = kind
                yield item

    def watch(
        self,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: Selector = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = False,
        send_initial_events: bool | None = None,
    ) -> WatchStream:
        """A :class:`WatchStream` (opened on ``async with`` or first iteration).

        ``send_initial_events=True`` (the streaming-list mode) needs
        ``resource_version_match="NotOlderThan"`` (the server enforces it) and bookmarks: without
        them the server sends no bookmark marking the end of the initial events.
        """
        params = list_params(
            label_selector, field_selector, resource_version, resource_version_match,
            None, None, timeout_seconds,
        )
        params.append(("watch", "true"))
        if allow_watch_bookmarks:
            params.append(("allowWatchBookmarks", "true"))
        if send_initial_events is not None:
            params.append(("sendInitialEvents", bool_text(send_initial_events)))
        return self.api.watch_stream(self.path(namespace), params)

    # -- writes -----------------------------------------------------------------------------

    async def create(
        self,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """POST a new object (``metadata.generateName`` lets the server pick the name);
        :class:`AlreadyExists` when the name is taken."""
        path = self.path(self._body_namespace(body, namespace))
        result: dict[str, Any] = await self.api.request(
            "POST", path, params=write_params(field_manager, dry_run), json=body
        )
        return result

    async def replace(
        self,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PUT the whole object. With ``metadata.resourceVersion`` set the server checks it and
        answers :class:`Conflict` (409) when the object changed since."""
        return await self._put(body, namespace, None, field_manager, dry_run)

    async def replace_status(
        self,
        body: Mapping[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PUT the ``status`` subresource (same optimistic concurrency as :meth:`replace`)."""
        return await self._put(body, namespace, "status", field_manager, dry_run)

    async def _put(
        self,
        body: Mapping[str, Any],
        namespace: str | None,
        subresource: str | None,
        field_manager: str | None,
        dry_run: bool,
    ) -> dict[str, Any]:
        path = self._object_path(
            self._body_name(body), self._body_namespace(body, namespace), subresource
        )
        result: dict[str, Any] = await self.api.request(
            "PUT", path, params=write_params(field_manager, dry_run), json=body
        )
        return result

    async def patch(
        self,
        name: str,
        body: Mapping[str, Any] | JsonPatch,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        field_manager: str | None = None,
        force: bool | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PATCH with ``patch_type`` ``merge`` (RFC 7386), ``json`` (RFC 6902, a list of ops),
        ``strategic`` (built-in types only) or ``apply`` (server-side apply: needs
        ``field_manager``; ``force=True`` takes over conflicting fields). The body is sent as
        JSON, which is also valid YAML for ``application/apply-patch+yaml``.
        """
        content_type = PATCH_CONTENT_TYPES.get(patch_type)
        if content_type is None:
            known = sorted(PATCH_CONTENT_TYPES)
            raise ValueError(f"unknown patch_type {patch_type!r}; use one of {known}")
        params = write_params(field_manager, dry_run)
        if force is not None:
            params.append(("force", bool_text(force)))
        result: dict[str, Any] = await self.api.request(
            "PATCH",
            self._object_path(name, namespace, subresource),
            params=params,
            body=orjson.dumps(body),
            content_type=content_type,
        )
        return result

    async def delete(
        self,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """DELETE one object; options travel as a ``DeleteOptions`` body. ``preconditions``
        (``{"uid": ..., "resourceVersion": ...}``) make the server answer :class:`Conflict` when
        they no longer hold. Returns what the server returns: the object (still terminating,
        with finalizers) or a ``Status``."""
        options = delete_options(
            propagation_policy, grace_period_seconds, preconditions, dry_run
        )
        result: dict[str, Any] = await self.api.request(
            "DELETE", self._object_path(name, namespace), json=options
        )
        return result

    async def delete_collection(
        self,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: Selector = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """DELETE every matching object of the collection (``namespace=None``: all namespaces)."""
        params = list_params(label_selector, field_selector, None, None, None, None, None)
        options = delete_options(propagation_policy, grace_period_seconds, None, dry_run)
        result: dict[str, Any] = await self.api.request(
            "DELETE", self.path(namespace), params=params, json=options
        )
        return result

    # -- scale ------------------------------------------------------------------------------

    async def get_scale(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """GET the ``scale`` subresource (an ``autoscaling/v1`` ``Scale``)."""
        result: dict[str, Any] = await self.api.request(
            "GET", self._object_path(name, namespace, "scale")
        )
        return result

    async def replace_scale(
        self, name: str, body: Mapping[str, Any], *, namespace: str | None = None
    ) -> dict[str, Any]:
        """PUT a ``Scale`` (``spec.replicas``) to the ``scale`` subresource."""
        result: dict[str, Any] = await self.api.request(
            "PUT", self._object_path(name, namespace, "scale"), json=body
        )
        return result

    async def patch_scale(
        self,
        name: str,
        body: Mapping[str, Any] | JsonPatch,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
    ) -> dict[str, Any]:
        """PATCH the ``scale`` subresource, e.g. ``{"spec": {"replicas": 3}}``."""
        return await self.patch(
            name, body, namespace=namespace, patch_type=patch_type, subresource="scale"
        )

    # -- pod logs ---------------------------------------------------------------------------

    async def logs(
        self,
        name: str,
        *,
        namespace: str | None = None,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        previous: bool = False,
        limit_bytes: int | None = None,
    ) -> str:
        """The pod's log (``pods/{name}/log``) as text."""
        params = log_params(self.plural, self.group,
            container, tail_lines, since_seconds, timestamps, previous, limit_bytes
        )
        return await self.api.request_text(
            "GET", self._object_path(name, namespace, "log"), params=params
        )

    async def follow_logs(
        self,
        name: str,
        *,
        namespace: str | None = None,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        previous: bool = False,
    ) -> AsyncIterator[str]:
        """Log lines (without the newline) as they are written (``follow=true``), until the
        container stops or the caller stops iterating (``aclose()`` closes the connection)."""
        params = log_params(
            self.plural, self.group, container, tail_lines, since_seconds, timestamps, previous,
            None,
        )
        params.append(("follow", "true"))
        path = self._object_path(name, namespace, "log")
        response = await self.api.send("GET", path, params=params, accept="*/*", stream=True)
        splitter = LineSplitter(self.api.max_line_bytes, f"logs {path}")
        try:
            while True:
                try:
                    chunk = await response.content.readany()
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    raise TransportError(f"logs {path}: {type(exc).__name__}: {exc}") from exc
                if not chunk:
                    break
                for line in splitter.feed(chunk):
                    yield str(line, "utf-8", "replace")
            rest = splitter.feed(b"\n") if splitter.has_partial_line else []
            for line in rest:
                yield str(line, "utf-8", "replace")
        finally:
            response.close()
