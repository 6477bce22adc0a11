"""TLS for the embedded API server: a throw-away CA and a serving certificate signed by it.

Why a CA and not a single self-signed certificate: clients (the official client, kubectl, our
own ``Config``) verify the server through ``certificate-authority-data``, exactly as against a
real cluster, so the client's TLS path runs end to end. The CA signs one serving certificate
whose subject alternative names cover ``127.0.0.1``, ``::1`` and ``localhost`` (plus any host
given), so hostname verification succeeds on every loopback spelling.

``cryptography`` is imported only when material is generated: it is not a runtime dependency
of the package, and a server without TLS never needs it.

Keys are ECDSA P-256: as strong as RSA-3072 and generated in microseconds, which keeps the test
fixture fast. Nothing here is ever logged; the key material only lives in memory and, for the
instant ``ssl`` needs it, in a private temporary directory.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["TlsMaterial", "generate_tls_material", "server_ssl_context"]

_VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class TlsMaterial:
    """PEM-encoded CA certificate, serving certificate and serving key.

    ``ca_pem`` is public and is what clients trust; ``key_pem`` is secret and never appears in
    the ``repr``.
    """

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes = field(repr=False)


def _name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kubeflow-informer"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san_entries(hosts: Iterable[str]) -> list[x509.GeneralName]:
    from cryptography import x509

    entries: list[x509.GeneralName] = []
    seen: set[str] = set()
    for host in ("127.0.0.1", "::1", "localhost", *hosts):
        if not host or host in seen or host in ("0.0.0.0", "::"):
            continue
        seen.add(host)
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return entries


def generate_tls_material(hosts: Iterable[str] = ()) -> TlsMaterial:
    """Generate a fresh CA and a serving certificate for the loopback names and ``hosts``.

    Needs the ``cryptography`` package (imported here, so that the server runs without it
    when TLS is off).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(minutes=5)  # tolerate small clock skew
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("kubeflow-informer-ca")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("kubeflow-informer-apiserver"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_san_entries(hosts)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return TlsMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def server_ssl_context(material: TlsMaterial) -> ssl.SSLContext:
    """A server-side ``SSLContext`` serving ``material``'s certificate (TLS 1.2 or newer).

    ``ssl`` only loads certificate chains from files, so the PEMs are written to a private
    temporary directory (mode 0700) that is removed before this returns.
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix="kubeflow-informer-tls-") as directory:
        os.chmod(directory, 0o700)
        cert_path = os.path.join(directory, "tls.crt")
        key_path = os.path.join(directory, "tls.key")
        with open(cert_path, "wb") as cert_file:
            cert_file.write(material.cert_pem + material.ca_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as key_file:
            key_file.write(material.key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context
