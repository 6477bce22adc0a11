"""Loading a :class:`Config` from kubeconfig files, merged the way kubectl merges them.

Merging (``$KUBECONFIG=a:b:c``): files are read in order; for ``clusters``, ``users`` and
``contexts`` the first file that defines a name wins, and ``current-context`` comes from the first
file that sets one. Entries in ``$KUBECONFIG`` that do not exist are skipped (as kubectl does);
an explicit ``path`` must exist. Relative file references (``certificate-authority``,
``client-certificate``, ``client-key``, ``tokenFile``, an exec ``command`` containing a path
separator) resolve against the folder of the file that defined the entry.

Validation follows client-go's: a value given both inline (``-data``) and as a file is an error,
as is a CA together with ``insecure-skip-tls-verify``, and more than one of token / basic auth.

Malformed input of any kind - wrong types, a file that is not UTF-8 (or UTF-16/32 with a BOM),
a file too large (:data:`~kubeflow_informer.config.files.MAX_FILE_BYTES`), YAML that cannot be
parsed or constructed, a server that is not an http(s) URL, a credential that cannot go into a
header, PEM that does not load - is a :class:`ConfigError` naming the file and the key (the
property test in ``tests/config`` mutates valid kubeconfigs to hold us to it).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubeflow_informer.config.exec_plugin import ExecProvider, cluster_info_for_exec
from kubeflow_informer.config.files import decode_text, read_file
from kubeflow_informer.config.model import Config
from kubeflow_informer.config.values import (
    check_http_url,
    check_json_value,
    check_pem,
    check_printable,
    require_str,
)
from kubeflow_informer.errors import ConfigError

DEFAULT_KUBECONFIG = os.path.join("~", ".kube", "config")


@dataclass
class _Entry:
    """One named cluster/user/context body and the file it came from."""

    body: dict[str, Any]
    source: str


@dataclass
class _Merged:
    clusters: dict[str, _Entry] = field(default_factory=dict)
    users: dict[str, _Entry] = field(default_factory=dict)
    contexts: dict[str, _Entry] = field(default_factory=dict)
    current_context: str | None = None
    current_context_source: str | None = None
    files: list[str] = field(default_factory=list)


def kubeconfig_paths(path: str | os.PathLike[str] | None = None) -> tuple[list[str], bool]:
    """The files to read and whether they must all exist (explicit path) or may be missing."""
    if path is not None:
        return [os.path.expanduser(os.fspath(path))], True
    env = os.environ.get("KUBECONFIG")
    if env:
        entries = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
        if entries:
            return entries, False
    return [os.path.expanduser(DEFAULT_KUBECONFIG)], True


def _read_document(path: str) -> dict[str, Any]:
    text = decode_text(read_file(path, what="kubeconfig"), what="kubeconfig", path=path)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"kubeconfig is not valid YAML{where}", path=path) from None
    except RecursionError:  # PyYAML's parser recurses once per nesting level
        raise ConfigError("kubeconfig is nested too deeply", path=path) from None
    except (ValueError, TypeError, OverflowError):  # a tagged value that cannot be built
        raise ConfigError("kubeconfig holds a value YAML cannot construct (e.g. a bad date)",
                          path=path) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError("kubeconfig is not a YAML mapping", path=path)
    return document


def _merge_named(target: dict[str, _Entry], items: Any, section: str, path: str) -> None:
    singular = section[:-1]
    if items is None:
        return
    if not isinstance(items, list):
        raise ConfigError(f"{section} must be a list", path=path, key=section)
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(
                f"{section}[{index}] needs a name", path=path, key=f"{section}[{index}].name"
            )
        body = item.get(singular)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ConfigError(
                f"{section}[{index}].{singular} must be a mapping",
                path=path,
                key=f"{section}[{index}].{singular}",
            )
        target.setdefault(item["name"], _Entry(body, path))


def merge_kubeconfigs(paths: list[str], *, must_exist: bool) -> _Merged:
    """Read and merge the files with kubectl's first-wins rules."""
    merged = _Merged()
    for path in paths:
        if not must_exist and not os.path.exists(path):
            continue
        document = _read_document(path)
        merged.files.append(path)
        _merge_named(merged.clusters, document.get("clusters"), "clusters", path)
        _merge_named(merged.users, document.get("users"), "users", path)
        _merge_named(merged.contexts, document.get("contexts"), "contexts", path)
        current = document.get("current-context")
        if current and merged.current_context is None:
            merged.current_context = require_str(current, path=path, key="current-context")
            merged.current_context_source = path
    if not merged.files:
        raise ConfigError("none of the kubeconfig files exist", path=os.pathsep.join(paths))
    return merged


def _resolve(path_value: str, source: str) -> str:
    expanded = os.path.expanduser(path_value)
    if os.path.isabs(expanded):
        return expanded
    return os.path.join(os.path.dirname(os.path.abspath(source)), expanded)


def _read_bytes(path_value: str, source: str, key: str) -> bytes:
    return read_file(_resolve(path_value, source), what=f"{key} file", source=source, key=key)


def _decode_b64(value: Any, source: str, key: str) -> bytes:
    if not isinstance(value, str):
        raise ConfigError("value must be a base64 string", path=source, key=key)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        # Only the key is named: the value may be a private key.
        raise ConfigError("value is not valid base64", path=source, key=key) from None


def _data_or_file(
    body: Mapping[str, Any], data_key: str, file_key: str, source: str, prefix: str
) -> bytes | None:
    data = body.get(data_key)
    path_value = body.get(file_key)
    if data and path_value:
        raise ConfigError(
            f"both {data_key} and {file_key} are set; use one",
            path=source,
            key=f"{prefix}.{data_key}",
        )
    if data:
        return _decode_b64(data, source, f"{prefix}.{data_key}")
    if path_value:
        key = f"{prefix}.{file_key}"
        return _read_bytes(require_str(path_value, path=source, key=key), source, key)
    return None


def _exec_provider(
    exec_body: Mapping[str, Any], source: str, prefix: str, cluster_info: dict[str, Any]
) -> ExecProvider:
    key = f"{prefix}.exec"
    command = check_printable(
        require_str(exec_body.get("command"), path=source, key=f"{key}.command"),
        path=source, key=f"{key}.command",
    )
    if os.sep in command or (os.altsep and os.altsep in command):
        command = _resolve(command, source)
    api_version = require_str(exec_body.get("apiVersion"), path=source, key=f"{key}.apiVersion")
    interactive_mode = exec_body.get("interactiveMode")
    if interactive_mode is None:
        if api_version.endswith("/v1"):
            raise ConfigError(
                "interactiveMode must be set for client.authentication.k8s.io/v1 plugins",
                path=source,
                key=f"{key}.interactiveMode",
            )
        interactive_mode = "IfAvailable"
    interactive_mode = require_str(interactive_mode, path=source, key=f"{key}.interactiveMode")
    env_items = exec_body.get("env") or []
    if not isinstance(env_items, list):
        raise ConfigError("exec env must be a list", path=source, key=f"{key}.env")
    env: dict[str, str] = {}
    for index, item in enumerate(env_items):
        item_key = f"{key}.env[{index}]"
        if not isinstance(item, dict):
            raise ConfigError("exec env entries need a name and value", path=source,
                              key=item_key)
        name = check_printable(require_str(item.get("name"), path=source, key=f"{item_key}.name"),
                               path=source, key=f"{item_key}.name")
        value = item.get("value", "")
        if not isinstance(value, str):
            raise ConfigError("value must be a string", path=source, key=f"{item_key}.value")
        env[name] = check_printable(value, path=source, key=f"{item_key}.value")
    args = exec_body.get("args") or []
    if not isinstance(args, list):
        raise ConfigError("exec args must be a list", path=source, key=f"{key}.args")
    for index, arg in enumerate(args):
        if not isinstance(arg, str):
            raise ConfigError("exec args must be strings", path=source,
                              key=f"{key}.args[{index}]")
        check_printable(arg, path=source, key=f"{key}.args[{index}]")
    install_hint = exec_body.get("installHint")
    if install_hint is not None and not isinstance(install_hint, str):
        raise ConfigError("value must be a string", path=source, key=f"{key}.installHint")
    provide_cluster_info = exec_body.get("provideClusterInfo", False)
    if not isinstance(provide_cluster_info, bool):
        raise ConfigError("value must be true or false", path=source,
                          key=f"{key}.provideClusterInfo")
    return ExecProvider(
        command=command,
        args=list(args),
        env=env,
        api_version=api_version,
        interactive_mode=interactive_mode,
        provide_cluster_info=provide_cluster_info,
        cluster_info=cluster_info,
        install_hint=install_hint,
        source=source,
        key_prefix=f"{prefix}.",
    )


def _optional_str(body: Mapping[str, Any], name: str, source: str, prefix: str) -> str | None:
    """``body[name]`` when it is a non-empty string, ``None`` when absent or empty; any other
    type is a :class:`ConfigError` (naming the key only: the value may be a secret)."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("value must be a string", path=source, key=f"{prefix}.{name}")
    return value


def _header_str(body: Mapping[str, Any], name: str, source: str, prefix: str) -> str | None:
    """:func:`_optional_str` for a credential sent in a header: no control characters."""
    value = _optional_str(body, name, source, prefix)
    if value is not None:
        check_printable(value, path=source, key=f"{prefix}.{name}")
    return value


def _proxy_url(cluster: Mapping[str, Any], source: str, prefix: str) -> str | None:
    value = _optional_str(cluster, "proxy-url", source, prefix)
    if value is not None:
        check_http_url(value, path=source, key=f"{prefix}.proxy-url")
    return value


def config_from_merged(merged: _Merged, context: str | None = None) -> Config:
    """Build the :class:`Config` for ``context`` (default: the current context)."""
    where = merged.files[0]
    context_name = context or merged.current_context
    if not context_name:
        raise ConfigError(
            "no context given and no current-context set", path=where, key="current-context"
        )
    context_entry = merged.contexts.get(context_name)
    if context_entry is None:
        raise ConfigError(
            f"context {context_name!r} is not defined",
            path=merged.current_context_source if context is None else where,
            key=f"contexts[{context_name}]",
        )
    ctx = context_entry.body
    cluster_name = ctx.get("cluster")
    if not cluster_name:
        raise ConfigError(
            f"context {context_name!r} names no cluster",
            path=context_entry.source,
            key=f"contexts[{context_name}].context.cluster",
        )
    cluster_name = require_str(cluster_name, path=context_entry.source,
                               key=f"contexts[{context_name}].context.cluster")
    cluster_entry = merged.clusters.get(cluster_name)
    if cluster_entry is None:
        raise ConfigError(
            f"cluster {cluster_name!r} (used by context {context_name!r}) is not defined",
            path=context_entry.source,
            key=f"clusters[{cluster_name}]",
        )
    cluster, csource = cluster_entry.body, cluster_entry.source
    cprefix = f"clusters[{cluster_name}].cluster"
    server = cluster.get("server")
    if not isinstance(server, str) or not server:
        raise ConfigError("cluster has no server", path=csource, key=f"{cprefix}.server")
    check_http_url(server, path=csource, key=f"{cprefix}.server")
    ca_data = _data_or_file(
        cluster, "certificate-authority-data", "certificate-authority", csource, cprefix
    )
    insecure = cluster.get("insecure-skip-tls-verify", False)
    if not isinstance(insecure, bool):
        # A string such as "false" must not be read as truthy and turn verification off.
        raise ConfigError(
            "insecure-skip-tls-verify must be true or false",
            path=csource,
            key=f"{cprefix}.insecure-skip-tls-verify",
        )
    if insecure and ca_data:
        raise ConfigError(
            "a certificate authority together with insecure-skip-tls-verify is not allowed",
            path=csource,
            key=f"{cprefix}.insecure-skip-tls-verify",
        )

    user: dict[str, Any] = {}
    usource = csource
    user_name = ctx.get("user")
    uprefix = f"users[{user_name}].user"
    if user_name:
        user_name = require_str(user_name, path=context_entry.source,
                                key=f"contexts[{context_name}].context.user")
        user_entry = merged.users.get(user_name)
        if user_entry is None:
            raise ConfigError(
                f"user {user_name!r} (used by context {context_name!r}) is not defined",
                path=context_entry.source,
                key=f"users[{user_name}]",
            )
        user, usource = user_entry.body, user_entry.source
    if user.get("auth-provider"):
        raise ConfigError(
            "auth-provider plugins are not supported (kubectl removed them); use exec",
            path=usource,
            key=f"{uprefix}.auth-provider",
        )
    token = _header_str(user, "token", usource, uprefix)
    token_file = _optional_str(user, "tokenFile", usource, uprefix)
    username = _header_str(user, "username", usource, uprefix)
    password = _header_str(user, "password", usource, uprefix)
    if (token or token_file) and (username or password):
        raise ConfigError(
            "more than one authentication method (token and basic auth); use one",
            path=usource,
            key=uprefix,
        )
    if token_file:
        token_file = _resolve(check_printable(token_file, path=usource, key=f"{uprefix}.tokenFile"),
                              usource)
        if not os.access(token_file, os.R_OK):
            raise ConfigError(
                f"token file {token_file!r} is not readable",
                path=usource,
                key=f"{uprefix}.tokenFile",
            )
    cert = _data_or_file(user, "client-certificate-data", "client-certificate", usource, uprefix)
    key = _data_or_file(user, "client-key-data", "client-key", usource, uprefix)
    if bool(cert) != bool(key):
        raise ConfigError(
            "a client certificate needs both the certificate and the key",
            path=usource,
            key=f"{uprefix}.{'client-key' if cert else 'client-certificate'}",
        )
    if ca_data:
        ca_key = "certificate-authority" + ("-data" if cluster.get(
            "certificate-authority-data") else "")
        check_pem(ca_data, None, None, path=csource, cert_key="", ca_key=f"{cprefix}.{ca_key}")
    if cert and key:
        cert_key = "client-certificate" + ("-data" if user.get(
            "client-certificate-data") else "")
        check_pem(None, cert, key, path=usource, ca_key="", cert_key=f"{uprefix}.{cert_key}")
    exec_provider = None
    exec_body = user.get("exec")
    if exec_body:
        if not isinstance(exec_body, dict):
            raise ConfigError("exec must be a mapping", path=usource, key=f"{uprefix}.exec")
        exec_provider = _exec_provider(
            exec_body, usource, uprefix, cluster_info_for_exec(cluster, ca_data)
        )
        if exec_provider.provide_cluster_info:
            check_json_value(exec_provider.cluster_info, path=csource, key=cprefix)
    namespace = (
        _header_str(ctx, "namespace", context_entry.source, f"contexts[{context_name}].context")
        or "default"
    )
    return Config(
        server=server,
        ca_data=ca_data,
        client_cert_data=cert,
        client_key_data=key,
        token=str(token) if token else None,
        token_file=token_file,
        username=str(username) if username else None,
        password=str(password) if password else None,
        exec_provider=exec_provider,
        insecure_skip_tls_verify=insecure,
        tls_server_name=_header_str(cluster, "tls-server-name", csource, cprefix),
        proxy_url=_proxy_url(cluster, csource, cprefix),
        namespace=str(namespace),
    )


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None, context: str | None = None
) -> Config:
    """Load a :class:`Config` from kubeconfig: ``path``, else ``$KUBECONFIG``, else ~/.kube/config.

    ``context`` overrides ``current-context``. Raises :class:`ConfigError` naming the file and key
    of anything missing or malformed; secrets never appear in the message.
    """
    paths, must_exist = kubeconfig_paths(path)
    return config_from_merged(merge_kubeconfigs(paths, must_exist=must_exist), context)


def kubeconfig_document(config: Config, *, context: str = "kubeflow-informer",
                        namespace: str = "default") -> dict[str, Any]:
    """A one-context kubeconfig (as a dict) for ``config``'s server and static credentials.

    The inverse of :func:`load_kubeconfig` for what a ``Config`` can carry inline: CA, client
    certificate, token, basic auth, ``insecure-skip-tls-verify`` and ``tls-server-name``. Used
    by the embedded server and the envtest launcher to hand kubectl or another process a file.
    """
    cluster: dict[str, Any] = {"server": config.server}
    if config.ca_data is not None:
        cluster["certificate-authority-data"] = base64.b64encode(config.ca_data).decode()
    if config.insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    if config.tls_server_name:
        cluster["tls-server-name"] = config.tls_server_name
    user: dict[str, Any] = {}
    if config.token:
        user["token"] = config.token
    if config.client_cert_data and config.client_key_data:
        user["client-certificate-data"] = base64.b64encode(config.client_cert_data).decode()
        user["client-key-data"] = base64.b64encode(config.client_key_data).decode()
    if config.username is not None:
        user["username"] = config.username
        user["password"] = config.password or ""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": user}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": context,
                                          "namespace": namespace}}
        ],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(config: Config, path: str | os.PathLike[str], *,
                     context: str = "kubeflow-informer", namespace: str = "default") -> Path:
    """Write :func:`kubeconfig_document` to ``path``, mode 0600 (it may hold credentials)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_dump(kubeconfig_document(config, context=context, namespace=namespace),
                          sort_keys=False)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(data)
    return target
