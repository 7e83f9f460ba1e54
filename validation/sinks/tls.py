"""A throwaway certificate authority for the SMTP sink's STARTTLS.

Alertmanager requires STARTTLS by default (``smtp_require_tls: true``) and verifies the
relay's certificate. ``self_signed_tls(hosts, directory)`` writes a self-signed certificate
valid for those host names / IP addresses and returns the server context for ``SmtpSink`` and
the CA file a client (``tls_config.ca_file`` in alertmanager.yml) must trust.

Limits: needs the ``cryptography`` package (the ``tls`` extra); the key is RSA 2048 and lives one day.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from validation.core.errors import HarnessError

if TYPE_CHECKING:
    from cryptography import x509


@dataclass(frozen=True)
class TlsFiles:
    server_context: ssl.SSLContext
    ca_file: Path
    key_file: Path


def _subject_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    from cryptography import x509

    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def self_signed_tls(hosts: Sequence[str], directory: Path) -> TlsFiles:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError as err:
        raise HarnessError(
            "cannot make a certificate for the SMTP sink's STARTTLS: the cryptography package is missing",
            place="sinks/tls",
            hint="pip install 'stackcheck[tls]', or set smtp_require_tls: false in the config under test",
        ) from err
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file, key_file = directory / "smtp-sink.crt", directory / "smtp-sink.key"
    ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_file.chmod(0o600)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ca_file, key_file)
    return TlsFiles(context, ca_file, key_file)
