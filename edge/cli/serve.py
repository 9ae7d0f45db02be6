"""`edge serve`: run the edge server under Granian (the default: HTTP/1.1 and HTTP/2, optional
TLS), Hypercorn or uvicorn (edge/server/servers.py).

The command's options are declared with click alone: every `edge` command loads this module
(the project's defaults are matched to every command's options), so the server's modules are
imported when `edge serve` runs, not here."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .entry import stop_by_sigint
from .params import Seconds

if TYPE_CHECKING:
    from ..server.options import ServerOptions


# the levels Granian, Hypercorn and uvicorn all take (Granian has no `trace`, Hypercorn no `notset`)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def manifest_argument(manifest_file: str | None, manifest: str | None) -> str | None:
    """The manifest named by the argument or by -m (which may come from the project's edge.toml:
    the argument, typed now, wins over that); both typed and different is a usage error."""
    if manifest_file is None:
        return manifest
    source = click.get_current_context().get_parameter_source("manifest")
    if manifest is not None and source == click.core.ParameterSource.COMMANDLINE and Path(manifest) != Path(manifest_file):
        raise click.UsageError(f"two manifests: {manifest_file} and -m {manifest}; give one")
    return manifest_file


def stopped_by_interrupt(command: Callable[..., None]) -> Callable[..., None]:
    """A Ctrl-C (SIGINT to the process group) that comes before the server's own signal
    handlers are in place ends the command as a program stopped by SIGINT does, after the
    command's cleanup ran: a shell or supervisor sees a stop, where click would print
    "Aborted!" and exit 1 as for a failure."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            stop_by_sigint()
            raise  # (where the signal could not end the process)

    return run


@click.command()
@click.argument("manifest_file", metavar="[MANIFEST]", required=False, type=click.Path(dir_okay=False))
@click.option("--manifest", "-m", type=click.Path(dir_okay=False), default=None,
              help="Manifest TOML (default: the sample manifest); also given as the argument.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address for edge traffic: an IP address (0.0.0.0: every IPv4 interface; :: every IPv6 one) or a "
              "host name, listened on at its address (localhost: 127.0.0.1).")
# (not 0, a port the system picks: the serving line, serve.json and `edge dev` could only name port 0; as `edge dev`)
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="Port for edge traffic (65535 needs --admin-port: the admin API's default is --port + 1).")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--threads", type=click.IntRange(min=0), default=0, help="Wasm worker threads per process (0 = auto).")
@click.option("--queue-wait", type=Seconds(0, 60), default=1.0, show_default=True,
              help="Seconds a request may wait for its function's capacity before a 503 LambdaLimitExceeded.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (enables HTTPS and HTTP/2 via ALPN).")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key.")
@click.option("--state-dir", default=".edge", show_default=True,
              help="This server's own directory (created if missing): its store (unless --store), compiled modules, "
              "uploads and logs, and the record the other edge commands find it by; one edge serve per directory.")
@click.option("--server-timing/--no-server-timing", default=False, help="Add a Server-Timing header per response.")
@click.option("--debug-errors", is_flag=True,
              help="Error pages show why (function, rule, origin); by default only the request id for `edge logs`.")
@click.option("--graceful-timeout", type=Seconds(0, 3600), default=10.0, show_default=True,
              help="Seconds to finish in-flight requests on SIGTERM (0 to 3600).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default="warning", show_default=True,
              help="What the ASGI server logs.")
@click.option("--admin-host", default="127.0.0.1", show_default=True, help="Admin API address (loopback unless a token is set).")
@click.option("--admin-port", type=click.IntRange(1, 65535), default=None, help="Admin API port (default: --port + 1).")
@click.option("--admin-token", envvar="EDGE_ADMIN_TOKEN", default=None, help="Bearer token for the admin API [env EDGE_ADMIN_TOKEN].")
@click.option("--no-admin", is_flag=True, help="Serve no admin API.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=64, show_default=True, help="Largest module upload.")
@click.option("--max-concurrent-uploads", type=click.IntRange(min=1), default=16, show_default=True,
              help="Module uploads in progress per worker; beyond: 503 with Retry-After.")
@click.option("--body-timeout", type=Seconds(0.1, 3600), default=10.0, show_default=True,
              help="Seconds a request body may stall between chunks before 408 (0.1 to 3600).")
@click.option("--body-min-rate", type=click.IntRange(min=0), default=1024, show_default=True,
              help="Bytes/s a request body must average once it took --body-timeout (0: off).")
@click.option("--max-connections", type=click.IntRange(min=0), default=0, show_default="auto",
              help="Open connections per worker process (0, auto: from the open-file limit, at most 8192).")
@click.option("--max-connections-per-address", type=click.IntRange(min=0), default=256, show_default=True,
              help="Open connections per client address and worker process (0: no cap; none with --proxy-hops).")
@click.option("--access-log", default=None, metavar="PATH|-", help="One JSON line per request, to a file or - (stdout).")
@click.option("--metrics/--no-metrics", default=True, show_default=True, help="Prometheus metrics at the admin listener's /metrics.")
@click.option("--server", "server_name", type=click.Choice(["granian", "hypercorn", "uvicorn"]), default="granian",
              show_default=True, help="ASGI server: granian (the fastest; HTTP/2, TLS), hypercorn (HTTP/2, TLS; "
              "sends functions' reason phrases) or uvicorn (HTTP/1.1; optional: pip install uvicorn).")
@click.option("--loop", type=click.Choice(["auto", "asyncio", "uvloop"]), default="auto", show_default=True,
              help="Event loop: auto uses uvloop when it is installed.")
@click.option("--tiering/--no-tiering", default=True, show_default=True,
              help="Serve a deployed module from baseline-compiled code at once; optimized code replaces it in the background.")
@click.option("--store", "store", envvar="EDGE_STORE", default=None, metavar="PATH|URL",
              help="The store: a directory (SQLite; default <state-dir>/store) or postgresql://... shared by a "
              "fleet of nodes (`edge docs fleet`) [env EDGE_STORE; or the manifest's [store] url].")
@click.option("--node-name", default=None, callback=lambda ctx, param, value: _node_name(value),
              help="This node's name in `edge nodes` (default: the host name).")
@click.option("--node-address", default=None, metavar="HOST:PORT", callback=lambda ctx, param, value: _node_address(value),
              help="This node's edge address as others reach it (default: --host:--port).")
@click.option("--proxy-hops", type=click.IntRange(0, 10), default=0, show_default=True,
              help="Trusted proxies in front (a load balancer is 1): the viewer's address is the one they put in "
              "X-Forwarded-For.")
@click.option("--bench-native", is_flag=True, hidden=True, help="Serve the benchmark's native endpoint (edge/server/native.py).")
@stopped_by_interrupt
def serve(
    manifest_file: str | None,
    manifest: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    queue_wait: float,
    certfile: str | None,
    keyfile: str | None,
    state_dir: str,
    server_timing: bool,
    debug_errors: bool,
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
    max_connections_per_address: int,
    access_log: str | None,
    metrics: bool,
    server_name: str,
    loop: str,
    tiering: bool,
    proxy_hops: int,
    bench_native: bool,
    store: str | None = None,
    node_name: str | None = None,
    node_address: str | None = None,
) -> None:
    """Serve the distribution described by a manifest (the samples by default): `edge serve
    manifest.toml` or `edge serve -m manifest.toml`."""
    from .. import bundled

    manifest = manifest_argument(manifest_file, manifest)

    # no manifest: the samples (from an installed wheel, a copy under the state directory to build in)
    manifest_path = Path(manifest) if manifest else bundled.writable_samples(Path(state_dir)) / "manifest.toml"
    if bool(certfile) != bool(keyfile):
        raise click.UsageError("--certfile and --keyfile go together")
    if certfile and keyfile:  # as the chosen server will load them: one line if it cannot (tls_files.py)
        from .tls_files import check_tls

        for warning in check_tls(certfile, keyfile, server_name):
            click.echo(f"edge: {warning}", err=True)
    if not no_admin and admin_port is None:
        if port == 65535:
            raise click.UsageError("with --port 65535, give --admin-port (or --no-admin)")
        admin_port = port + 1
    # (the usage errors above come before the server's modules load)
    from ..config.manifest import ConfigError
    from ..control.store import StoreError, mask_location
    from ..server import servers
    from ..server.listeners import ListenerError, check_admin, is_loopback
    from ..server.options_env import OPTIONS_ENV
    from ..server.ports import describe, wait_listening
    from ..server.readiness import ReadyWatch, notify_systemd, stopping_on_signal
    from ..server.manifest_source import load_manifest
    from ..server.options import ServerOptions
    from ..server.ports import PortUnavailable, listen_address
    from .modulefiles import check_module_files
    from .prebuild import build_all, shown
    from .project import client_host, remove_serve_record, write_serve_record

    named_host = host
    try:  # the servers are handed an address: Granian takes no host name
        host = listen_address(host)
    except PortUnavailable as exc:
        raise PortError(str(exc)) from None
    options = ServerOptions(
        manifest=str(manifest_path.resolve()),
        state_dir=str(Path(state_dir).resolve()),
        threads=threads,
        queue_wait_ms=round(queue_wait * 1000),
        server_timing=server_timing,
        debug_errors=debug_errors,
        admin_host=None if no_admin else admin_host,
        admin_port=None if no_admin else admin_port,
        admin_token=admin_token or None,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        max_concurrent_uploads=max_concurrent_uploads,
        graceful_timeout=graceful_timeout,
        body_timeout=body_timeout,
        body_min_rate=body_min_rate,
        max_connections=max_connections,
        max_connections_per_address=max_connections_per_address,
        workers=workers,
        access_log=access_log if access_log in (None, "-") else str(Path(access_log).resolve()),
        metrics=metrics,
        tiering=tiering,
        bench_native=bench_native,
        listeners=((host, port),),
        proxy_hops=proxy_hops,
    )
    _check_state_dir(Path(options.state_dir))
    _lock_state_dir(Path(options.state_dir))
    try:
        options = _with_store(options, store, node_name, node_address, named_host, port)
        loaded = load_manifest(options)  # refuse to start on a bad manifest, naming the entry
    except (ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    check_module_files(loaded)  # a .wasm/.wat a worker would refuse: one line now, not its traceback
    _check_store_dir(options.store_location)
    if options.access_log not in (None, "-"):
        _check_access_log(options.access_log)
    try:
        servers.check_server(server_name, tls=bool(certfile))
        loop = servers.resolve_loop(loop)
        check_admin(options, port)  # what every server's listeners are checked for (listeners.py)
    except ListenerError as exc:
        raise click.UsageError(str(exc)) from None
    _check_ports(options, host, port)
    build_all(loaded)  # one line per function built; a compile error is one line, exit 1
    for note in _notes(options, loaded):  # manifest vs store: what this start keeps or publishes
        click.echo(f"edge: {note}", err=True)
    _prepare_store(options, workers)
    os.environ[OPTIONS_ENV] = json.dumps(dataclasses.asdict(options))
    if metrics and workers > 1:
        _share_metrics(Path(options.state_dir))
    scheme = "https" if certfile else "http"
    if options.store:
        click.echo(f"edge: store {mask_location(options.store)}, node {options.node_name}", err=True)
    plural = "s" if workers > 1 else ""
    click.echo(f"edge: starting {workers} worker{plural} ({server_name} on {loop}) for {shown(manifest_path)}",
               err=True)
    started = time.monotonic()

    def announce() -> None:
        """Once a worker has booted and the edge port accepts connections (some servers listen
        only after their workers started): where to send requests, and systemd if it waits."""
        if port:
            wait_listening(client_host(host).strip("[]"), port)
        # with TLS, an admin listener on loopback stays plain HTTP (listeners.hypercorn_config, servers._granian)
        admin_scheme = "https" if certfile and not is_loopback(admin_host) else "http"
        admin_url = f"{admin_scheme}://{client_host(admin_host)}:{admin_port}" if options.admin_enabled else None
        # the other commands run from this project find this server by it (edge/cli/project.py)
        write_serve_record(Path(options.state_dir), edge=f"{scheme}://{client_host(host)}:{port}", admin=admin_url)
        named = f"--host {named_host}; " if named_host.strip("[]") != host else ""  # a name, listened on at this address
        click.echo(f"edge: serving {shown(manifest_path)} on {scheme}://{_url_host(host)}:{port} "
                   f"({named}ready in {time.monotonic() - started:.1f} s)", err=True)
        if options.admin_enabled:
            auth = "bearer token required" if options.admin_token else "no token: loopback only"
            click.echo(f"edge: admin API on {admin_scheme}://{_url_host(admin_host)}:{admin_port} ({auth})", err=True)
        notify_systemd()

    watch = ReadyWatch(announce).start()
    try:
        with stopping_on_signal():  # systemd hears STOPPING=1 as the stop begins, under every server
            code = servers.run(server_name, options, host, port, workers=workers, certfile=certfile,
                               keyfile=keyfile, graceful_timeout=graceful_timeout, log_level=log_level, loop=loop)
    except OSError as exc:  # lost a race for a port checked above
        message = describe(exc, host, port, "edge traffic", "--port", "--host")
        if message is None:
            raise
        raise PortError(message) from None
    finally:
        watch.close()
        remove_serve_record(Path(options.state_dir))
    sys.exit(code)


def _share_metrics(state_dir: Path) -> None:
    """Every worker writes its metrics in <state-dir>/metrics (unless the environment names a
    directory already); a scrape of any worker merges them all. (prometheus_client is imported
    only for several workers with metrics on.)"""
    from ..ops.metrics import MULTIPROC_ENV

    if MULTIPROC_ENV in os.environ:
        return
    metrics_dir = state_dir / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(metrics_dir)


def _notes(options: ServerOptions, manifest) -> list[str]:  # type: ignore[no-untyped-def]
    from ..server.startup_notes import startup_notes

    try:
        return startup_notes(options, manifest)
    except Exception as exc:  # notes must never keep the server from starting
        click.echo(f"edge: (could not compare the manifest with the store: {exc})", err=True)
        return []


def _prepare_store(options: ServerOptions, workers: int) -> None:
    """Create or open the store here, once, before any worker does (servers.prepare_store): a
    store that cannot be opened (a full disk, permissions, a newer schema) is one line and exit
    status 1, not a traceback from every worker and a worker that "died before it finished
    starting". A fleet's store with one worker was opened already (load_manifest): not again."""
    from ..control.store import StoreError, is_url
    from ..server import servers

    if workers == 1 and is_url(options.store_location):
        return
    try:
        servers.prepare_store(options)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def _check_state_dir(path: Path) -> None:
    """The server writes its store, compiled modules and uploads there: one line now if it
    cannot, not a traceback from every worker; exit status 2, as for the other files and
    directories the workers would open (StartupFileError)."""
    why = "the server keeps its store, compiled modules and uploads there"
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():  # mkdir would say "File exists" or "Not a directory"
        where = f"the state directory {path}" if existing == path else f"the state directory {path} cannot be " \
            f"created: {existing}"
        raise StartupFileError(f"{where} is a file, not a directory: {why}; give --state-dir a directory "
                               "(created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupFileError(f"the state directory {path} cannot be written ({exc.strerror or exc}): {why}; "
                               "give a writable --state-dir") from None


LOCK_FILE = "serve.lock"  # in the state directory: held (flock) by the `edge serve` using it


class StateDirInUse(click.ClickException):
    """Another `edge serve` runs on this state directory: one line, exit status 2 (as for a
    taken port)."""

    exit_code = 2


def _lock_state_dir(state_dir: Path) -> None:
    """One `edge serve` per state directory: a second one would overwrite serve.json (and its
    clean stop delete it while the first still runs), and share metrics/ and logs.db. An flock
    held by this main process for its lifetime, not a pid file: the kernel releases it when the
    process ends however it ends (kill -9 included), so it is never stale. Workers do not hold
    it (they are new interpreters: the descriptor is close-on-exec). A file system without
    flock (some network mounts) gets no guard."""
    import fcntl

    path = state_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return  # (the directory was found writable just before: nothing to guard with)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _lock_holder(fd)
        os.close(fd)
        raise StateDirInUse(f"another edge serve ({holder}) is using the state directory {state_dir}: stop it, "
                            "or give this one its own --state-dir") from None
    except OSError:
        os.close(fd)
        return
    stamp = json.dumps({"pid": os.getpid(), "started": time.time()}).encode()
    try:  # who holds it, for a second start's message: best effort (a full disk stops the start later, saying so)
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp, 0)
    except OSError:
        pass
    # released when the command ends (a start that fails, or one run in-process by CliRunner),
    # else by the kernel when the process does
    click.get_current_context().call_on_close(lambda: os.close(fd))


def _lock_holder(fd: int) -> str:
    """`pid N, started 2026-12-07 04:19:03`, as the holder wrote it when it took the lock."""
    try:
        written = json.loads(os.pread(fd, 200, 0) or b"{}")
        pid, started = int(written["pid"]), float(written["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return "its pid unknown"
    return f"pid {pid}, started {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started))}"


class StartupFileError(click.ClickException):
    """A file or directory the workers would open and cannot: one line, exit status 2 (as for
    a taken port or a TLS file), not a traceback from every worker and a crash loop."""

    exit_code = 2


def _check_access_log(path: str) -> None:
    """Open --access-log for appending as every worker will (creating it if it is missing)."""
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise StartupFileError(
            f"--access-log {path} cannot be opened ({exc.strerror or exc}): give a file in an existing, writable "
            "directory, or - for stdout") from None


def _check_store_dir(location: str) -> None:
    """A SQLite store is a directory the workers create if it is missing: refuse now a path
    that is a file, lies under a file, or cannot be written (without creating anything)."""
    from ..control.store import is_url

    if is_url(location):
        return
    path = Path(location)
    hint = "a store is a directory (SQLite; created if missing) or a postgresql:// URL: give --store a directory path"
    if path.exists() and not path.is_dir():
        raise StartupFileError(f"the store {path} is a file, not a directory: {hint}")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise StartupFileError(f"the store {path} cannot be created: {existing} is a file, not a directory: {hint}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise StartupFileError(f"the store {path} cannot be written ({existing}: permission denied): {hint} "
                               "the server's user can write")


def _node_name(value: str | None) -> str | None:
    """A name `edge nodes` can show and forget (control/nodes.is_node_name). Its module (the
    store's) is loaded only for a name given: the callback runs for every `edge serve`, before
    its usage errors."""
    if value is None:
        return None
    from ..control.nodes import NAME_RULE, is_node_name

    if not is_node_name(value):
        raise click.BadParameter(f"{value!r}: a node name is {NAME_RULE} (fra1, edge-eu-1.example.net)")
    return value


def _node_address(value: str | None) -> str | None:
    """HOST:PORT as other machines reach this node (`[v6]:PORT` for IPv6), as the help says."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    if not (sep and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536
            and (bracketed or ":" not in host) and value.isprintable() and " " not in value):
        raise click.BadParameter(f"{value!r}: give HOST:PORT as other machines reach this node's edge listener "
                                 "(fra1.example.net:80, 10.0.0.5:8080, [2001:db8::5]:80)")
    return value


def _url_host(host: str) -> str:
    """The bound address as a URL's host: an IPv6 one in brackets (`https://[::1]:8443`; without
    them `https://::1:8443` is no URL a client or a copy-paste accepts)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class OptionError(click.ClickException):
    """An option's value (or its environment variable's) refused before anything starts: bad
    input, one line, exit status 2 (docs/cli.md)."""

    exit_code = 2


class PortError(click.ClickException):
    """The port is taken or not ours to use, or the address is none of this machine's: one
    line, exit status 2."""

    exit_code = 2


def _check_ports(options: ServerOptions, host: str, port: int) -> None:
    from ..server.ports import PortUnavailable, check_free

    try:
        check_free(host, port, "edge traffic", "--port", "--host")
        if options.admin_enabled:
            assert options.admin_host is not None and options.admin_port is not None
            check_free(options.admin_host, options.admin_port, "the admin API",
                       "--admin-port (it defaults to --port + 1)", "--admin-host")
    except PortUnavailable as exc:
        raise PortError(str(exc)) from None



def _with_store(options: ServerOptions, store: str | None, node_name: str | None, node_address: str | None,
                host: str, port: int) -> ServerOptions:
    """--store (or EDGE_STORE), else the manifest's [store] url, else <state-dir>/store; and
    this node's name and address for the registry."""
    import socket

    from ..control.store import StoreError, check_location, is_url, manifest_store

    try:
        location = check_location(store) if store else manifest_store(options.manifest)
    except StoreError as exc:
        if not store:
            raise  # the manifest's [store]: a manifest error, exit status 1
        raise OptionError(str(exc)) from None
    if location and not is_url(location):
        location = str(Path(location).resolve())
    advertised = node_address or f"{socket.gethostname() if host in ('0.0.0.0', '::', '') else host}:{port}"
    return dataclasses.replace(options, store=location, node_name=node_name or socket.gethostname(),
                               node_address=advertised)

