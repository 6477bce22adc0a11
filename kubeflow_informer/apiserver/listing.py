"""Paginated lists over a consistent snapshot, and their continue tokens.

Items are returned sorted by key (``namespace/name``), as etcd range reads return them. A page is
cut from the state at a snapshot resourceVersion: the current objects, with the keys changed since
the snapshot replaced by their state at that RV (the history overlay, see ``history.py``). The
continue token is opaque to clients; it is base64 of ``{"v":"meta.k8s.io/v1","rv":N,
"start":"<last key>"}`` (the shape etcd3 storage uses), so the next page is taken from the same
snapshot RV, strictly after the last key returned.

``remainingItemCount`` is given only for unfiltered lists, as the real server does (it cannot
count matches of a selector without reading them).
"""

from __future__ import annotations

import base64
import binascii
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

import orjson

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.stored import StoredObject
from kubeflow_informer.apiserver.watch import Filter

_TOKEN_VERSION = "meta.k8s.io/v1"


LATEST = -1
"""The snapshot of a continue token that reads the current state (the token a 410 for an expired
continue offers: an inconsistent continuation, as the real server's ``rv: -1``)."""


def encode_continue(rv: int, last_key: str) -> str:
    """An opaque continue token for "after ``last_key`` in the snapshot at ``rv``"
    (:data:`LATEST`: in whatever state is current when it is used)."""
    body = orjson.dumps({"v": _TOKEN_VERSION, "rv": rv, "start": last_key})
    return base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """``(snapshot rv, last key)`` from a token; 400 BadRequest when it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if data.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown version")
        rv, start = data["rv"], data["start"]
        if not isinstance(rv, int) or not isinstance(start, str) or (rv < 1 and rv != LATEST):
            raise ValueError("bad fields")
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        binascii.Error,
        orjson.JSONDecodeError,
    ):
        raise status.bad_request(f"continue key is not valid: {token}") from None
    return rv, start


def _key_range(keys: list[str], namespace: str | None, after: str | None) -> tuple[int, int]:
    lo, hi = 0, len(keys)
    if namespace is not None:
        lo = bisect_left(keys, namespace + "/")
        hi = bisect_left(keys, namespace + "0")  # "0" sorts right after "/"
    if after is not None:
        lo = max(lo, bisect_right(keys, after))
    return lo, min(max(lo, hi), len(keys))


def _in_scope(key: str, namespace: str | None, after: str | None) -> bool:
    if namespace is not None and not key.startswith(namespace + "/"):
        return False
    return after is None or key > after


def page(
    objects: dict[str, StoredObject],
    sorted_keys: list[str],
    overlay: dict[str, StoredObject | None],
    flt: Filter,
    *,
    limit: int | None,
    after: str | None,
) -> tuple[list[StoredObject], bool, int | None]:
    """One page of the snapshot: ``(items, has_more, remaining_item_count)``.

    ``sorted_keys`` are the current keys in order; ``overlay`` maps keys changed since the snapshot
    to their state then (None = absent then). ``has_more`` is true only when another selected item
    exists after the page, so the last page never carries a continue token.
    """
    namespace = flt.namespace
    lo, hi = _key_range(sorted_keys, namespace, after)
    current: Iterator[str] = (sorted_keys[i] for i in range(lo, hi))
    candidates: Iterator[str]
    if overlay:
        extra = sorted(k for k in overlay if k not in objects and _in_scope(k, namespace, after))
        candidates = heapq.merge(current, extra)
    else:
        candidates = current
    items: list[StoredObject] = []
    has_more = False
    for key in candidates:
        stored = overlay[key] if key in overlay else objects.get(key)
        if stored is None or not flt.matches(stored):
            continue
        if limit is not None and len(items) >= limit:
            has_more = True
            break
        items.append(stored)
    remaining: int | None = None
    if has_more and flt.plain:
        last = items[-1].key
        if overlay:
            remaining = sum(
                1
                for k in heapq.merge(
                    sorted_keys[bisect_right(sorted_keys, last) : hi],
                    sorted(k for k in overlay if k not in objects and k > last),
                )
                if (overlay[k] if k in overlay else objects.get(k)) is not None
                and _in_scope(k, namespace, last)
            )
        else:
            remaining = hi - bisect_right(sorted_keys, last)
    return items, has_more, remaining


def forbidden_option(detail: str, field: str = "resourceVersionMatch") -> dict[str, str]:
    """One cause of an invalid ``ListOptions``: ``<field>: Forbidden: <detail>``."""
    return status.field_cause("FieldValueForbidden", field, f"Forbidden: {detail}")


def unsupported_match(match: str, supported: tuple[str, ...]) -> dict[str, str]:
    """One cause: a ``resourceVersionMatch`` value the request kind does not take."""
    values = ", ".join(f'"{value}"' for value in supported)
    return status.field_cause("FieldValueNotSupported", "resourceVersionMatch",
                              f'Unsupported value: "{match}": supported values: {values}')


def list_options_invalid(*causes: dict[str, str]) -> Exception:
    """422 Invalid on ``ListOptions`` (group meta.k8s.io) with every cause found, as the real
    parameter validation (``ValidateListOptions``) reports them."""
    return status.invalid("meta.k8s.io", "ListOptions", "", causes)


def reject_watch_only_options(send_initial_events: bool | None) -> None:
    """422 for an option that only a watch takes: ``sendInitialEvents`` on a list, even
    ``false`` (the real validation checks that it is set, not its value)."""
    if send_initial_events is not None:
        raise list_options_invalid(
            forbidden_option("sendInitialEvents is forbidden for list", "sendInitialEvents")
        )


def parse_rv(value: str) -> int:
    """An integer resourceVersion from a query value; 400 BadRequest when it is not one."""
    if not value.isdigit():
        raise status.bad_request(f'invalid resource version: resourceVersion: Invalid value: '
                                 f'"{value}": strconv.ParseUint: parsing "{value}": invalid syntax')
    return int(value)


def resolve_list_rv(
    *,
    current: int,
    compacted: int,
    limit: int | None,
    continue_token: str | None,
    resource_version: str | None,
    resource_version_match: str | None,
) -> tuple[int, str | None]:
    """Which snapshot a list reads, and after which key: ``(snapshot rv, last key | None)``.

    The rules of the "API concepts" resourceVersion table: unset = most recent; ``"0"`` = any
    (we serve the most recent); a specific RV with ``NotOlderThan`` (or without a match and
    without a limit) serves the current state if it is at least that new, else 504 "Too large
    resource version"; with ``Exact`` (or without a match but with a limit) the state at exactly
    that RV, 410 Expired when it left the history window. A continue token pins its snapshot and
    gives 410 Expired once that snapshot is compacted.
    """
    match = resource_version_match or None
    if match not in (None, "NotOlderThan", "Exact"):
        raise list_options_invalid(unsupported_match(match, ("Exact", "NotOlderThan", "")))
    if match and not resource_version:
        raise list_options_invalid(
            forbidden_option("resourceVersionMatch is forbidden unless resourceVersion is provided")
        )
    if match and continue_token:
        raise list_options_invalid(
            forbidden_option("resourceVersionMatch is forbidden when continue is provided")
        )
    if match == "Exact" and resource_version == "0":
        raise list_options_invalid(
            forbidden_option('resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
        )
    if continue_token:
        if resource_version not in (None, "", "0"):
            raise status.bad_request(
                "specifying resource version is not allowed when using continue"
            )
        snap_rv, after = decode_continue(continue_token)
        if snap_rv == LATEST:
            return current, after
        if snap_rv < compacted:
            raise status.expired_continue(encode_continue(LATEST, after))
        return snap_rv, after
    if resource_version in (None, "", "0"):
        return current, None
    requested = parse_rv(resource_version)
    exact = match == "Exact" or (match is None and limit is not None)
    if requested > current:
        raise status.too_large_resource_version(requested, current)
    if not exact:
        return current, None
    if requested < compacted:
        raise status.expired("The resourceVersion for the provided list is too old.")
    return requested, None
