"""Aggregated ClusterRoles: the embedded counterpart of kube-controller-manager's
``clusterrole-aggregation-controller``.

A ClusterRole with an ``aggregationRule`` gets as ``rules`` the rules of every other ClusterRole
matched by one of its ``clusterRoleSelectors``: selectors in order, the matched roles of each
sorted by name, a rule already present not repeated. This is how ``admin``, ``edit`` and
``view`` gather the ``system:aggregate-to-*`` roles, and how a CRD's author extends them with a
ClusterRole labelled ``rbac.authorization.k8s.io/aggregate-to-view: "true"``.

The real controller rewrites the aggregated role shortly after a change; here it happens
synchronously, right after every committed ClusterRole change, until nothing changes any more
(an aggregated role may itself be aggregated, as ``view`` is into ``edit``), so a test reads the
result at once. The writes are the server's own: they record no ``managedFields`` entry (the real
controller's apply records ``clusterrole-aggregation-controller``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kubeflow_informer.apiserver.rbac import CLUSTER_ROLES
from kubeflow_informer.selectors import LabelSelector, SelectorError

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.storage import Storage
    from kubeflow_informer.apiserver.stored import StoredObject

__all__ = ["ClusterRoleAggregator"]

logger = logging.getLogger(__name__)

#: Rounds of re-aggregation after one change before giving up (a cycle of aggregated roles
#: that keeps changing; the real controller would keep requeueing).
_MAX_ROUNDS = 10


def _selectors(rule: Any) -> list[LabelSelector]:
    selectors = rule.get("clusterRoleSelectors") if isinstance(rule, dict) else None
    parsed = []
    for selector in selectors if isinstance(selectors, list) else []:
        try:
            parsed.append(LabelSelector.from_dict(selector))
        except SelectorError:
            continue  # an invalid selector selects nothing, as in the controller
    return parsed


class ClusterRoleAggregator:
    """Keeps aggregated ClusterRoles' rules current in ``storage``; see the module docstring.

    :meth:`observe` is the storage's commit hook for ClusterRoles; :meth:`aggregate_all`
    recomputes every aggregated role (after seeding, for instance).
    """

    __slots__ = ("_busy", "_storage")

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._busy = False

    def observe(self, stored: StoredObject, old: StoredObject | None, event_type: str) -> None:
        """Re-aggregate after a ClusterRole change (ignored while aggregating: the loop in
        :meth:`aggregate_all` sees its own writes)."""
        if not self._busy:
            self.aggregate_all()

    def aggregate_all(self) -> None:
        """Recompute every aggregated ClusterRole until no rules change."""
        self._busy = True
        try:
            for _ in range(_MAX_ROUNDS):
                if not self._round():
                    return
            logger.warning("aggregated ClusterRoles still changing after %d rounds", _MAX_ROUNDS)
        finally:
            self._busy = False

    def _round(self) -> bool:
        storage = self._storage
        roles = storage.objects_of(CLUSTER_ROLES)
        changed = False
        for name in list(storage.sorted_keys(CLUSTER_ROLES)):
            stored = roles.get(name)
            if stored is None or not stored.obj.get("aggregationRule"):
                continue
            rules = self._aggregated_rules(name, stored.obj["aggregationRule"])
            if rules != (stored.obj.get("rules") or []):
                info = storage.info_of(CLUSTER_ROLES)
                assert info is not None
                new = dict(stored.obj)
                new["rules"] = rules
                storage.update(info, new, namespace=None, name=name)
                changed = True
        return changed

    def _aggregated_rules(self, name: str, aggregation_rule: Any) -> list[Any]:
        storage = self._storage
        roles = storage.objects_of(CLUSTER_ROLES)
        rules: list[Any] = []
        for selector in _selectors(aggregation_rule):
            for key in storage.sorted_keys(CLUSTER_ROLES):
                role = roles[key].obj
                if key == name or not selector.matches(role["metadata"].get("labels")):
                    continue
                for rule in role.get("rules") or []:
                    if rule not in rules:
                        rules.append(rule)
        return rules
