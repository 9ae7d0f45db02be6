"""`edge serve`: run the edge server under Hypercorn (HTTP/1.1 and HTTP/2, optional TLS)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click

from ..config.manifest import ConfigError, load_manifest
from ..server.app import OPTIONS_ENV
from ..server.state import ServerOptions

DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "samples" / "manifest.toml"


@click.command()
@click.option("--manifest", "-m", type=click.Path(dir_okay=False), default=None,
              help="Manifest TOML (default: the sample manifest).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--threads", type=click.IntRange(min=0), default=0, help="Wasm worker threads per process (0 = auto).")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (enables HTTPS and HTTP/2 via ALPN).")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key.")
@click.option("--state-dir", default=".edge", show_default=True, help="Where precompiled artifacts (and the store) live.")
@click.option("--server-timing/--no-server-timing", default=False, help="Add a Server-Timing header per response.")
@click.option("--graceful-timeout", type=float, default=10.0, show_default=True, help="Seconds to finish in-flight requests on SIGTERM.")
@click.option("--log-level", default="warning", show_default=True)
def serve(
    manifest: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    certfile: str | None,
    keyfile: str | None,
    state_dir: str,
    server_timing: bool,
    graceful_timeout: float,
    log_level: str,
) -> None:
    """Serve the distribution described by a manifest (the samples by default)."""
    from hypercorn.config import Config
    from hypercorn.run import run

    manifest_path = Path(manifest) if manifest else DEFAULT_MANIFEST
    try:
        load_manifest(manifest_path)  # refuse to start on a bad manifest, naming the entry
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if bool(certfile) != bool(keyfile):
        raise click.UsageError("--certfile and --keyfile go together")
    options = ServerOptions(
        manifest=str(manifest_path.resolve()),
        state_dir=str(Path(state_dir).resolve()),
        threads=threads,
        server_timing=server_timing,
    )
    os.environ[OPTIONS_ENV] = json.dumps(dataclasses.asdict(options))
    config = Config()
    config.application_path = "edge.server.app:app_from_env()"
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.workers = workers if workers > 1 else 0  # 0: serve in this process
    config.certfile = certfile
    config.keyfile = keyfile
    config.graceful_timeout = graceful_timeout
    config.include_server_header = False
    config.loglevel = log_level.upper()
    config.accesslog = None
    scheme = "https" if certfile else "http"
    click.echo(f"edge: serving {manifest_path} on {scheme}://{host}:{port} ({workers} worker(s))", err=True)
    sys.exit(run(config))
