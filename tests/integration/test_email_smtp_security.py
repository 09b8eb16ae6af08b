"""SMTP security: login with the tenant's credentials, STARTTLS (TLS) and implicit TLS (SSL)
against a real aiosmtpd server, certificates verified, the password never logged."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from idstream import clock
from idstream.db import Database
from idstream.email.worker import EmailWorker
from idstream.events.store import StoredEvent
from tests.integration.test_email_delivery import (
    SmtpServer,
    configure_smtp,
    event_log,
    outbox,
    queue_setup_password,
    running_smtp,
    send_setup_password,
    smtp_server,
)

__all__ = ["smtp_server"]  # the fixture, shared with the delivery tests

PASSWORD = "s3cret-smtp-pa55word"


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1: trusted only where a test says so."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idstream test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


def test_login_uses_the_tenant_credentials(database: Database) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(_server: Any, _session: Any, _envelope: Any, _mechanism: str, auth: Any):
        logins.append((auth.login, auth.password))
        return AuthResult(success=auth.password == PASSWORD.encode())

    with running_smtp(authenticator=authenticator, auth_require_tls=False) as server:
        send_setup_password(database, port=server.port, username="mailer", password=PASSWORD)

    assert logins == [(b"mailer", PASSWORD.encode())]
    assert len(server.inbox.messages) == 1


def test_refused_login_never_puts_the_password_in_the_event_log(database: Database) -> None:
    def refuse(_server: Any, _session: Any, _envelope: Any, _mechanism: str, _auth: Any):
        return AuthResult(success=False, handled=False)

    with running_smtp(authenticator=refuse, auth_require_tls=False) as server:
        send_setup_password(database, port=server.port, username="mailer", password=PASSWORD)

    [entry] = event_log(database)
    assert "smtplib.SMTPAuthenticationError : Message: 535" in entry.message
    with database.read() as session:
        payloads = list(session.scalars(select(StoredEvent.payload)))
    assert all(PASSWORD.encode() not in payload for payload in payloads)
    assert PASSWORD not in (outbox(database)[0].last_error or "")


def test_tls_never_falls_back_to_plain_text(database: Database, smtp_server: SmtpServer) -> None:
    # The plain test server offers no STARTTLS: the message must not go out unencrypted.
    send_setup_password(database, port=smtp_server.port, security="TLS")

    assert smtp_server.inbox.messages == []
    [entry] = event_log(database)
    assert "smtplib.SMTPNotSupportedError" in entry.message


def test_tls_sends_after_starttls_with_a_trusted_certificate(
    database: Database, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))
    with running_smtp(tls_context=certificate.server_context(), require_starttls=True) as server:
        send_setup_password(database, port=server.port, security="TLS")

    assert len(server.inbox.messages) == 1
    assert event_log(database) == []


def test_tls_refuses_an_untrusted_certificate(database: Database, certificate: Certificate) -> None:
    with running_smtp(tls_context=certificate.server_context(), require_starttls=True) as server:
        send_setup_password(database, port=server.port, security="TLS")

    assert server.inbox.messages == []
    [entry] = event_log(database)
    assert "ssl.SSLCertVerificationError" in entry.message


def test_ssl_sends_over_implicit_tls(
    database: Database, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))
    with running_smtp(ssl_context=certificate.server_context()) as server:
        send_setup_password(database, port=server.port, security="SSL")

    assert len(server.inbox.messages) == 1
    assert event_log(database) == []


def test_ssl_against_a_plain_server_fails_without_sending(
    database: Database, smtp_server: SmtpServer
) -> None:
    configure_smtp(database, port=smtp_server.port, security="SSL")
    queue_setup_password(database)

    EmailWorker(database, timeout_seconds=2).run_once(clock.now_ms())

    assert smtp_server.inbox.messages == []
    [entry] = event_log(database)
    assert "Couldn't connect to host, port: 127.0.0.1" in entry.message
