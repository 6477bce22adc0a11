"""The review resources: questions to the server, answered at once and never stored.

* ``selfsubjectreviews`` (authentication.k8s.io/v1): who am I (``kubectl auth whoami``).
* ``tokenreviews``: who is this token.
* ``selfsubjectaccessreviews`` (authorization.k8s.io/v1): may I do this (``kubectl auth
  can-i``); ``subjectaccessreviews``: may this user; ``localsubjectaccessreviews``: may this user,
  in this namespace.
* ``selfsubjectrulesreviews``: what may I do in this namespace (``kubectl auth can-i --list``).

Every answer is ``201 Created`` with the object as the real server returns it: the access
reviews echo their ``spec`` (attributes in the API's field order, empty ones left out) with the
``managedFields`` entry of the request, and add ``status.allowed`` and the authorizer's
``status.reason``; the rules review answers only a ``status``. Invalid specs get the real 422
texts (``exactly one of nonResourceAttributes or resourceAttributes must be specified``...).
Creating a review is itself authorized like any request: the bootstrap ``system:basic-user``
role lets every authenticated user ask the self reviews; the others need a grant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.auth import UserInfo
from kubeflow_informer.apiserver.handlers.context import ServerState, user_of
from kubeflow_informer.apiserver.handlers.objects import check_body
from kubeflow_informer.apiserver.handlers.ownership import record_write
from kubeflow_informer.apiserver.handlers.params import decode_object
from kubeflow_informer.apiserver.handlers.responses import json_response, method_not_allowed
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.request_attributes import RequestAttributes
from kubeflow_informer.errors import ApiError

__all__ = ["REVIEW_HANDLERS"]

_AUTHORIZATION = "authorization.k8s.io"
#: ResourceAttributes' fields in the API's order (the order the real server answers in).
_RESOURCE_FIELDS = ("namespace", "verb", "group", "version", "resource", "subresource", "name",
                    "fieldSelector", "labelSelector")


def _invalid(field: str, message: str) -> ApiError:
    """The 422 of an invalid review spec, as the real server words it: the review kinds have
    no name and its GroupKind prints with an empty kind (``.authorization.k8s.io ""``)."""
    return status.invalid(_AUTHORIZATION, "", "", [
        status.field_cause("FieldValueInvalid", field, f"Invalid value: {message}")
    ])


async def _review_body(request: web.Request, target: ResourcePath) -> dict[str, Any]:
    body = check_body(target.info, await decode_object(request, target.info.kind),
                      target.namespace, None)
    spec = body.get("spec")
    body["spec"] = spec if isinstance(spec, dict) else {}
    return body


def _created(body: dict[str, Any]) -> web.Response:
    return json_response(body, 201)


def _non_resource_value(attributes: dict[str, Any]) -> str:
    return orjson.dumps({"Path": str(attributes.get("path") or ""),
                         "Verb": str(attributes.get("verb") or "")}).decode()


def _access_attributes(
    spec: dict[str, Any], user: UserInfo, namespace: str | None
) -> RequestAttributes:
    """The attributes a SubjectAccessReview spec asks about; its ``resourceAttributes`` /
    ``nonResourceAttributes`` are normalized in place (field order, empty fields dropped)."""
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if isinstance(resource, dict) and isinstance(non_resource, dict):
        raise _invalid("spec.nonResourceAttributes",
                       f"{_non_resource_value(non_resource)}: cannot be specified in "
                       "combination with resourceAttributes")
    if isinstance(non_resource, dict):
        if namespace is not None:
            raise _invalid("spec.nonResourceAttributes",
                           f"{_non_resource_value(non_resource)}: disallowed on this kind of "
                           "request")
        path, verb = str(non_resource.get("path") or ""), str(non_resource.get("verb") or "")
        spec["nonResourceAttributes"] = {k: v for k, v in (("path", path), ("verb", verb)) if v}
        return RequestAttributes(user, verb, False, path=path)
    if not isinstance(resource, dict):
        raise _invalid("spec.resourceAttributes",
                       "null: exactly one of nonResourceAttributes or resourceAttributes must be "
                       "specified")
    fields = {key: resource[key] for key in _RESOURCE_FIELDS if resource.get(key)}
    spec["resourceAttributes"] = fields
    if namespace is not None and fields.get("namespace", "") != namespace:
        raise _invalid("spec.resourceAttributes.namespace",
                       f'"{fields.get("namespace", "")}": must match metadata.namespace')
    return RequestAttributes(
        user,
        str(fields.get("verb", "")),
        True,
        api_group=str(fields.get("group", "")),
        api_version=str(fields.get("version", "")),
        resource=str(fields.get("resource", "")),
        subresource=str(fields.get("subresource", "")),
        namespace=str(fields.get("namespace", "")),
        name=str(fields.get("name", "")),
    )


def _subject(spec: dict[str, Any]) -> UserInfo:
    """The user a (Local)SubjectAccessReview asks about."""
    name = str(spec.get("user") or "")
    groups = spec.get("groups")
    groups = [str(g) for g in groups] if isinstance(groups, list) else []
    if not name and not groups:
        raise _invalid("spec.user", '"": at least one of user or group must be specified')
    extra = spec.get("extra")
    extras = {str(k): tuple(str(v) for v in values)
              for k, values in extra.items() if isinstance(values, list)
              } if isinstance(extra, dict) else {}
    return UserInfo(name, uid=str(spec.get("uid") or ""), groups=tuple(groups), extra=extras)


async def _access_review(
    request: web.Request, state: ServerState, target: ResourcePath, *, self_review: bool
) -> web.Response:
    body = await _review_body(request, target)
    spec = body["spec"]
    user = user_of(request) if self_review else _subject(spec)
    attributes = _access_attributes(spec, user, target.namespace)
    decision = state.authorizer.authorize(attributes)
    metadata = {"namespace": target.namespace} if target.namespace else {}
    answer = {"kind": body["kind"], "apiVersion": body["apiVersion"], "metadata": metadata,
              "spec": spec}
    answer = record_write(request, target.info, None)(None, answer)
    result: dict[str, Any] = {"allowed": decision.allowed}
    if decision.reason:
        result["reason"] = decision.reason
    answer["status"] = result
    return _created(answer)


async def handle_self_subject_access_review(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``selfsubjectaccessreviews``: may the requester do this?"""
    return await _access_review(request, state, target, self_review=True)


async def handle_subject_access_review(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``subjectaccessreviews`` or ``namespaces/NS/localsubjectaccessreviews``."""
    return await _access_review(request, state, target, self_review=False)


async def handle_self_subject_rules_review(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``selfsubjectrulesreviews``: the requester's rules in ``spec.namespace``."""
    body = await _review_body(request, target)
    namespace = body["spec"].get("namespace")
    if not namespace or not isinstance(namespace, str):
        raise status.bad_request("no namespace on request")
    rules = state.authorizer.rules_for(user_of(request), namespace)
    result: dict[str, Any] = {
        "resourceRules": rules.resource_rules,
        "nonResourceRules": rules.non_resource_rules,
        "incomplete": rules.incomplete,
    }
    if rules.evaluation_error:
        result["evaluationError"] = rules.evaluation_error
    return _created({"kind": body["kind"], "apiVersion": body["apiVersion"], "metadata": {},
                     "spec": {}, "status": result})


async def handle_self_subject_review(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``selfsubjectreviews``: the requester's user info."""
    body = check_body(target.info, await decode_object(request, target.info.kind), None, None)
    return _created({
        "kind": body["kind"],
        "apiVersion": body["apiVersion"],
        "metadata": {"creationTimestamp": state.storage.now()},
        "status": {"userInfo": user_of(request).to_dict()},
    })


async def handle_token_review(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``tokenreviews``: who ``spec.token`` authenticates, for the server's audience."""
    body = await _review_body(request, target)
    spec = body["spec"]
    token = spec.get("token")
    if not token or not isinstance(token, str):
        raise status.bad_request("token is required for TokenReview in authentication")
    audiences = spec.get("audiences")
    wanted = [str(a) for a in audiences] if isinstance(audiences, list) and audiences else []
    accepted = [state.tokens.issuer]
    user = state.auth.authenticate_token(token)
    result: dict[str, Any]
    if user is not None and (not wanted or set(wanted) & set(accepted)):
        result = {"authenticated": True, "user": user.to_dict(),
                  "audiences": [a for a in wanted if a in accepted] if wanted else accepted}
    elif user is not None:
        quoted = " ".join(f'"{a}"' for a in accepted)
        targets = " ".join(f'"{a}"' for a in wanted)
        result = {"user": {}, "error": f"[invalid bearer token, token audiences [{quoted}] is "
                                       f"invalid for the target audiences [{targets}]]"}
    else:
        result = {"user": {}, "error": "invalid bearer token"}
    return _created({"kind": body["kind"], "apiVersion": body["apiVersion"], "metadata": {},
                     "spec": spec, "status": result})


ReviewHandler = Callable[[web.Request, ServerState, ResourcePath], Awaitable[web.Response]]


def _create_only(handler: ReviewHandler) -> ReviewHandler:
    """``handler`` for a POST to the collection; 405 for anything else (reviews are only
    created)."""
    async def review(request: web.Request, state: ServerState, target: ResourcePath
                     ) -> web.Response:
        if request.method != "POST" or target.name is not None:
            raise method_not_allowed()
        return await handler(request, state, target)

    return review


#: The handlers of the review resources, by (group, plural).
REVIEW_HANDLERS: dict[tuple[str, str], ReviewHandler] = {
    resource: _create_only(handler) for resource, handler in (
        (("authentication.k8s.io", "selfsubjectreviews"), handle_self_subject_review),
        (("authentication.k8s.io", "tokenreviews"), handle_token_review),
        ((_AUTHORIZATION, "selfsubjectaccessreviews"), handle_self_subject_access_review),
        ((_AUTHORIZATION, "subjectaccessreviews"), handle_subject_access_review),
        ((_AUTHORIZATION, "localsubjectaccessreviews"), handle_subject_access_review),
        ((_AUTHORIZATION, "selfsubjectrulesreviews"), handle_self_subject_rules_review),
    )
}
