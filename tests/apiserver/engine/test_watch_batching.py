"""Live watch events are sent in bounded batches, whatever the backlog."""

from __future__ import annotations

import orjson

from kubeflow_informer.apiserver.builtins import default_registry
from kubeflow_informer.apiserver.storage import Storage
from kubeflow_informer.apiserver.watch import _LIVE_BATCH


async def test_a_backlog_of_live_events_is_yielded_in_bounded_batches_in_order() -> None:
    storage = Storage(default_registry(), watch_buffer=100_000)
    pods = storage.registry.get("", "v1", "pods")
    assert pods is not None
    watcher = storage.watch(
        pods, namespace="default", label_selector=None, field_selector=None,
        resource_version=str(storage.resource_version), resource_version_match=None,
        send_initial_events=None, allow_bookmarks=False,
    )
    total = 3 * _LIVE_BATCH + 7
    for index in range(total):
        storage.create(pods, {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": f"p{index}", "namespace": "default"}},
                       namespace="default")
    names: list[str] = []
    batches = 0
    async for data in watcher:
        lines = data.splitlines()
        assert len(lines) <= _LIVE_BATCH
        names.extend(orjson.loads(line)["object"]["metadata"]["name"] for line in lines)
        batches += 1
        if len(names) == total:
            break
    watcher.close()
    assert names == [f"p{index}" for index in range(total)]
    assert batches == 4
