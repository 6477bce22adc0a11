"""Checking kubeconfig values beyond their YAML type: URLs, header-safe credentials, PEM data.

A kubeconfig value of the right type can still be unusable: a ``server`` that is not an http(s)
URL, a token with a newline (which would split the ``Authorization`` header) or a lone
surrogate (which cannot be encoded), a certificate authority that is not PEM. Found at load
time, each is a :class:`ConfigError` naming the file and the key; found later, it would be an
unrelated ``ValueError`` from aiohttp or ``ssl`` on the first request, or worse, a header
injected into every request. Messages name keys, never values (they may be secrets).
"""

from __future__ import annotations

import ssl
from typing import Any

import orjson
from yarl import URL

from kubeflow_informer.config.model import load_client_cert
from kubeflow_informer.errors import ConfigError

__all__ = ["check_http_url", "check_json_value", "check_pem", "check_printable", "require_str"]


def require_str(value: Any, *, path: str, key: str, empty_ok: bool = False) -> str:
    """``value`` when it is a string (non-empty unless ``empty_ok``); else :class:`ConfigError`."""
    if not isinstance(value, str) or (not value and not empty_ok):
        raise ConfigError("value must be a non-empty string", path=path, key=key)
    return value


def check_printable(value: str, *, path: str, key: str) -> str:
    """``value`` when it can go into an HTTP header or a command line: no control characters
    (a newline would inject a header), no NUL, no lone surrogate."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value if char != "\t"):
        raise ConfigError("value contains control characters", path=path, key=key)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError("value is not valid Unicode text", path=path, key=key) from None
    return value


def check_http_url(value: Any, *, path: str, key: str) -> str:
    """``value`` when it is an absolute ``http://`` or ``https://`` URL with a host."""
    text = check_printable(require_str(value, path=path, key=key), path=path, key=key)
    try:
        url = URL(text)
        ok = url.scheme in ("http", "https") and bool(url.host) and url.port is not None
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise ConfigError("value is not an http:// or https:// URL with a host", path=path,
                          key=key)
    return text


def check_pem(ca_data: bytes | None, cert: bytes | None, key_data: bytes | None, *,
              path: str, ca_key: str, cert_key: str) -> None:
    """Load the CA and the client certificate and key as the client will, so that bad PEM is
    reported now, with the file and the key, rather than when the first request is sent."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no system trust store: not needed here
    if ca_data:
        try:
            context.load_verify_locations(cadata=ca_data.decode("ascii", "replace"))
        except (ssl.SSLError, ValueError, TypeError):  # TypeError: not ASCII, so not PEM
            raise ConfigError("certificate authority data is not valid PEM", path=path,
                              key=ca_key) from None
    if cert and key_data:
        try:
            load_client_cert(context, cert, key_data)
        except ConfigError:
            raise ConfigError("client certificate or key is not valid PEM, or they do not match",
                              path=path, key=cert_key) from None


def check_json_value(value: Any, *, path: str, key: str) -> None:
    """``value`` must be representable as JSON (it is handed to an exec plugin as JSON)."""
    try:
        orjson.dumps(value)
    except TypeError:
        raise ConfigError("value cannot be represented as JSON", path=path, key=key) from None
