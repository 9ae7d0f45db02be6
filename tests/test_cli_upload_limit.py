"""`edge deploy` of a module above the server's upload limit says which setting that is: the
413 named only a byte count, and an operator could not tell whether the CLI, a proxy or the
server set it."""

from __future__ import annotations

from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import TOKEN, ControlServer, generated, manifest_text, padded


def test_a_module_over_the_servers_limit_names_the_option(tmp_path):
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state", max_upload_bytes=256 * 1024).start()
    try:
        big = tmp_path / "big.wasm"
        big.write_bytes(padded(generated("big"), 300 * 1024))
        result = CliRunner().invoke(cli, ["deploy", str(big), "--name", "big"],
                                    env={"EDGE_SERVER": server.admin_url, "EDGE_ADMIN_TOKEN": TOKEN})
        assert result.exit_code == 1, result.output
        assert "413: the module is larger than the 262144-byte limit" in result.output
        assert "edge serve --max-upload-mb" in result.output
        assert server.admin.get("/v1/functions").json()["functions"] == []  # nothing stored
    finally:
        server.stop()
