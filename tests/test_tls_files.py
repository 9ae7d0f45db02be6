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
