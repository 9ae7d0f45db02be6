"""`edge serve`: run the edge server under Hypercorn (HTTP/1.1 and HTTP/2, optional TLS; the default),
uvicorn or Granian (edge/server/servers.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import click

from ..config.manifest import ConfigError
from ..control.store import StoreError
from ..ops.metrics import MULTIPROC_ENV
from ..server.app import OPTIONS_ENV
from ..server.state import ServerOptions, load_manifest

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
@click.option("--admin-host", default="127.0.0.1", show_default=True, help="Admin API address (loopback unless a token is set).")
@click.option("--admin-port", type=click.IntRange(1, 65535), default=None, help="Admin API port (default: --port + 1).")
@click.option("--admin-token", envvar="EDGE_ADMIN_TOKEN", default=None, help="Bearer token for the admin API [env EDGE_ADMIN_TOKEN].")
@click.option("--no-admin", is_flag=True, help="Serve no admin API.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=64, show_default=True, help="Largest module upload.")
@click.option("--max-concurrent-uploads", type=click.IntRange(min=1), default=16, show_default=True,
              help="Module uploads in progress per worker; beyond: 503 with Retry-After.")
@click.option("--body-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a request body may stall between chunks before 408.")
@click.option("--body-min-rate", type=click.IntRange(min=0), default=1024, show_default=True,
              help="Bytes/s a request body must average once it took --body-timeout (0: off).")
@click.option("--max-connections", type=click.IntRange(min=1), default=1024, show_default=True,
              help="Open connections per worker process; beyond: 503.")
@click.option("--access-log", default=None, metavar="PATH|-", help="One JSON line per request, to a file or - (stdout).")
@click.option("--metrics/--no-metrics", default=True, show_default=True, help="Prometheus metrics at the admin listener's /metrics.")
@click.option("--server", "server_name", type=click.Choice(["hypercorn", "uvicorn", "granian"]), default="hypercorn",
              show_default=True, help="ASGI server: hypercorn (HTTP/2, TLS), uvicorn (httptools) or granian; "
              "uvicorn and granian are optional extras (pip install 'edge-wasm[bench]').")
@click.option("--loop", type=click.Choice(["auto", "asyncio", "uvloop"]), default="auto", show_default=True,
              help="Event loop: auto uses uvloop when it is installed.")
@click.option("--tiering/--no-tiering", default=True, show_default=True,
              help="Serve a deployed module from baseline-compiled code at once; optimized code replaces it in the background.")
@click.option("--bench-native", is_flag=True, hidden=True, help="Serve the benchmark's native endpoint (edge/server/native.py).")
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
    admin_host: str,
    admin_port: int | None,
    admin_token: str | None,
    no_admin: bool,
    max_upload_mb: int,
    max_concurrent_uploads: int,
    body_timeout: float,
    body_min_rate: int,
    max_connections: int,
    access_log: str | None,
    metrics: bool,
    server_name: str,
    loop: str,
    tiering: bool,
    bench_native: bool,
) -> None:
    """Serve the distribution described by a manifest (the samples by default)."""
    from ..server import servers
    from ..server.listeners import ListenerError, hypercorn_config

    manifest_path = Path(manifest) if manifest else DEFAULT_MANIFEST
    if bool(certfile) != bool(keyfile):
        raise click.UsageError("--certfile and --keyfile go together")
    if not no_admin and admin_port is None:
        if port in (0, 65535):
            raise click.UsageError("with --port 0 or 65535, give --admin-port (or --no-admin)")
        admin_port = port + 1
    options = ServerOptions(
        manifest=str(manifest_path.resolve()),
        state_dir=str(Path(state_dir).resolve()),
        threads=threads,
        server_timing=server_timing,
        admin_host=None if no_admin else admin_host,
        admin_port=None if no_admin else admin_port,
        admin_token=admin_token or None,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        max_concurrent_uploads=max_concurrent_uploads,
        graceful_timeout=graceful_timeout,
        body_timeout=body_timeout,
        body_min_rate=body_min_rate,
        max_connections=max_connections,
        workers=workers,
        access_log=access_log if access_log in (None, "-") else str(Path(access_log).resolve()),
        metrics=metrics,
        tiering=tiering,
        bench_native=bench_native,
    )
    try:
        load_manifest(options)  # refuse to start on a bad manifest, naming the entry
    except (ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        servers.check_server(server_name, tls=bool(certfile))
        loop = servers.resolve_loop(loop)
        config = hypercorn_config(options, host, port, certfile=certfile, keyfile=keyfile)
    except ListenerError as exc:
        raise click.UsageError(str(exc)) from None
    os.environ[OPTIONS_ENV] = json.dumps(dataclasses.asdict(options))
    if metrics and workers > 1 and MULTIPROC_ENV not in os.environ:
        # every worker writes its metrics here; a scrape of any worker merges them all
        metrics_dir = Path(options.state_dir) / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ[MULTIPROC_ENV] = str(metrics_dir)
    scheme = "https" if certfile else "http"
    click.echo(f"edge: serving {manifest_path} on {scheme}://{host}:{port} ({workers} worker(s), "
               f"{server_name} on {loop})", err=True)
    if options.admin_enabled:
        admin_scheme = "http" if (not certfile or config.insecure_bind) else "https"
        auth = "bearer token required" if options.admin_token else "no token: loopback only"
        click.echo(f"edge: admin API on {admin_scheme}://{admin_host}:{admin_port} ({auth})", err=True)
    sys.exit(servers.run(server_name, options, host, port, workers=workers, certfile=certfile, keyfile=keyfile,
                         graceful_timeout=graceful_timeout, log_level=log_level, loop=loop))
