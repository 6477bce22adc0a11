"""What the real server computes instead of storing: bindings, evictions, component statuses, and
the connect subresources (``exec``, ``attach``, ``portforward``, ``proxy``).

* ``bindings`` and ``pods/{name}/binding`` (``POST`` a ``Binding``): assign an unscheduled pod to
  the target node, as the scheduler does: ``spec.nodeName``, the ``PodScheduled`` condition and
  the binding's annotations, in one write; ``201`` with a success ``Status``. A pod already
  assigned is ``409`` worded as the real server.
* ``pods/{name}/eviction`` (``POST`` an ``Eviction``, policy/v1 or v1beta1): the disruption-budget
  rules of the real eviction registry. A pod that is pending, finished or already deleting is
  deleted outright; otherwise its one matching ``PodDisruptionBudget`` must have been observed
  (``status.observedGeneration``) and allow a disruption (``status.disruptionsAllowed``, then
  decremented and the pod recorded in ``disruptedPods``), else ``429`` with the real causes. An
  unready pod may go while the budget is healthy (``currentHealthy >= desiredHealthy``) or when
  ``unhealthyPodEvictionPolicy`` is ``AlwaysAllow``. Two matching budgets are a ``500``.
* ``componentstatuses`` (get, list): an empty list; the embedded server has no scheduler,
  controller manager or etcd to probe.
* Connect subresources: the real server forwards them to a kubelet or a pod. Nothing runs here, so
  they fail as on a cluster whose pod has no node (``400 ... does not have a host assigned``) or
  whose node cannot be reached; ``services/proxy`` answers ``503`` without endpoints.

:data:`COMPUTED_KINDS` maps a kind that has no storage to the handler of its requests (the review
kinds of authentication/authorization are answered by ``reviews.py``); a computed kind without
one answers ``405``.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.handlers.context import ServerState
from kubeflow_informer.apiserver.handlers.params import decode_object, dry_run
from kubeflow_informer.apiserver.handlers.responses import (
    json_response,
    method_not_allowed,
    raw_response,
)
from kubeflow_informer.apiserver.handlers.reviews import REVIEW_HANDLERS
from kubeflow_informer.apiserver.handlers.routing import ResourcePath
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.stored import StoredObject
from kubeflow_informer.errors import ApiError
from kubeflow_informer.selectors import LabelSelector, SelectorError

__all__ = ["COMPUTED_KINDS", "CONNECT_SUBRESOURCES", "handle_binding", "handle_computed",
           "handle_connect", "handle_eviction"]

Handler = Callable[[web.Request, ServerState, ResourcePath], Awaitable[web.StreamResponse]]

PODS = ("", "pods")
NODES = ("", "nodes")
SERVICES = ("", "services")
PDBS = ("policy", "poddisruptionbudgets")
CONNECT_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy"})

_CREATED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "code": 201}


def _created() -> web.Response:
    return json_response(_CREATED, 201)


def _info(state: ServerState, resource: tuple[str, str]) -> ResourceInfo:
    info = state.storage.info_of(resource)
    if info is None:  # a registry without this built-in kind (tests build their own)
        raise status.not_found(resource[0], resource[1], "")
    return info


# ------------------------------------------------------------------------------- bindings


async def handle_binding(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``namespaces/{ns}/bindings`` or ``pods/{name}/binding``: schedule a pod."""
    binding = await decode_object(request)
    name = target.name if target.name is not None else binding["metadata"].get("name", "")
    node = (binding.get("target") or {}).get("name")
    if not node:
        raise status.status_error(500, "InternalError", "target.name: Required value")
    pods = _info(state, PODS)
    current = state.storage.get(pods, target.namespace, name)
    assigned = (current.obj.get("spec") or {}).get("nodeName")
    if assigned:
        raise status.status_error(
            409, "Conflict",
            f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is already '
            f'assigned to node "{assigned}"',
            name=name, kind="pods/binding",
        )
    if dry_run(request):
        return _created()
    pod = copy.deepcopy(current.obj)
    pod.setdefault("spec", {})["nodeName"] = node
    annotations = (binding.get("metadata") or {}).get("annotations") or {}
    if annotations:
        pod["metadata"].setdefault("annotations", {}).update(annotations)
    pod_status = pod.setdefault("status", {})
    conditions = [c for c in pod_status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                       "lastTransitionTime": state.storage.now()})
    pod_status["conditions"] = conditions
    state.storage.commit(pods, "MODIFIED", pod, current)
    return _created()


# ------------------------------------------------------------------------------- eviction

_EVICTION_VERSIONS = ("policy/v1", "policy/v1beta1")


def _check_eviction(eviction: dict[str, Any], name: str) -> None:
    api_version = str(eviction.get("apiVersion", ""))
    kind = str(eviction.get("kind", ""))
    if kind != "Eviction" or api_version not in _EVICTION_VERSIONS:
        version = api_version.rpartition("/")[2]
        raise status.bad_request(
            f'{kind} in version "{version}" cannot be handled as a Eviction: converting '
            f"({version}.{kind}) to (policy.Eviction): unknown conversion"
        )
    if eviction["metadata"].get("name", name) != name:
        raise status.bad_request("name in URL does not match name in Eviction object")


def _is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _budgets_of(state: ServerState, pod: dict[str, Any]) -> list[StoredObject]:
    namespace = pod["metadata"].get("namespace")
    labels = pod["metadata"].get("labels") or {}
    matching = []
    for stored in state.storage.objects_of(PDBS).values():
        if stored.obj["metadata"].get("namespace") != namespace:
            continue
        selector = (stored.obj.get("spec") or {}).get("selector")
        if selector is None:
            continue
        try:
            if LabelSelector.from_dict(selector).matches(labels):
                matching.append(stored)
        except SelectorError:
            continue
    return matching


def _too_many_requests(cause: str) -> ApiError:
    return status.status_error(
        429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
        causes=[{"reason": "DisruptionBudget", "message": cause}], retry_after_seconds=10,
    )


def _take_disruption(state: ServerState, budget: StoredObject, pod_name: str,
                     *, ready: bool, dry: bool) -> None:
    """Apply one budget to an eviction: raise when it forbids it, else record the disruption."""
    pdb = budget.obj
    name = pdb["metadata"]["name"]
    pdb_status = pdb.get("status") or {}
    if pdb_status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
        raise _too_many_requests(f"The disruption budget {name} is still being processed by the "
                                 "server.")
    if not ready:
        policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
        healthy, desired = pdb_status.get("currentHealthy", 0), pdb_status.get("desiredHealthy", 0)
        if policy == "AlwaysAllow" or (desired > 0 and healthy >= desired):
            return
    allowed = pdb_status.get("disruptionsAllowed", 0)
    if allowed < 0:
        raise status.forbidden("policy", "poddisruptionbudgets", name,
                               "pdb disruptions allowed is negative")
    if allowed == 0:
        raise _too_many_requests(
            f"The disruption budget {name} needs {pdb_status.get('desiredHealthy', 0)} healthy "
            f"pods and has {pdb_status.get('currentHealthy', 0)} currently"
        )
    if dry:
        return
    updated = copy.deepcopy(pdb)
    new_status = updated.setdefault("status", {})
    new_status["disruptionsAllowed"] = allowed - 1
    new_status.setdefault("disruptedPods", {})[pod_name] = state.storage.now()
    state.storage.commit(_info(state, PDBS), "MODIFIED", updated, budget)


async def handle_eviction(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """POST ``pods/{name}/eviction``: delete the pod unless a disruption budget forbids it."""
    assert target.name is not None
    eviction = await decode_object(request)
    _check_eviction(eviction, target.name)
    pods = _info(state, PODS)
    pod = state.storage.get(pods, target.namespace, target.name).obj
    dry = dry_run(request, (eviction.get("deleteOptions") or {}).get("dryRun"))
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase not in ("Pending", "Succeeded", "Failed") and not pod["metadata"].get(
            "deletionTimestamp"):
        budgets = _budgets_of(state, pod)
        if len(budgets) > 1:
            raise status.status_error(
                500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
                "eviction subresource does not support.")
        if budgets:
            _take_disruption(state, budgets[0], target.name, ready=_is_ready(pod), dry=dry)
    options = eviction.get("deleteOptions") or {}
    grace = options.get("gracePeriodSeconds")
    state.storage.delete(
        pods, target.namespace, target.name,
        preconditions=options.get("preconditions") or None,
        propagation_policy=options.get("propagationPolicy"),
        grace_period_seconds=grace if isinstance(grace, int) else None,
        dry_run=dry,
    )
    return _created()


# ------------------------------------------------------------------------------- connect


async def handle_connect(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    """``exec``/``attach``/``portforward``/``proxy`` of pods, ``proxy`` of services and nodes:
    there is no kubelet and no pod network to reach (see the module docstring)."""
    assert target.name is not None
    resource = target.info.group_resource
    name = target.name.partition(":")[0]  # services/{name}:{port}/proxy
    obj = state.storage.get(target.info, target.namespace, name).obj
    if resource == PODS:
        node = (obj.get("spec") or {}).get("nodeName")
        if target.subresource == "proxy":
            if not (obj.get("status") or {}).get("podIP"):
                raise status.bad_request("address not allowed")
            raise status.status_error(
                503, "ServiceUnavailable",
                f"error trying to reach service: the embedded API server has no pod network "
                f"(pod {name})")
        if not node:
            raise status.bad_request(f"pod {name} does not have a host assigned")
        # the real server words a missing node this way (it looks the node up as a pod)
        state.storage.get(_info(state, NODES), None, node)
        raise _no_kubelet(node)
    if resource == SERVICES:
        raise status.status_error(503, "ServiceUnavailable",
                                  f'no endpoints available for service "{name}"')
    raise _no_kubelet(name)


def _no_kubelet(node: str) -> ApiError:
    return status.status_error(
        500, "InternalError",
        f"error dialing backend: the embedded API server has no kubelet on node {node!r}")


# ------------------------------------------------------------------------ computed kinds


async def _component_statuses(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    if request.method != "GET" or target.watch_prefix:
        raise method_not_allowed()
    if target.name is not None:
        raise status.not_found("", "componentstatuses", target.name)
    return raw_response(orjson.dumps(
        {"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": []}))


async def _bindings(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.Response:
    if request.method != "POST" or target.name is not None:
        raise method_not_allowed()
    return await handle_binding(request, state, target)


#: The handler of each kind the server computes rather than stores (``stored=False``).
COMPUTED_KINDS: dict[tuple[str, str], Handler] = {
    ("", "bindings"): _bindings,
    ("", "componentstatuses"): _component_statuses,
    **REVIEW_HANDLERS,
}


async def handle_computed(
    request: web.Request, state: ServerState, target: ResourcePath
) -> web.StreamResponse:
    """A request for a kind without storage: its handler, or 405 when it has none here."""
    handler = COMPUTED_KINDS.get(target.info.group_resource)
    if handler is None:
        raise status.method_not_allowed(
            f"{target.info.plural}.{target.info.group} is computed by the real server and not "
            "implemented by this embedded server"
        )
    return await handler(request, state, target)
