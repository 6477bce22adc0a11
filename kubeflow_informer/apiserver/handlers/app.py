"""The aiohttp application: middlewares (auth, faults, errors) and the resource dispatcher.

Request flow: the auth middleware answers 401 before anything else to a request whose
credentials nobody recognizes, applies impersonation headers (403 when not allowed), then 403
to a request the authorizer refuses (RBAC mode; its attributes
come from the path alone, so an unserved resource is refused like a served one);
the fault middleware applies the request faults (delay, 429, 5xx); the error middleware turns
any :class:`ApiError` raised below into its ``Status`` response, and any other exception into a
500 ``InternalError`` Status (logged with its traceback). The dispatcher maps method + path
shape to one handler, and answers 405 for a verb the resource does not advertise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from kubeflow_informer.apiserver.auth import unauthorized_error
from kubeflow_informer.apiserver.handlers import computed, discovery, openapi
from kubeflow_informer.apiserver.handlers.collection import handle_delete_collection, handle_list
from kubeflow_informer.apiserver.handlers.context import (
    STATE_KEY,
    ServerState,
    set_user,
    state_of,
)
from kubeflow_informer.apiserver.handlers.logs import handle_log
from kubeflow_informer.apiserver.handlers.objects import (
    handle_create,
    handle_delete,
    handle_get,
    handle_update,
)
from kubeflow_informer.apiserver.handlers.params import parse_bool, parse_list_params
from kubeflow_informer.apiserver.handlers.patch import handle_patch
from kubeflow_informer.apiserver.handlers.responses import (
    error_response,
    method_not_allowed,
    not_found_text,
)
from kubeflow_informer.apiserver.handlers.routing import ResourcePath, resolve
from kubeflow_informer.apiserver.handlers.scale import handle_scale
from kubeflow_informer.apiserver.handlers.token_request import handle_token_request
from kubeflow_informer.apiserver.handlers.watch_stream import handle_watch
from kubeflow_informer.apiserver.impersonation import impersonated_user
from kubeflow_informer.apiserver.rbac import AlwaysAllow, forbidden_error
from kubeflow_informer.apiserver.request_attributes import attributes_of
from kubeflow_informer.apiserver.status import status_error
from kubeflow_informer.errors import ApiError

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_VERB_OF_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch"}


@web.middleware
async def _auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = state_of(request)
    user = state.auth.authenticate(request.headers)
    if user is None:
        return error_response(unauthorized_error())
    try:
        user = impersonated_user(user, request.headers, state.authorizer)
    except ApiError as exc:
        return error_response(exc)
    set_user(request, user)
    if not isinstance(state.authorizer, AlwaysAllow):  # it would allow: skip the attributes
        attributes = attributes_of(user, request.method, request.path, request.query)
        decision = state.authorizer.authorize(attributes)
        if not decision.allowed:
            return error_response(forbidden_error(attributes, decision.reason))
    return await handler(request)


@web.middleware
async def _fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    decision = state_of(request).faults.on_request(request.path)
    if decision.delay:
        await asyncio.sleep(decision.delay)
    if decision.error is not None:
        return error_response(decision.error)
    return await handler(request)


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except web.HTTPException:
        raise
    except (asyncio.CancelledError, ConnectionError):
        raise
    except Exception as exc:
        logger.exception("internal error serving %s %s", request.method, request.path)
        return error_response(
            status_error(500, "InternalError", f"Internal error occurred: {type(exc).__name__}")
        )


#: Subresources with a handler of their own; every other one (status, ephemeralcontainers,
#: resize, approval) is a view of the object read and written by the generic handlers.
_SUBRESOURCE_HANDLERS: dict[str, computed.Handler] = {
    "log": handle_log,
    "scale": handle_scale,
    "token": handle_token_request,
    "binding": computed.handle_binding,
    "eviction": computed.handle_eviction,
    **dict.fromkeys(computed.CONNECT_SUBRESOURCES, computed.handle_connect),
}

#: The discovery verb of a subresource request, by HTTP method.
_SUBRESOURCE_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                      "DELETE": "delete"}


async def _dispatch_subresource(request: web.Request, target: ResourcePath) -> web.StreamResponse:
    state = state_of(request)
    sub = target.info.subresource(target.subresource or "")
    if sub is None or _SUBRESOURCE_VERBS.get(request.method) not in sub.verbs:
        raise method_not_allowed()
    handler = _SUBRESOURCE_HANDLERS.get(sub.name)
    if handler is not None:
        return await handler(request, state, target)
    if request.method == "GET":
        return await handle_get(request, state, target)
    if request.method == "PUT":
        return await handle_update(request, state, target)
    return await handle_patch(request, state, target)


async def _dispatch(request: web.Request, target: ResourcePath) -> web.StreamResponse:
    state = state_of(request)
    info = target.info
    method = request.method
    if not info.stored:
        return await computed.handle_computed(request, state, target)
    if target.subresource is not None:
        return await _dispatch_subresource(request, target)
    if target.name is None:
        if method == "GET":
            params = parse_list_params(request)
            if params.watch or target.watch_prefix:
                if "watch" not in info.verbs:
                    raise method_not_allowed()
                return await handle_watch(request, state, target, params)
            if "list" not in info.verbs:
                raise method_not_allowed()
            return await handle_list(request, state, target, params)
        if method == "POST" and "create" in info.verbs:
            return await handle_create(request, state, target)
        if method == "DELETE" and "deletecollection" in info.verbs:
            return await handle_delete_collection(
                request, state, target, parse_list_params(request)
            )
        raise method_not_allowed()
    if method == "GET":
        if target.watch_prefix or parse_bool(request.query.get("watch")):
            params = parse_list_params(request, name=target.name)
            return await handle_watch(request, state, target, params)
        return await handle_get(request, state, target)
    verb = _VERB_OF_METHOD.get(method)
    if method == "DELETE" and "delete" in info.verbs:
        return await handle_delete(request, state, target)
    if verb == "update" and verb in info.verbs:
        return await handle_update(request, state, target)
    if verb == "patch" and verb in info.verbs:
        return await handle_patch(request, state, target)
    raise method_not_allowed()


async def _core(request: web.Request) -> web.StreamResponse:
    """``/api`` and everything under it."""
    state = state_of(request)
    tail = request.match_info.get("tail", "").strip("/")
    parts = tail.split("/") if tail else []
    if not parts:
        return discovery.discovery_response(request, state, "", None)
    version, rest = parts[0], parts[1:]
    if not rest:
        return discovery.discovery_response(request, state, "", version)
    return await _dispatch(request, resolve(state.registry, "", version, rest))


async def _groups(request: web.Request) -> web.StreamResponse:
    """``/apis`` and everything under it."""
    state = state_of(request)
    tail = request.match_info.get("tail", "").strip("/")
    parts = tail.split("/") if tail else []
    if not parts:
        return discovery.discovery_response(request, state, None, None)
    if len(parts) <= 2:
        version = parts[1] if len(parts) == 2 else None
        return discovery.discovery_response(request, state, parts[0], version)
    if not state.registry.serves_group(parts[0]):
        return not_found_text()
    return await _dispatch(request, resolve(state.registry, parts[0], parts[1], parts[2:]))


async def _not_found(request: web.Request) -> web.StreamResponse:
    return not_found_text()


def create_app(state: ServerState) -> web.Application:
    """The application serving ``state``; all paths live at the root, as on kube-apiserver."""
    app = web.Application(
        middlewares=[_auth_middleware, _error_middleware, _fault_middleware],
        client_max_size=64 * 1024 * 1024,
    )
    app[STATE_KEY] = state
    router = app.router
    router.add_get("/version", discovery.handle_version)
    for path in ("/healthz", "/livez", "/readyz"):
        router.add_get(path, discovery.handle_health)
    router.add_get("/openapi/v2", openapi.handle_v2)
    router.add_get("/openapi/v3", openapi.handle_v3_index)
    router.add_get("/openapi/v3/{tail:.+}", openapi.handle_v3_group)
    router.add_route("*", "/api", _core)
    router.add_route("*", "/api/{tail:.*}", _core)
    router.add_route("*", "/apis", _groups)
    router.add_route("*", "/apis/{tail:.*}", _groups)
    router.add_route("*", "/{tail:.*}", _not_found)
    return app
