"""Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``), decoded into
the JSON-shaped dicts the handlers take: ``wire.py`` (the wire format), ``schema.py`` (the
field-table notation), the tables (``meta``, ``core_pod``, ``core``, ``workloads``,
``groups``), ``tables.py`` (parsed, with the kinds they decode) and ``decode.py``."""

from kubeflow_informer.apiserver.protobuf.decode import (
    MAGIC,
    UnsupportedProtobuf,
    WireError,
    decode_object,
)

PROTOBUF = "application/vnd.kubernetes.protobuf"

__all__ = ["MAGIC", "PROTOBUF", "UnsupportedProtobuf", "WireError", "decode_object"]
