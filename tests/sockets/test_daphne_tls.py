"""daphne terminating TLS itself (`daphne -e ssl:…`): the frames a connection writes straight to
its socket (sockets/server_socket.py) go through the TLS layer like everything else daphne writes."""

import datetime as dt
import ipaddress
import json
import ssl
import sys
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.sync.client import connect

from players.models import Game
from players.services import keys
from sockets.daphne_patches import LISTEN_BACKLOG
from tests.servers import PlainDaphneProcess, expected_listen_queue, listen_queue, serving
from tests.support import HEARTBEAT


def self_signed(directory):
    """A key and a certificate for 127.0.0.1; returns (key path, certificate path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path, certificate_path = Path(directory) / "key.pem", Path(directory) / "cert.pem"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


class TLSDaphneProcess(PlainDaphneProcess):
    """`daphne -e ssl:PORT:interface=127.0.0.1:privateKey=…:certKey=… talo_project.asgi:application`."""

    def __init__(self, name, key_path, certificate_path, **options):
        super().__init__(name, **options)
        self.key_path, self.certificate_path = key_path, certificate_path

    def command(self):
        daphne = str(Path(sys.executable).parent / "daphne")
        endpoint = f"ssl:{self.port}:interface=127.0.0.1:privateKey={self.key_path}:certKey={self.certificate_path}"
        return [daphne, "-e", endpoint, "talo_project.asgi:application"]

    def start(self):
        self.launch(self.command(), env=self.env, log=self.log)
        return self.wait_listening(30)


@pytest.fixture(scope="module")
def tls(django_db_setup, tmp_path_factory):
    key_path, certificate_path = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(cafile=str(certificate_path))
    with serving("tls-daphne", process_class=TLSDaphneProcess, key_path=key_path, certificate_path=certificate_path) as process:
        yield process, context


def test_frames_written_to_a_tls_socket_go_through_tls(transactional_db, tls):
    process, context = tls
    assert listen_queue(process.port) == expected_listen_queue(LISTEN_BACKLOG)  # TLS endpoints too
    token = keys.create_access_key(game=Game.objects.create(name="tls"), scopes=["read:players"])[1]
    with httpx.Client(base_url=f"https://127.0.0.1:{process.port}", verify=context, timeout=30) as client:
        response = client.post("/v1/socket-tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    with connect(f"wss://127.0.0.1:{process.port}/?ticket={response.json()['ticket']}", ssl=context, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"res": "v1.connected", "data": {}}
        ws.send(HEARTBEAT)
        assert ws.recv(timeout=10) == HEARTBEAT
        ws.send("{}")
        assert json.loads(ws.recv(timeout=10))["data"]["errorCode"] == "INVALID_MESSAGE"
