"""Every write goes through Storage.commit, bulk seeding included."""

from __future__ import annotations

from typing import Any

import pytest

from kubeflow_informer.apiserver.registry import ResourceInfo
from kubeflow_informer.apiserver.storage import Storage

from .conftest import pod


@pytest.mark.parametrize("watched", [False, True], ids=["unwatched", "watched"])
def test_bulk_load_commits_each_object(
    storage: Storage, pods: ResourceInfo, monkeypatch: pytest.MonkeyPatch, watched: bool
) -> None:
    commits: list[tuple[str, bool]] = []
    commit = storage.commit

    def spy(*args: Any, **kwargs: Any) -> Any:
        commits.append((args[1], kwargs.get("unrecorded", False)))
        return commit(*args, **kwargs)

    monkeypatch.setattr(storage, "commit", spy)
    rv = str(storage.resource_version)
    watcher = storage.watch(pods, resource_version=rv) if watched else None
    assert storage.bulk_load(pods, (pod(f"p{i}") for i in range(5))) == 5
    assert commits == [("ADDED", not watched)] * 5
    if watcher is not None:
        watcher.close()
