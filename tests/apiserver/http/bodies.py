"""Request bodies and small helpers shared by the HTTP-level tests."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from tests.bodies import deployment, pod
from tests.custom_resources import tfjob_crd as crd

__all__ = ["DEPLOYMENTS", "PODS", "crd", "deployment", "pod", "read_lines"]


async def read_lines(response: aiohttp.ClientResponse) -> list[dict[str, Any]]:
    """Every event of a watch response that ends by itself."""
    return [orjson.loads(line) for line in (await response.read()).splitlines() if line]


PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
