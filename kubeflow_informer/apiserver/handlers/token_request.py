"""``POST .../serviceaccounts/NAME/token``: TokenRequest, what ``kubectl create token`` sends.

As on kube-apiserver: the namespace and the ServiceAccount must exist (404 naming the missing
one); ``metadata.name``, when given, must be the ServiceAccount's (422);
``spec.expirationSeconds`` defaults to 3600 and must lie between 600 and 2^32 (422);
``spec.audiences`` defaults to the server's issuer; ``spec.boundObjectRef`` may bind the token
to a Pod (which must run as this ServiceAccount), a Secret or a Node, which must exist (404) and,
when a uid is given, have it (409); the token then dies with that object. The answer (201) is the
TokenRequest with the ServiceAccount's name, namespace and uid, the defaulted spec, and
``status.token`` / ``status.expirationTimestamp``. The token authenticates as
``system:serviceaccount:NS:NAME`` (``service_account_tokens.py``).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.objects import check_body
from kubeflow_informer.apiserver.handlers.ownership import record_write
from kubeflow_informer.apiserver.handlers.params import decode_object
from kubeflow_informer.apiserver.handlers.responses import json_response
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.service_account_tokens import BoundObject
from kubeflow_informer.apiserver.strategy import NAMESPACES
from kubeflow_informer.errors import ApiError

__all__ = ["TOKEN_REQUEST", "handle_token_request"]

#: The kind of the ``token`` subresource's objects.
TOKEN_REQUEST = ResourceInfo("authentication.k8s.io", "v1", "tokenrequests", "tokenrequest",
                             "TokenRequest", True)

_DEFAULT_EXPIRATION = 3600
_MIN_EXPIRATION = 600
_MAX_EXPIRATION = 2**32
#: Bindable kinds: (resource, namespaced).
_BINDABLE = {
    "Pod": (("", "pods"), True),
    "Secret": (("", "secrets"), True),
    "Node": (("", "nodes"), False),
}


def _invalid(name: str, field: str, message: str) -> ApiError:
    return status.invalid(TOKEN_REQUEST.group, TOKEN_REQUEST.kind, name, [
        status.field_cause("FieldValueInvalid", field, f"Invalid value: {message}")
    ])


def _expiration(spec: dict[str, Any]) -> int:
    seconds = spec.get("expirationSeconds")
    if seconds is None:
        return _DEFAULT_EXPIRATION
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise status.bad_request("spec.expirationSeconds must be an integer")
    if seconds < _MIN_EXPIRATION:
        raise _invalid("", "spec.expirationSeconds",
                       f"{seconds}: may not specify a duration less than 10 minutes")
    if seconds > _MAX_EXPIRATION:
        raise _invalid("", "spec.expirationSeconds",
                       f"{seconds}: may not specify a duration larger than 2^32 seconds")
    return seconds


def _bound_object(
    state: ServerState, namespace: str, account: str, ref: dict[str, Any]
) -> BoundObject:
    kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
    if kind not in _BINDABLE:
        api_version = str(ref.get("apiVersion") or "")
        group, _, version = api_version.rpartition("/")
        raise status.bad_request(
            f"cannot bind token to object of type {group}/{version}, Kind={kind}")
    (group, plural), namespaced = _BINDABLE[kind]
    info = state.storage.info_of((group, plural))
    if info is None:
        raise status.not_found(group, plural, name)
    stored = state.storage.get(info, namespace if namespaced else None, name)
    if kind == "Pod" and (stored.obj.get("spec") or {}).get("serviceAccountName",
                                                             "default") != account:
        raise status.bad_request(
            f'cannot bind token for serviceaccount "{account}" to pod running with different '
            "serviceaccount name.")
    uid = stored.obj["metadata"]["uid"]
    wanted_uid = ref.get("uid")
    if wanted_uid and wanted_uid != uid:
        raise status.conflict(
            "", kind, name,
            f"the UID in the bound object reference ({wanted_uid}) does not match the UID in "
            "record. The object might have been deleted and then recreated",
        )
    return BoundObject(kind, name, uid)


def _object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _timestamp(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


async def handle_token_request(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``namespaces/NS/serviceaccounts/NAME/token``: 201 with a new token."""
    assert target.namespace is not None and target.name is not None
    body = await decode_object(request, TOKEN_REQUEST.kind)
    check_body(TOKEN_REQUEST, {**body, "metadata": {}}, target.namespace, None)  # kind, version
    storage = state.storage
    namespaces = storage.info_of(NAMESPACES)
    assert namespaces is not None
    storage.get(namespaces, None, target.namespace)
    account = storage.get(target.info, target.namespace, target.name).obj
    metadata = _object(body, "metadata")
    requested_name = metadata.get("name")
    if requested_name and requested_name != target.name:
        raise _invalid(target.name, "metadata.name",
                       f'"{requested_name}": must match the service account name if specified')
    spec = _object(body, "spec")
    expiration = _expiration(spec)
    audiences = spec.get("audiences")
    if not isinstance(audiences, list) or not audiences:
        audiences = [state.tokens.issuer]
    ref = spec.get("boundObjectRef")
    bound = (_bound_object(state, target.namespace, target.name, ref)
             if isinstance(ref, dict) else None)
    issued = state.tokens.issue(target.namespace, account, audiences=[str(a) for a in audiences],
                                expiration_seconds=expiration, bound=bound)
    # Ownership is recorded for what the client sent, after defaulting (as the field manager
    # sees it): the real server records f:spec.f:expirationSeconds even when it was defaulted.
    sent = {"apiVersion": TOKEN_REQUEST.api_version, "kind": TOKEN_REQUEST.kind,
            "metadata": {}, "spec": {**spec, "expirationSeconds": expiration}}
    recorded = record_write(request, TOKEN_REQUEST, "token")(None, sent)
    answer: dict[str, Any] = {
        "kind": TOKEN_REQUEST.kind,
        "apiVersion": TOKEN_REQUEST.api_version,
        "metadata": {
            "name": target.name,
            "namespace": target.namespace,
            "uid": account["metadata"]["uid"],
            "creationTimestamp": storage.now(),
            **({"managedFields": recorded["metadata"]["managedFields"]}
               if recorded["metadata"].get("managedFields") else {}),
        },
        "spec": {
            "audiences": [str(a) for a in audiences],
            "expirationSeconds": expiration,
            "boundObjectRef": ref if isinstance(ref, dict) else None,
        },
        "status": {"token": issued.token, "expirationTimestamp": _timestamp(issued.expires_at)},
    }
    return json_response(answer, 201)
