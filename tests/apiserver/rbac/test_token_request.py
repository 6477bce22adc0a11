"""TokenRequest (``serviceaccounts/NAME/token``, what ``kubectl create token`` sends) issues a
token that authenticates as the ServiceAccount, validated and answered as kube-apiserver does."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kubeflow_informer.client import ApiClient
from kubeflow_informer.config import Config
from kubeflow_informer.errors import NotFound, Unauthorized
from kubeflow_informer.testing import ApiServer, eventually
from tests.apiserver.rbac.conftest import RBAC_SUITE, account_user, failure

pytestmark = RBAC_SUITE

ISSUER = "https://kubernetes.default.svc.cluster.local"


def _token_path(namespace: str, name: str) -> str:
    return f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"


async def _account(api: ApiClient, namespace: str, name: str) -> dict[str, Any]:
    return await api.resource("v1", "serviceaccounts").create(
        {"metadata": {"name": name}}, namespace=namespace)


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


async def _whoami(config: Config, token: str) -> dict[str, Any]:
    async with ApiClient(Config(server=config.server, ca_data=config.ca_data, token=token)) as api:
        answer = await api.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                   json={})
    info: dict[str, Any] = answer["status"]["userInfo"]
    return info


async def test_the_answer_and_the_claims(apiserver: ApiServer, apiserver_client: ApiClient
                                         ) -> None:
    ns = apiserver.namespace
    account = await _account(apiserver_client, ns, "builder")
    answer = await apiserver_client.request("POST", _token_path(ns, "builder"), json={
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}})
    token = answer["status"].pop("token")
    metadata = answer["metadata"]
    assert answer["kind"] == "TokenRequest"
    assert (metadata["name"], metadata["namespace"], metadata["uid"]) == (
        "builder", ns, account["metadata"]["uid"])
    assert answer["spec"] == {"audiences": [ISSUER], "expirationSeconds": 3600,
                              "boundObjectRef": None}
    assert set(answer["status"]) == {"expirationTimestamp"}
    claims = _claims(token)
    assert claims["sub"] == f"system:serviceaccount:{ns}:builder"
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (
        ISSUER, [ISSUER], 3600)
    assert claims["kubernetes.io"] == {"namespace": ns, "serviceaccount": {
        "name": "builder", "uid": account["metadata"]["uid"]}}
    info = await _whoami(apiserver.config, token)
    assert info["username"] == account_user(apiserver, "builder")
    assert info["uid"] == account["metadata"]["uid"]
    assert info["extra"] == {"authentication.kubernetes.io/credential-id": [
        f"JTI={claims['jti']}"]}


async def test_a_missing_service_account_is_404(apiserver: ApiServer,
                                                apiserver_client: ApiClient) -> None:
    status = await failure(apiserver_client.request(
        "POST", _token_path(apiserver.namespace, "nobody"), json={"spec": {}}))
    assert (status["code"], status["message"], status["details"]) == (
        404, 'serviceaccounts "nobody" not found', {"name": "nobody", "kind": "serviceaccounts"})


async def test_a_missing_namespace_is_404(apiserver_client: ApiClient) -> None:
    status = await failure(apiserver_client.request(
        "POST", _token_path("no-such-namespace", "x"), json={"spec": {}}))
    assert status["message"] == 'namespaces "no-such-namespace" not found'


@pytest.mark.parametrize(("seconds", "message"), [
    (300, "Invalid value: 300: may not specify a duration less than 10 minutes"),
    (2**32 + 1, "Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds"),
])
async def test_expiration_bounds(apiserver: ApiServer, apiserver_client: ApiClient,
                                 seconds: int, message: str) -> None:
    ns = apiserver.namespace
    await _account(apiserver_client, ns, "builder")
    status = await failure(apiserver_client.request(
        "POST", _token_path(ns, "builder"), json={"spec": {"expirationSeconds": seconds}}))
    assert status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: '
                   f"{message}",
        "reason": "Invalid",
        "details": {"group": "authentication.k8s.io", "kind": "TokenRequest", "causes": [
            {"reason": "FieldValueInvalid", "message": message,
             "field": "spec.expirationSeconds"}]},
        "code": 422,
    }


async def test_the_name_must_be_the_service_accounts(apiserver: ApiServer,
                                                     apiserver_client: ApiClient) -> None:
    ns = apiserver.namespace
    await _account(apiserver_client, ns, "builder")
    status = await failure(apiserver_client.request(
        "POST", _token_path(ns, "builder"), json={"metadata": {"name": "other"}, "spec": {}}))
    assert status["message"] == (
        'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: '
        '"other": must match the service account name if specified')


async def test_a_deleted_service_accounts_token_stops_working(
    apiserver: ApiServer, apiserver_client: ApiClient
) -> None:
    ns = apiserver.namespace
    await _account(apiserver_client, ns, "builder")
    answer = await apiserver_client.request("POST", _token_path(ns, "builder"),
                                            json={"spec": {}})
    token = answer["status"]["token"]
    await _whoami(apiserver.config, token)
    await apiserver_client.resource("v1", "serviceaccounts").delete("builder", namespace=ns)

    async def rejected() -> bool:
        try:
            await _whoami(apiserver.config, token)
        except Unauthorized:
            return True
        return False

    # The real server caches a successful authentication for up to 10 s.
    await eventually(rejected, timeout=30, what="the deleted ServiceAccount's token to be 401")


async def test_a_pod_bound_token_carries_the_pod(apiserver: ApiServer,
                                                 apiserver_client: ApiClient) -> None:
    ns = apiserver.namespace
    await _account(apiserver_client, ns, "builder")
    pod = await apiserver_client.resource("v1", "pods").create(
        {"metadata": {"name": "p"}, "spec": {
            "serviceAccountName": "builder", "containers": [{"name": "c", "image": "busybox"}]}},
        namespace=ns)
    answer = await apiserver_client.request("POST", _token_path(ns, "builder"), json={
        "spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p"}}})
    assert answer["spec"]["boundObjectRef"] == {"kind": "Pod", "apiVersion": "v1", "name": "p"}
    claims = _claims(answer["status"]["token"])
    assert claims["kubernetes.io"]["pod"] == {"name": "p", "uid": pod["metadata"]["uid"]}
    info = await _whoami(apiserver.config, answer["status"]["token"])
    assert info["extra"]["authentication.kubernetes.io/pod-name"] == ["p"]
    assert info["extra"]["authentication.kubernetes.io/pod-uid"] == [pod["metadata"]["uid"]]


async def test_binding_checks(apiserver: ApiServer, apiserver_client: ApiClient) -> None:
    ns = apiserver.namespace
    await _account(apiserver_client, ns, "builder")
    for pod, account in (("other", "default"), ("mine", "builder")):
        await apiserver_client.resource("v1", "pods").create({"metadata": {"name": pod}, "spec": {
            "serviceAccountName": account, "containers": [{"name": "c", "image": "busybox"}]}},
            namespace=ns)
    path = _token_path(ns, "builder")

    async def bind(ref: dict[str, str]) -> dict[str, Any]:
        return await failure(apiserver_client.request("POST", path,
                                                      json={"spec": {"boundObjectRef": ref}}))

    wrong_account = await bind({"kind": "Pod", "apiVersion": "v1", "name": "other"})
    wrong_uid = await bind({"kind": "Pod", "apiVersion": "v1", "name": "mine", "uid": "abc"})
    wrong_kind = await bind({"kind": "ConfigMap", "apiVersion": "v1", "name": "other"})
    assert wrong_account["message"] == (
        'cannot bind token for serviceaccount "builder" to pod running with different '
        "serviceaccount name.")
    assert (wrong_uid["code"], wrong_uid["message"], wrong_uid["details"]) == (
        409, 'Operation cannot be fulfilled on Pod "mine": the UID in the bound object reference '
             "(abc) does not match the UID in record. The object might have been deleted and "
             "then recreated", {"name": "mine", "kind": "Pod"})
    assert wrong_kind["message"] == "cannot bind token to object of type /v1, Kind=ConfigMap"
    with pytest.raises(NotFound, match='secrets "gone" not found'):
        await apiserver_client.request("POST", path, json={"spec": {"boundObjectRef": {
            "kind": "Secret", "apiVersion": "v1", "name": "gone"}}})
