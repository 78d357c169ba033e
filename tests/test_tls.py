"""The bridge over HTTPS: gunicorn with deploy/gunicorn.conf.py and a certificate the test generates (README "TLS")."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.embedded import ManagedProcess, free_port, gunicorn_command, start_bridge
from conftest import AUTH, PASSWORD


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def issue(directory: Path, name: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
          *, ca: bool = False) -> tuple[Certificate, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for localhost and 127.0.0.1, self-signed unless an issuer (certificate, key) signs it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    signer_cert, signer_key = issuer or (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_cert.subject if signer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    )
    certificate = builder.sign(signer_key, hashes.SHA256())
    files = Certificate(directory / f"{name}.pem", directory / f"{name}.key")
    files.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files, certificate, key


def bridge_environment(prefect_api_url: str, port: int, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "BRIDGE_"))}
    env.update(
        PREFECT_API_URL=prefect_api_url, BRIDGE_ADMIN_PASSWORD=PASSWORD, BRIDGE_PORT=str(port),
        BRIDGE_WORKERS="1", BRIDGE_THREADS="2", NO_PROXY="127.0.0.1,localhost",
    )
    return {**env, **settings}


@pytest.fixture(scope="module")
def server_certificate(tmp_path_factory) -> Certificate:
    files, _, _ = issue(tmp_path_factory.mktemp("tls"), "bridge")
    return files


@pytest.fixture(scope="module")
def https_bridge(prefect_stack, server_certificate, tmp_path_factory) -> Iterator[str]:
    """The bridge under gunicorn over TLS 1.3 at least: its https:// URL."""
    port = free_port()
    environ = bridge_environment(
        prefect_stack.api_url, port, BRIDGE_TLS_CERTFILE=str(server_certificate.cert),
        BRIDGE_TLS_KEYFILE=str(server_certificate.key), BRIDGE_TLS_MINIMUM_VERSION="TLSv1.3",
    )
    with start_bridge(environ, tmp_path_factory.mktemp("bridge-log")):
        yield f"https://127.0.0.1:{port}/api/v1"


def trusting(certificate: Certificate, maximum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(certificate.cert))
    if maximum is not None:
        context.maximum_version = maximum
    return context


def test_an_authenticated_request_over_https_verifying_the_certificate(https_bridge, server_certificate):
    with httpx.Client(verify=trusting(server_certificate), trust_env=False, timeout=30) as client:
        response = client.get(f"{https_bridge}/dags", params={"limit": 1}, headers=AUTH)
        assert response.status_code == 200, response.text
        assert "dags" in response.json()
        assert client.get(f"{https_bridge}/dags").status_code == 401


def test_plain_http_to_the_tls_port_gets_no_answer(https_bridge):
    plain = https_bridge.replace("https://", "http://")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{plain}/version", trust_env=False, timeout=10)


def test_a_client_that_does_not_trust_the_certificate_refuses_it(https_bridge):
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{https_bridge}/version", trust_env=False, timeout=10)


def test_tls_below_the_minimum_version_is_refused(https_bridge, server_certificate):
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{https_bridge}/version", verify=trusting(server_certificate, ssl.TLSVersion.TLSv1_2),
                  trust_env=False, timeout=10)


def test_client_certificates_when_a_client_ca_is_set(prefect_stack, tmp_path):
    authority, ca_cert, ca_key = issue(tmp_path, "clients-ca", ca=True)
    server, _, _ = issue(tmp_path, "bridge")
    client_files, _, _ = issue(tmp_path, "client", (ca_cert, ca_key))
    port = free_port()
    environ = bridge_environment(
        prefect_stack.api_url, port, BRIDGE_TLS_CERTFILE=str(server.cert), BRIDGE_TLS_KEYFILE=str(server.key),
        BRIDGE_TLS_CLIENT_CA_FILE=str(authority.cert),
    )
    url = f"https://127.0.0.1:{port}/api/v1/version"
    with start_bridge(environ, tmp_path):
        with_certificate = trusting(server)
        with_certificate.load_cert_chain(str(client_files.cert), str(client_files.key))
        assert httpx.get(url, verify=with_certificate, trust_env=False, timeout=30).status_code == 200
        with pytest.raises(httpx.TransportError):
            httpx.get(url, verify=trusting(server), trust_env=False, timeout=10)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"BRIDGE_TLS_CERTFILE": "/nonexistent/cert.pem", "BRIDGE_TLS_KEYFILE": "/nonexistent/key.pem"},
         "BRIDGE_TLS_CERTFILE"),
        ({"BRIDGE_WORKERS": "many"}, "BRIDGE_WORKERS"),
        ({"BRIDGE_TLS_MINIMUM_VERSION": "SSLv3"}, "BRIDGE_TLS_MINIMUM_VERSION"),
    ],
)
def test_gunicorn_refuses_bad_settings_at_once_naming_them(tmp_path, settings, named):
    environ = bridge_environment("http://127.0.0.1:9/api", free_port(), **settings)
    environ["BRIDGE_ADMIN_PASSWORD"] = "s3cret-never-shown"

    process = ManagedProcess("gunicorn", gunicorn_command(), tmp_path / "gunicorn.log", env=environ)
    assert process.popen.wait(timeout=60) != 0
    output = (tmp_path / "gunicorn.log").read_text()
    assert named in output and "invalid configuration" in output
    assert "Traceback" not in output and "s3cret-never-shown" not in output
    assert "Booting worker" not in output
