from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.cache import (
    DeletedFinalStateUnknown,
    DeltaFIFO,
    DeltaType,
    FIFOClosedError,
    Indexer,
)

from .cache_fakes import pod


def rv(obj: dict[str, Any], version: str) -> dict[str, Any]:
    obj["metadata"]["resourceVersion"] = version
    return obj


def types(deltas: list[Any]) -> list[DeltaType]:
    return [d.type for d in deltas]


async def test_each_key_is_queued_once_with_its_deltas_in_order() -> None:
    fifo = DeltaFIFO()
    fifo.add(pod("a"))
    fifo.add(pod("b"))
    fifo.update(pod("a"))
    assert fifo.queued_keys() == ["default/a", "default/b"]
    batch = await fifo.pop_batch()
    assert [(k, types(d)) for k, d, _ in batch] == [
        ("default/a", [DeltaType.ADDED, DeltaType.UPDATED]),
        ("default/b", [DeltaType.ADDED]),
    ]


async def test_consecutive_deletes_collapse_keeping_the_known_final_state() -> None:
    fifo = DeltaFIFO()
    fifo.add(pod("a"))
    fifo.delete(rv(pod("a"), "5"))
    fifo.replace([], "6")  # a relist also misses it: queues a tombstone delete
    deltas = fifo.get_deltas("default/a")
    assert deltas is not None
    assert types(deltas) == [DeltaType.ADDED, DeltaType.DELETED]
    assert deltas[-1].object["metadata"]["resourceVersion"] == "5"


async def test_delete_of_a_key_nobody_knows_is_dropped() -> None:
    fifo = DeltaFIFO(known_objects=Indexer())
    fifo.delete(pod("ghost"))
    assert len(fifo) == 0


async def test_delete_without_known_objects_needs_a_queued_key() -> None:
    fifo = DeltaFIFO()
    fifo.delete(pod("ghost"))
    assert len(fifo) == 0
    fifo.add(pod("a"))
    fifo.delete(pod("a"))
    assert types(fifo.get_deltas("default/a") or []) == [DeltaType.ADDED, DeltaType.DELETED]


async def test_replace_emits_tombstones_for_known_keys_missing_from_the_list() -> None:
    known = Indexer()
    known.add(pod("gone"))
    known.add(pod("kept"))
    fifo = DeltaFIFO(known_objects=known)
    fifo.replace([pod("kept")], "10")
    deltas = fifo.get_deltas("default/gone")
    assert deltas is not None and types(deltas) == [DeltaType.DELETED]
    tombstone = deltas[0].object
    assert isinstance(tombstone, DeletedFinalStateUnknown)
    assert tombstone.key == "default/gone"
    assert tombstone.obj is known.get_by_key("default/gone")
    assert types(fifo.get_deltas("default/kept") or []) == [DeltaType.REPLACED]


async def test_replace_emits_tombstones_for_queued_keys_missing_from_the_list() -> None:
    fifo = DeltaFIFO(known_objects=Indexer())
    fifo.add(pod("queued"))
    fifo.replace([], "10")
    deltas = fifo.get_deltas("default/queued") or []
    assert types(deltas) == [DeltaType.ADDED, DeltaType.DELETED]
    assert isinstance(deltas[-1].object, DeletedFinalStateUnknown)


async def test_paged_replace_queues_pages_as_they_arrive() -> None:
    known = Indexer()
    known.add(pod("old"))
    fifo = DeltaFIFO(known_objects=known)
    session = fifo.begin_replace()
    session.add_page([pod("a")])
    assert fifo.queued_keys() == ["default/a"]
    session.add_page([pod("b")])
    assert session.finish("9") == 1
    assert fifo.queued_keys() == ["default/a", "default/b", "default/old"]


async def test_resync_emits_sync_only_for_known_keys_not_queued() -> None:
    known = Indexer()
    known.add(pod("a"))
    known.add(pod("b"))
    fifo = DeltaFIFO(known_objects=known)
    fifo.update(pod("a"))
    assert fifo.resync() == 1
    assert types(fifo.get_deltas("default/a") or []) == [DeltaType.UPDATED]
    assert types(fifo.get_deltas("default/b") or []) == [DeltaType.SYNC]


async def test_transform_runs_before_queueing() -> None:
    def mark(obj: dict[str, Any]) -> dict[str, Any]:
        obj["metadata"]["transformed"] = True
        return obj

    fifo = DeltaFIFO(transform=mark)
    fifo.add(pod("a"))
    fifo.update(pod("a"))
    fifo.delete(pod("a"))
    fifo.replace([pod("a"), pod("b")])
    for key in ("default/a", "default/b"):
        deltas = fifo.get_deltas(key) or []
        assert deltas and all(d.object["metadata"]["transformed"] for d in deltas)


async def test_has_synced_once_the_first_replace_is_popped() -> None:
    fifo = DeltaFIFO(known_objects=Indexer())
    assert not fifo.has_synced
    fifo.replace([pod("a"), pod("b")], "1")
    assert not fifo.has_synced
    first = await fifo.pop_batch(max_items=1)
    assert first[0][2] is True  # part of the initial list
    assert not fifo.has_synced
    await fifo.pop_batch(max_items=1)
    assert fifo.has_synced


async def test_empty_first_replace_syncs_at_once() -> None:
    fifo = DeltaFIFO(known_objects=Indexer())
    fifo.replace([], "1")
    assert fifo.has_synced


async def test_keys_after_the_initial_list_are_not_initial() -> None:
    fifo = DeltaFIFO(known_objects=Indexer())
    fifo.replace([pod("a")], "1")
    await fifo.pop_batch()
    fifo.add(pod("b"))
    batch = await fifo.pop_batch()
    assert batch[0][2] is False


async def test_pop_batch_takes_at_most_max_items() -> None:
    fifo = DeltaFIFO()
    for name in "abc":
        fifo.add(pod(name))
    assert len(await fifo.pop_batch(max_items=2)) == 2
    assert fifo.queued_keys() == ["default/c"]


async def test_close_lets_pops_drain_then_raises() -> None:
    fifo = DeltaFIFO()
    fifo.add(pod("a"))
    fifo.close()
    assert len(await fifo.pop_batch()) == 1
    with pytest.raises(FIFOClosedError):
        await fifo.pop_batch()


async def test_close_wakes_a_waiting_pop() -> None:
    import asyncio

    fifo = DeltaFIFO()
    waiter = asyncio.create_task(fifo.pop_batch())
    await asyncio.sleep(0)
    fifo.close()
    with pytest.raises(FIFOClosedError):
        await waiter


async def test_once_synced_a_change_on_an_empty_queue_goes_to_the_direct_consumer() -> None:
    taken: list[tuple[str, DeltaType, str]] = []
    fifo = DeltaFIFO(known_objects=Indexer())
    fifo.set_direct_consumer(
        lambda key, kind, obj: taken.append((key, kind, obj["metadata"]["name"]))
    )
    fifo.replace([pod("a")], "1")
    fifo.update(rv(pod("a"), "2"))  # not synced yet: queued behind the replace
    assert taken == []
    batch = await fifo.pop_batch()
    assert [(key, types(deltas)) for key, deltas, _ in batch] == [
        ("default/a", [DeltaType.REPLACED, DeltaType.UPDATED])
    ]
    assert fifo.has_synced
    fifo.add(pod("b"))
    fifo.update(rv(pod("a"), "3"))
    assert taken == [
        ("default/b", DeltaType.ADDED, "b"),
        ("default/a", DeltaType.UPDATED, "a"),
    ]
    assert len(fifo) == 0


async def test_the_direct_consumer_never_overtakes_queued_changes() -> None:
    taken: list[str] = []
    known = Indexer()
    known.add(pod("a"))
    fifo = DeltaFIFO(known_objects=known)
    fifo.replace([], "1")
    await fifo.pop_batch()  # synced (the tombstone for a)
    fifo.resync()  # queues a Sync for a: the queue is no longer empty
    fifo.set_direct_consumer(lambda key, kind, obj: taken.append(key))
    fifo.add(pod("b"))
    fifo.delete(pod("a"))
    assert taken == []
    batch = await fifo.pop_batch()
    assert [(key, types(deltas)) for key, deltas, _ in batch] == [
        ("default/a", [DeltaType.SYNC, DeltaType.DELETED]),
        ("default/b", [DeltaType.ADDED]),
    ]
    fifo.delete(pod("a"))  # known: direct; unknown keys are still dropped
    fifo.delete(pod("nobody"))
    assert taken == ["default/a"]
    fifo.close()
    fifo.add(pod("c"))  # closed: neither queued nor handed over
    assert taken == ["default/a"]
