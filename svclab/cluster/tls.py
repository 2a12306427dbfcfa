"""A per-cluster CA and a serving certificate for 127.0.0.1, as kubeadm makes them for kind.

kubectl sends its bearer token only over TLS (client-go reads user credentials only for secure
configs), so the embedded API server serves HTTPS with certificates made fresh for each new state
directory and kept there (0600) for its restarts. Making them takes the `cryptography` package (tens of
milliseconds to import): `svclab up` makes them in its own process while the daemon imports the cluster, and
hands them over on a pipe (svclab.cluster.handover); the daemon makes them itself only when nothing was handed over.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
from pathlib import Path
from typing import Callable

from svclab.records import Record, set_field

CERTS_FILE = "certs.json"   # in the state directory, 0600


class ServingCerts(Record):
    """A cluster's CA, serving certificate and its key, PEM (a frozen record: svclab.records)."""

    _fields = ("ca_pem", "cert_pem", "key_pem")
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def __init__(self, ca_pem: bytes, cert_pem: bytes, key_pem: bytes) -> None:
        set_field(self, "ca_pem", ca_pem)
        set_field(self, "cert_pem", cert_pem)
        set_field(self, "key_pem", key_pem)

    @property
    def ca_data(self) -> str:
        return base64.b64encode(self.ca_pem).decode()

    def server_context(self) -> ssl.SSLContext:
        # a server context that asks for no client certificate, so it loads no CA bundle (what
        # create_default_context(CLIENT_AUTH) would read from the system's store for nothing)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_chain(context, self.cert_pem + self.ca_pem, self.key_pem)
        return context

    def to_json(self) -> str:
        return json.dumps({"ca": self.ca_pem.decode(), "cert": self.cert_pem.decode(), "key": self.key_pem.decode()})

    @classmethod
    def from_json(cls, text: str) -> "ServingCerts":
        """Certificates saved by to_json (ValueError, KeyError, TypeError when the text is not that)."""
        saved = json.loads(text)
        return cls(saved["ca"].encode(), saved["cert"].encode(), saved["key"].encode())


def _load_chain(context: ssl.SSLContext, chain: bytes, key: bytes) -> None:
    """`load_cert_chain` takes files: on Linux two anonymous in-memory files (the key never reaches a disk), elsewhere
    two in a private temporary folder, removed at once."""
    if hasattr(os, "memfd_create"):
        files = [os.memfd_create("svclab-tls") for _ in range(2)]
        try:
            for fd, data in zip(files, (chain, key)):
                os.write(fd, data)
            try:
                context.load_cert_chain(f"/proc/self/fd/{files[0]}", f"/proc/self/fd/{files[1]}")
                return
            except FileNotFoundError:   # no /proc: the folder below
                pass
        finally:
            for fd in files:
                os.close(fd)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert_file.write_bytes(chain)
        key_file.write_bytes(key)
        key_file.chmod(0o600)
        context.load_cert_chain(cert_file, key_file)


def make_certs(cluster_name: str, days: int = 365) -> ServingCerts:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(n) for n in ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", f"{cluster_name}-control-plane")]
    addresses = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "10.96.0.1")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names + addresses), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return ServingCerts(
        ca.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def load_or_make(path: "Path | None", cluster_name: str, handed: "Callable[[], ServingCerts | None] | None" = None) -> ServingCerts:
    """The certificates saved in `path` (a restarted cluster keeps its CA), or new ones saved there: those `handed`
    over (svclab.cluster.handover, waited for only when needed) when there are, else made here."""
    from svclab.cluster.kubeconfig import write_private

    if path is not None and path.exists():
        try:
            return ServingCerts.from_json(path.read_text())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    given = handed() if handed is not None else None
    certs = given if given is not None else make_certs(cluster_name)
    if path is not None:
        write_private(path, certs.to_json())
    return certs
