"""Acting as a ServiceAccount in a test, on the embedded server (RBAC mode) or a real one.

:func:`service_account_config` asks the server for a token with TokenRequest (``POST
.../serviceaccounts/NAME/token``, what ``kubectl create token`` does) and gives back a
:class:`Config` that authenticates as ``system:serviceaccount:NS:NAME``. Run a controller with it
and the server authorizes every request through the Roles and bindings you created: a missing
verb shows up as the same 403 a cluster would answer. This answers "is my ClusterRole enough?"
in a test, without a cluster.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kubeflow_informer.errors import AlreadyExists

if TYPE_CHECKING:
    from kubeflow_informer.config import Config

__all__ = ["service_account_config"]


async def service_account_config(
    config: Config,
    namespace: str,
    name: str,
    *,
    create: bool = True,
    expiration_seconds: int = 3600,
) -> Config:
    """A copy of ``config`` (whose user may create ServiceAccount tokens, such as the admin)
    that authenticates as the ServiceAccount ``namespace/name`` with a new bound token.

    With ``create`` the ServiceAccount is created first when it does not exist yet. The token
    expires after ``expiration_seconds`` (600 at least) and dies with the ServiceAccount.
    Raises the server's :class:`~kubeflow_informer.errors.ApiError` (NotFound for a missing
    namespace or ServiceAccount, Forbidden when ``config``'s user may not create tokens).
    """
    from kubeflow_informer.client import ApiClient

    async with ApiClient(config) as api:
        if create:
            try:
                await api.resource("v1", "serviceaccounts").create(
                    {"apiVersion": "v1", "kind": "ServiceAccount",
                     "metadata": {"name": name, "namespace": namespace}},
                    namespace=namespace,
                )
            except AlreadyExists:
                pass
        answer = await api.request(
            "POST",
            f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                  "spec": {"expirationSeconds": expiration_seconds}},
        )
    return dataclasses.replace(
        config,
        token=str(answer["status"]["token"]),
        token_file=None,
        client_cert_data=None,
        client_key_data=None,
        username=None,
        password=None,
        exec_provider=None,
        namespace=namespace,
    )
