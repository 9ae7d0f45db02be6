"""`edge serve --certfile/--keyfile` loads the pair before it starts, as the servers will: a key
that does not belong to the certificate, a file that is not PEM, or an encrypted key is one
line naming the file and exit status 2. Granian (and Hypercorn) loaded them only once they
started, and each of these ended in a Python traceback (an encrypted key in a passphrase
prompt). A good pair still serves HTTPS."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import httpx
import pytest
import trustme
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from edge.cli.main import cli

from .conftest import free_ports
from .control_helpers import manifest_text
from .serve_output import serve_output


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    ca = trustme.CA()
    one, other = ca.issue_cert("localhost", "127.0.0.1"), ca.issue_cert("localhost")
    paths = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "cert.pem", "key": tmp_path / "key.pem",
             "other-key": tmp_path / "other-key.pem", "encrypted-key": tmp_path / "encrypted-key.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    one.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    one.private_key_pem.write_to_path(str(paths["key"]))
    other.private_key_pem.write_to_path(str(paths["other-key"]))
    key = serialization.load_pem_private_key(one.private_key_pem.bytes(), password=None)
    paths["encrypted-key"].write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")))
    (tmp_path / "m.toml").write_text(manifest_text())
    return paths


CASES = [
    ("cert", "other-key", "the TLS key {other-key} does not belong to the certificate {cert}"),
    ("key", "key", "--certfile {key} is not a PEM certificate"),
    ("cert", "cert", "--keyfile {cert} is not a PEM private key"),
    ("cert", "encrypted-key", "the TLS key {encrypted-key} is encrypted (it needs a passphrase)"),
]


@pytest.mark.parametrize(("cert", "key", "message"), CASES)
@pytest.mark.parametrize("server", ["granian", "hypercorn"])
def test_a_pair_that_cannot_serve_stops_the_start_in_one_line(files, tmp_path, cert, key, message, server):
    port, admin_port = free_ports(2)  # never bound: the start stops before
    result = CliRunner().invoke(cli, [
        "serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--port", str(port),
        "--admin-port", str(admin_port), "--server", server, "--certfile", str(files[cert]), "--keyfile", str(files[key]),
    ])
    assert result.exit_code == 2, result.output
    assert message.format(**{name: str(path) for name, path in files.items()}) in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_a_good_pair_serves_https(files, tmp_path):
    port, admin_port = free_ports(2)
    with serve_output(tmp_path, "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--port", str(port),
                      "--admin-port", str(admin_port), "--certfile", str(files["cert"]), "--keyfile", str(files["key"]),
                      env=dict(os.environ)) as server:
        server.until("edge: serving")
        context = ssl.create_default_context(cafile=str(files["ca"]))
        with httpx.Client(verify=context, timeout=10) as client:
            assert client.get(f"https://127.0.0.1:{port}/").status_code == 200


def self_signed(tmp_path: Path, name: str, key, *, days: tuple[int, int] = (-1, 30)) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A self-signed certificate for 127.0.0.1 with `key`, valid from/to `days` around now."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    algorithm = None if type(key).__name__.startswith("Ed") else hashes.SHA256()
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0])).not_valid_after(now + datetime.timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, algorithm))
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_what_granians_rustls_cannot_read_is_refused_before_it_starts(files, tmp_path):
    """OpenSSL (Hypercorn) takes a P-521 or Ed448 key and a file with a byte-order mark; rustls
    (Granian) does not, and every Granian worker panicked at start until the node stopped."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448

    from edge.cli.tls_files import TLSError, check_tls

    p521 = self_signed(tmp_path, "p521", ec.generate_private_key(ec.SECP521R1()))
    ed = self_signed(tmp_path, "ed448", ed448.Ed448PrivateKey.generate())
    bom = tmp_path / "bom.pem"
    bom.write_bytes(b"\xef\xbb\xbf" + files["cert"].read_bytes())
    for (cert, key), said in ((p521, "an ECDSA key on secp521r1"), (ed, "a Ed448 key"), ((bom, files["key"]), "byte-order mark")):
        assert check_tls(str(cert), str(key), "hypercorn") == []  # OpenSSL serves it
        with pytest.raises(TLSError) as refused:
            check_tls(str(cert), str(key), "granian")
        assert said in str(refused.value.message) and "--server hypercorn" in refused.value.message
    port, admin_port = free_ports(2)  # through the command: one line, exit 2, nothing started
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--port", str(port), "--admin-port", str(admin_port),
                                      "--certfile", str(p521[0]), "--keyfile", str(p521[1])])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output


def test_a_chain_out_of_order_and_an_expired_certificate_say_so(files, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    from edge.cli.tls_files import TLSError, check_tls

    reversed_chain = tmp_path / "reversed.pem"
    reversed_chain.write_bytes(files["ca"].read_bytes() + files["cert"].read_bytes())
    with pytest.raises(TLSError) as refused:
        check_tls(str(reversed_chain), str(files["key"]), "granian")
    assert "belongs to certificate 2 of" in refused.value.message and "must start with the server's own" in refused.value.message
    expired = self_signed(tmp_path, "expired", ec.generate_private_key(ec.SECP256R1()), days=(-30, -1))
    warnings = check_tls(str(expired[0]), str(expired[1]), "granian")
    assert len(warnings) == 1 and "expired on" in warnings[0] and "viewers will refuse it" in warnings[0]


def test_granian_serves_tls_1_2_and_sighup_neither_restarts_workers_nor_rereads_the_pair(files, tmp_path):
    """TLS 1.2 clients are served (Granian's own minimum is 1.3; CloudFront's default policy
    takes 1.2). SIGHUP (log rotation) reaches the workers, which keep their cache and their
    certificate: Granian's own reload restarted them, emptying the cache, and a key replaced
    by a renewal gone wrong made the new workers panic with the old ones gone."""
    import signal
    import time

    port, admin_port = free_ports(2)
    cert, key = tmp_path / "live.pem", tmp_path / "live.key"
    cert.write_bytes(files["cert"].read_bytes())
    key.write_bytes(files["key"].read_bytes())
    access_log = tmp_path / "access.log"
    with serve_output(tmp_path, "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"), "--port", str(port),
                      "--admin-port", str(admin_port), "--certfile", str(cert), "--keyfile", str(key),
                      "--access-log", str(access_log), env=dict(os.environ)) as server:
        server.until("edge: serving")
        tls12 = ssl.create_default_context(cafile=str(files["ca"]))
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        with httpx.Client(verify=tls12, timeout=10) as client:
            client.get(f"https://127.0.0.1:{port}/robots.txt")
            assert client.get(f"https://127.0.0.1:{port}/robots.txt").headers["x-cache"] == "Hit from edge"
        children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
        key.write_bytes(files["other-key"].read_bytes())  # a renewal gone wrong: not read again
        access_log.rename(tmp_path / "access.log.1")
        os.kill(server.proc.pid, signal.SIGHUP)
        time.sleep(1.5)
        context = ssl.create_default_context(cafile=str(files["ca"]))
        with httpx.Client(verify=context, timeout=10) as client:
            assert client.get(f"https://127.0.0.1:{port}/robots.txt").headers["x-cache"] == "Hit from edge"
        assert Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split() == children
        deadline = time.monotonic() + 10
        while not (access_log.exists() and access_log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert '"uri":"/robots.txt"' in access_log.read_text()  # reopened: the request after the SIGHUP
