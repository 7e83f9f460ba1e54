"""The run's own certificate authority: every TLS endpoint of the stack gets a certificate from it.

A web.yml with ``tls_server_config`` is served with TLS under test too: its ``cert_file`` /
``key_file`` are replaced by a certificate this CA issued for the host names the configs use
AND the loopback address the host got, and every client (Prometheus' scrapes and its
Alertmanager client through ``tls_config.ca_file``, the harness's clients, readiness probes)
verifies against ``ca.crt``. Nothing trusts anything else: a client without the CA fails
verification exactly as it would against an unknown CA in production.

Keys are ECDSA P-256 (fast to make, accepted by Go's crypto/tls); certificates live one day.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError


def _crypto() -> Any:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise HarnessError(
            "a web.yml asks for TLS but the cryptography package is missing",
            place="render/tls",
            hint="pip install 'stackcheck[tls]' (or cryptography), or drop tls_server_config from the web.yml",
        ) from err
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def subject_names(hosts: Sequence[str]) -> list[Any]:
    x509 = _crypto()[0]
    names: list[Any] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


@dataclass
class RunCA:
    """Issues server certificates into ``directory``; ``ca_file`` is what clients trust."""

    directory: Path
    _key: Any = None
    _cert: Any = None
    issued: dict[str, tuple[Path, Path]] = field(default_factory=dict)

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.crt"

    def ensure(self) -> Path:
        """Make the CA (idempotent); returns ``ca_file``."""
        self._ensure()
        return self.ca_file

    def _ensure(self) -> None:
        if self._cert is not None:
            return
        x509, hashes, serialization, ec, _, name_oid = _crypto()
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(name_oid.COMMON_NAME, "stackcheck run CA")])
        now = datetime.datetime.now(datetime.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
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
            .sign(self._key, hashes.SHA256())
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str, hosts: Sequence[str]) -> tuple[Path, Path]:
        """A server certificate for ``hosts`` (DNS names and IPs): (cert_file, key_file)."""
        if name in self.issued:
            return self.issued[name]
        self._ensure()
        x509, hashes, serialization, ec, eku, name_oid = _crypto()
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(name_oid.COMMON_NAME, hosts[0])]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(subject_names(hosts)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([eku.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        safe = name.replace("/", "_")
        cert_file, key_file = self.directory / f"{safe}.crt", self.directory / f"{safe}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        self.issued[name] = (cert_file, key_file)
        return cert_file, key_file
