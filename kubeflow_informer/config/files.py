"""Reading configuration files (kubeconfigs, certificates, keys, token files), bounded.

A configuration file can be anything a path names: a huge file, ``/dev/zero``, a FIFO that never
ends, a directory, a path with a NUL byte, text in another encoding. Each of these must end as a
:class:`ConfigError` naming the file (and the key that referred to it), never as a
``MemoryError``, ``ValueError`` or ``UnicodeDecodeError`` traceback, nor as a process that reads
forever. :data:`MAX_FILE_BYTES` bounds every read: real kubeconfigs, CA bundles and tokens are
kilobytes; a few megabytes already means something is wrong.
"""

from __future__ import annotations

import codecs

from kubeflow_informer.errors import ConfigError

__all__ = ["MAX_FILE_BYTES", "decode_text", "read_file"]

#: The largest configuration file read (16 MiB).
MAX_FILE_BYTES = 16 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_file(path: str, *, what: str, source: str | None = None, key: str | None = None,
              limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them.

    ``what`` names the file in messages ("kubeconfig", "client-key file"); ``source`` and
    ``key`` are where the path came from (the kubeconfig and its key), when it came from one.
    """
    where = source if source is not None else path
    shown = f" {path!r}" if source is not None else ""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigError(
            f"cannot read {what}{shown}: {exc.strerror or type(exc).__name__}",
            path=where, key=key,
        ) from None
    except ValueError:  # an embedded NUL byte in the path
        raise ConfigError(f"{what} path contains a NUL byte", path=where, key=key) from None
    if len(data) > limit:
        raise ConfigError(
            f"{what}{shown} is larger than {limit // (1024 * 1024)} MiB", path=where, key=key
        )
    return data


def decode_text(data: bytes, *, what: str, path: str, key: str | None = None) -> str:
    """``data`` as text: UTF-8, or UTF-8/16/32 with a byte-order mark (as YAML allows)."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{what} is not {encoding.upper()} text (invalid byte at offset {exc.start})",
            path=path, key=key,
        ) from None
