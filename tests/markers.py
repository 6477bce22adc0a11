"""Markers shared by the tests that run on both API servers."""

from __future__ import annotations

import pytest

__all__ = ["uncached"]

#: A real server whose lists and watches read etcd, so that a compaction shows (410 Expired):
#: with its watch cache on, the real server answers old resourceVersions from the cache.
uncached = pytest.mark.control_plane(apiserver_args=["--watch-cache=false"],
                                     etcd_compaction_interval="0")
