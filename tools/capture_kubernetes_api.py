"""Capture the Kubernetes API facts the embedded server publishes, from a real kube-apiserver.

Run it when the imitated Kubernetes version changes (``KUBEBUILDER_ASSETS`` naming the new
binaries)::

    export KUBEBUILDER_ASSETS=$(/path/to/envtest/unpack)
    python tools/capture_kubernetes_api.py

It starts a fresh control plane (``kubeflow_informer.testing.ControlPlane``: no CRD, no
controller manager) and writes, under ``kubeflow_informer/apiserver/data/``:

* ``discovery.json``: ``/version``, the ``/apis`` group order with preferred versions, and the
  legacy ``APIResourceList`` of ``/api/v1`` and every ``/apis/{group}/{version}``, verbatim. The
  embedded server builds its table of built-in kinds from it (``apiserver/builtins.py``) and
  derives every discovery document, aggregated discovery included, from that table.
* ``openapi.json.xz``: the text of ``/openapi/v2`` and of every ``/openapi/v3`` document, as
  served, plus templates of the documents the server publishes for a custom resource: two
  throw-away CRDs (one namespaced, one cluster-scoped, both with ``status`` and ``scale``) are
  created with placeholder names, their documents captured and the placeholders turned into
  ``@@TOKEN@@`` markers (``apiserver/openapi/crd_documents.py`` fills them in). Their schema is
  ``{type: object}`` with one embedded resource, ``embedded``, whose published form gives the
  standard fields the server adds to one.

Nothing else is written, and the control plane is stopped on every exit path.
"""

from __future__ import annotations

import json
import lzma
import ssl
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from kubeflow_informer.testing import ControlPlane

DATA = Path(__file__).resolve().parent.parent / "kubeflow_informer" / "apiserver" / "data"

# The placeholder names of the template CRDs and the marker each one becomes. Every derived form
# the real server prints (tags, operation ids, reversed schema names) has a marker of its own.
GROUPS = {"Namespaced": "qqnsgroup.qqdomain", "Cluster": "qqclgroup.qqdomain"}
VERSION = "v9qq"
KIND = "Qqkind"
LIST_KIND = "Qqlistkind"
PLURAL = "qqplurals"
SINGULAR = "qqsingular"
EMBEDDED = "embedded"


def _markers(group: str) -> list[tuple[str, str]]:
    first, domain = group.split(".")
    camel = first + domain[0].upper() + domain[1:]
    return [
        (group, "@@GROUP@@"),
        (f"{domain}.{first}", "@@REVERSED_GROUP@@"),
        (camel[0].upper() + camel[1:], "@@OPERATION_GROUP@@"),
        (camel, "@@TAG_GROUP@@"),
        (VERSION.capitalize(), "@@OPERATION_VERSION@@"),
        (VERSION, "@@VERSION@@"),
        (LIST_KIND, "@@LIST_KIND@@"),
        (KIND, "@@KIND@@"),
        (PLURAL, "@@PLURAL@@"),
    ]


class Server:
    """Raw GETs against the control plane, as the admin user."""

    def __init__(self, plane: ControlPlane) -> None:
        config = plane.config
        assert config.ca_data is not None
        self.url = plane.url
        self.token = config.token
        self.context = ssl.create_default_context(cadata=config.ca_data.decode())

    def request(self, path: str, *, method: str = "GET", body: Any = None,
                accept: str = "application/json") -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
            return bytes(response.read())

    def json(self, path: str) -> Any:
        return json.loads(self.request(path))


def _template_crd(scope: str) -> dict[str, Any]:
    group = GROUPS[scope]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"plural": PLURAL, "singular": SINGULAR, "kind": KIND, "listKind": LIST_KIND},
            "versions": [{
                "name": VERSION,
                "served": True,
                "storage": True,
                # an embedded resource, so that the standard fields the server adds to one are
                # captured too (apiserver/openapi/crd_schema.py takes them from here)
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {EMBEDDED: {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                }}}},
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas",
                    "statusReplicasPath": ".status.replicas",
                }},
            }],
        },
    }


def _wait_for(what: str, probe: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def _tokenize(text: str, group: str) -> str:
    for literal, marker in _markers(group):
        text = text.replace(literal, marker)
    leftover = text.lower().find("qq")
    if leftover >= 0:
        context = text[leftover - 60:leftover + 60]
        raise SystemExit(f"an unmapped placeholder form is left: {context}")
    return text


def capture_discovery(server: Server) -> dict[str, Any]:
    version = server.json("/version")
    groups = [{"name": "", "versions": server.json("/api")["versions"], "preferredVersion": "v1"}]
    for group in server.json("/apis")["groups"]:
        groups.append({
            "name": group["name"],
            "versions": [v["version"] for v in group["versions"]],
            "preferredVersion": group["preferredVersion"]["version"],
        })
    resources = {}
    for group in groups:
        for version_name in group["versions"]:
            prefix = f"/apis/{group['name']}" if group["name"] else "/api"
            document = server.json(f"{prefix}/{version_name}")
            resources[document["groupVersion"]] = document["resources"]
    return {"version": version, "groups": groups, "resources": resources}


def capture_openapi(server: Server) -> dict[str, Any]:
    v2 = server.request("/openapi/v2").decode()
    index = server.json("/openapi/v3")
    v3 = {name: server.request(entry["serverRelativeURL"]).decode()
          for name, entry in sorted(index["paths"].items())}
    crd_templates: dict[str, dict[str, str]] = {}
    for scope, group in GROUPS.items():
        crd = _template_crd(scope)
        server.request("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                       method="POST", body=crd)
        key = f"apis/{group}/{VERSION}"
        entry = _wait_for(f"{key} in /openapi/v3",
                          lambda key=key: server.json("/openapi/v3")["paths"].get(key))
        document = server.request(entry["serverRelativeURL"]).decode()

        def v2_paths(group: str = group) -> dict[str, Any]:
            paths = json.loads(server.request("/openapi/v2"))["paths"]
            return {p: item for p, item in paths.items() if p.startswith(f"/apis/{group}/")}

        paths = _wait_for(f"{group} in /openapi/v2", v2_paths)
        crd_templates[scope] = {
            "v3": _tokenize(document, group),
            "v2_paths": _tokenize(json.dumps(paths, separators=(",", ":")), group),
        }
    after = json.loads(server.request("/openapi/v2"))
    if after["parameters"] != json.loads(v2)["parameters"]:
        raise SystemExit("/openapi/v2 shared parameters changed with CRDs: templates are unsafe")
    return {"v2": v2, "v3": v3, "crd": crd_templates}


def _write_discovery(discovery: dict[str, Any], path: Path) -> None:
    """One resource per line: small, and a regeneration shows as a readable diff."""
    dump = lambda value: json.dumps(value, separators=(",", ":"))  # noqa: E731
    lines = ["{", f' "version": {dump(discovery["version"])},', ' "groups": [']
    lines += [f"  {dump(group)}," for group in discovery["groups"]]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" ],", ' "resources": {']
    for group_version, resources in discovery["resources"].items():
        lines.append(f"  {dump(group_version)}: [")
        lines += [f"   {dump(resource)}," for resource in resources]
        lines[-1] = lines[-1].rstrip(",")
        lines.append("  ],")
    lines[-1] = lines[-1].rstrip(",")
    lines += [" }", "}", ""]
    path.write_text("\n".join(lines))


def main() -> int:
    plane = ControlPlane().start()
    try:
        server = Server(plane)
        discovery = capture_discovery(server)
        openapi = capture_openapi(server)
    finally:
        plane.stop()
    DATA.mkdir(exist_ok=True)
    _write_discovery(discovery, DATA / "discovery.json")
    blob = json.dumps({"kubernetes": discovery["version"]["gitVersion"], **openapi},
                      separators=(",", ":")).encode()
    (DATA / "openapi.json.xz").write_bytes(lzma.compress(blob, preset=9 | lzma.PRESET_EXTREME))
    count = sum(len(r) for r in discovery["resources"].values())
    print(f"captured {discovery['version']['gitVersion']}: {count} discovery entries, "
          f"{len(openapi['v3'])} OpenAPI v3 documents, {len(blob)} bytes of OpenAPI text",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
