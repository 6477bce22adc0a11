"""How a watch request starts: which initial events it gets, then live ones.

The rules of the "API concepts" watch table, as the real watch cache applies them:

* ``resourceVersion`` unset or ``"0"``: synthetic ``ADDED`` for every current object, then every
  later change ("get state and start at most recent" / "start at any").
* a specific RV: replay every change after it from the history window, then live changes (an RV
  the storage has not reached yet gets only the changes after it, as the cacher's watcher skips
  every event not newer than the requested RV); an RV older than the window gives one
  ``ERROR`` line with a 410 Expired Status ``too old resource version: X (Y)`` and the stream
  ends (the server answers 200, the error is in the stream).
* ``sendInitialEvents=true`` (requires ``resourceVersionMatch=NotOlderThan``, else 422): the
  current state as ``ADDED`` (the requested RV must not be ahead of the storage), then, when
  bookmarks are allowed, a ``BOOKMARK`` annotated ``k8s.io/initial-events-end``. Without
  ``allowWatchBookmarks`` the request is still valid (the real validation leaves it so for
  backward compatibility) and no bookmark is sent, as the cacher sends bookmarks only to
  watchers that allow them. ``sendInitialEvents=false`` starts from the RV (unset: from now)
  without initial state.
* ``resourceVersionMatch`` without ``sendInitialEvents``, or other than ``NotOlderThan``, is
  refused (422).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubeflow_informer.apiserver import status
from kubeflow_informer.apiserver.listing import (
    forbidden_option,
    list_options_invalid,
    parse_rv,
    unsupported_match,
)
from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.watch import (
    Filter,
    Watcher,
    added_lines,
    bookmark_line,
    error_line,
    replay_lines,
)

if TYPE_CHECKING:
    from kubeflow_informer.apiserver.storage import Storage


def _current_lines(storage: Storage, info: ResourceInfo, flt: Filter) -> Iterator[bytes]:
    objects = storage.objects_of(info.group_resource)
    keys = list(storage.sorted_keys(info.group_resource))
    # the snapshot is taken now (the list of versions), serialized lines are made lazily
    snapshot = [objects[k] for k in keys]
    return added_lines(s for s in snapshot if flt.selects(s))


def start_watch(
    storage: Storage,
    info: ResourceInfo,
    flt: Filter,
    *,
    resource_version: str | None,
    resource_version_match: str | None,
    send_initial_events: bool | None,
    allow_bookmarks: bool,
    bookmark_interval: float,
) -> Watcher:
    """Build and register the watcher for one watch request (see the module docstring)."""
    match = resource_version_match or None
    causes = []
    if send_initial_events is not None and match != "NotOlderThan":
        causes.append(forbidden_option(
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
    if match is not None:
        if send_initial_events is None:
            causes.append(forbidden_option(
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        if match != "NotOlderThan":
            causes.append(unsupported_match(match, ("NotOlderThan",)))
    if causes:
        raise list_options_invalid(*causes)
    current = storage.resource_version

    def make(
        initial: Iterator[bytes] | None, *, live: bool = True, after: int | None = None
    ) -> Watcher:
        watcher = Watcher(
            storage.hub,
            info,
            flt,
            initial=initial,
            allow_bookmarks=allow_bookmarks,
            bookmark_interval=bookmark_interval,
            buffer_size=storage.watch_buffer,
            current_rv=lambda: storage.resource_version,
            end_after_initial=not live,
        )
        if after is not None:
            storage.hub.add_after(watcher, after)
        elif live:
            storage.hub.add(watcher)
        return watcher

    requested = None if resource_version in (None, "", "0") else parse_rv(resource_version or "")
    if send_initial_events:
        if requested is not None and requested > current:
            err = status.too_large_resource_version(requested, current)
            return make(iter([error_line(err.status_object)]), live=False)
        initial = _current_lines(storage, info, flt)
        if allow_bookmarks:
            end = bookmark_line(info, current, initial_events_end=True)
            initial = itertools.chain(initial, [end])
        return make(initial)
    if requested is None:
        if send_initial_events is False:
            return make(None)
        return make(_current_lines(storage, info, flt))
    if requested > current:
        return make(None, after=requested)
    compacted = storage.history.compacted_rv
    if requested < compacted:
        err = status.expired(f"too old resource version: {requested} ({compacted})")
        return make(iter([error_line(err.status_object)]), live=False)
    resource = info.group_resource
    past = [e for e in storage.history.after(requested) if e.resource == resource]
    return make(replay_lines(past, flt))
