"""Every ``kubectl create`` subcommand that sends a protobuf body, on the embedded and the real
server: kubectl (1.32) reports success, and the stored object holds everything kubectl meant
to send (its ``--dry-run=client -o json`` rendering of the same command). The server may add
its defaults; what the decoding determines must be equal on both. kubectl asks for
``application/vnd.kubernetes.protobuf,application/json`` and reads the embedded server's JSON
answers.

``kubectl create token`` is not here: it needs the TokenRequest subresource (the RBAC work);
its protobuf body is covered by the decoder's unit tests.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from kubeflow_informer.testing import ApiServer
from tests.apiserver.protobuf.test_protobuf_bodies import contains, meaningful

pytestmark = pytest.mark.timeout(120)

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"

Kubectl = Callable[..., Awaitable[str]]


@pytest.fixture
def kubectl(apiserver: ApiServer, tmp_path: Path) -> Kubectl:
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)}

    async def run(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            KUBECTL, f"--cache-dir={tmp_path / 'cache'}", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        if process.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {err.decode()}")
        return out.decode()

    return run


def _tls_files(directory: Path) -> tuple[Path, Path]:
    from kubeflow_informer.apiserver.tls import generate_tls_material

    material = generate_tls_material(["tls.example.com"])
    cert, key = directory / "tls.crt", directory / "tls.key"
    cert.write_bytes(material.cert_pem)
    key.write_bytes(material.key_pem)
    return cert, key


# (id, the create arguments after "create", the object to read back: resource, name);
# NAME is replaced by a name unique to the test (cluster-scoped objects outlive a namespace).
CASES: list[tuple[str, list[str], tuple[str, str]]] = [
    ("namespace", ["namespace", "NAME"], ("namespace", "NAME")),
    ("configmap", ["configmap", "cm1", "--from-literal=a=b", "--from-literal=empty="],
     ("configmap", "cm1")),
    ("secret-generic", ["secret", "generic", "s1", "--from-literal=pw=s3cr3t",
                        "--type=Opaque"], ("secret", "s1")),
    ("secret-docker-registry", ["secret", "docker-registry", "reg", "--docker-server=r.io",
                                "--docker-username=u", "--docker-password=p"],
     ("secret", "reg")),
    ("secret-tls", ["secret", "tls", "tls1", "--cert=CERT", "--key=KEY"], ("secret", "tls1")),
    ("deployment", ["deployment", "d1", "--image=nginx:1.25", "--replicas=2", "--port=80"],
     ("deployment", "d1")),
    ("deployment-zero-replicas", ["deployment", "d0", "--image=nginx", "--replicas=0", "--",
                                  "nginx", "-g", "daemon off;"], ("deployment", "d0")),
    ("job", ["job", "j1", "--image=busybox", "--", "echo", "hi"], ("job", "j1")),
    ("cronjob", ["cronjob", "cj1", "--image=busybox", "--schedule=*/5 * * * *",
                 "--restart=Never", "--", "echo", "hi"], ("cronjob", "cj1")),
    ("service-clusterip", ["service", "clusterip", "svc1", "--tcp=80:8080", "--tcp=443:8443"],
     ("service", "svc1")),
    ("service-headless", ["service", "clusterip", "svc2", "--clusterip=None", "--tcp=80"],
     ("service", "svc2")),
    ("service-nodeport", ["service", "nodeport", "svc3", "--tcp=80:http", "--node-port=30123"],
     ("service", "svc3")),
    ("service-loadbalancer", ["service", "loadbalancer", "svc4", "--tcp=80:8080"],
     ("service", "svc4")),
    ("service-externalname", ["service", "externalname", "svc5",
                              "--external-name=example.com"], ("service", "svc5")),
    ("role", ["role", "r1", "--verb=get,list", "--resource=pods,deployments.apps",
              "--resource-name=x"], ("role", "r1")),
    ("rolebinding", ["rolebinding", "rb1", "--role=r1", "--user=alice", "--group=devs",
                     "--serviceaccount=default:default"], ("rolebinding", "rb1")),
    ("clusterrole", ["clusterrole", "NAME", "--verb=get", "--resource=nodes"],
     ("clusterrole", "NAME")),
    ("clusterrole-non-resource", ["clusterrole", "NAME", "--verb=get",
                                  "--non-resource-url=/healthz"], ("clusterrole", "NAME")),
    ("clusterrole-aggregated", ["clusterrole", "NAME", "--aggregation-rule=team=a"],
     ("clusterrole", "NAME")),
    ("clusterrolebinding", ["clusterrolebinding", "NAME", "--clusterrole=view", "--user=bob"],
     ("clusterrolebinding", "NAME")),
    ("quota", ["quota", "q1", "--hard=cpu=1,memory=1G,pods=2,count/configmaps=5"],
     ("resourcequota", "q1")),
    ("quota-scopes", ["quota", "q2", "--hard=pods=2", "--scopes=BestEffort"],
     ("resourcequota", "q2")),
    ("pdb-min-available", ["pdb", "pdb1", "--selector=app=x", "--min-available=1"],
     ("pdb", "pdb1")),
    ("pdb-max-unavailable", ["pdb", "pdb2", "--selector=app=x", "--max-unavailable=50%"],
     ("pdb", "pdb2")),
    ("priorityclass", ["priorityclass", "NAME", "--value=1000", "--description=hi",
                       "--preemption-policy=Never"], ("priorityclass", "NAME")),
    ("priorityclass-zero", ["priorityclass", "NAME", "--value=0"], ("priorityclass", "NAME")),
    ("ingress", ["ingress", "in1", "--rule=foo.com/bar=svc1:80,tls=sec", "--class=nginx",
                 "--annotation=a=b", "--default-backend=svc1:http"], ("ingress", "in1")),
    ("ingress-prefix", ["ingress", "in2", "--rule=/path*=svc1:8080"], ("ingress", "in2")),
    ("serviceaccount", ["serviceaccount", "sa1"], ("serviceaccount", "sa1")),
]


@pytest.mark.parametrize(("args", "target"), [pytest.param(a, t, id=i) for i, a, t in CASES])
async def test_kubectl_create_stores_what_kubectl_sent(
    apiserver: ApiServer, kubectl: Kubectl, tmp_path: Path, args: list[str],
    target: tuple[str, str],
) -> None:
    unique = f"{apiserver.namespace}-x"
    cert, key = _tls_files(tmp_path)
    replace = {"NAME": unique, "--cert=CERT": f"--cert={cert}", "--key=KEY": f"--key={key}"}
    args = [replace.get(a, a) for a in args]
    resource, name = target[0], replace.get(target[1], target[1])
    split = args.index("--") if "--" in args else len(args)  # flags go before the command
    intent = json.loads(await kubectl(
        "create", *args[:split], "--dry-run=client", "-o", "json", *args[split:]))
    out = await kubectl("create", *args)
    try:
        assert out.strip().endswith(" created"), out
        stored = json.loads(await kubectl("get", resource, name, "-o", "json"))
        contains(meaningful(intent), stored)
    finally:
        if name == unique and apiserver.is_real:  # cluster-scoped: remove it ourselves
            await kubectl("delete", resource, name, "--wait=false")


async def test_kubectl_create_output_json_reads_the_json_answer_to_a_protobuf_request(
    kubectl: Kubectl,
) -> None:
    printed = json.loads(await kubectl("create", "configmap", "cm", "--from-literal=k=v",
                                       "-o", "json"))
    assert (printed["kind"], printed["data"]) == ("ConfigMap", {"k": "v"})
    assert printed["metadata"]["uid"]  # the server's answer, not kubectl's own rendering
