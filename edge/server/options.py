"""The operator's settings for one `edge serve` (its options and flags, passed to every worker),
in a module of their own: `edge serve`'s main process reads them without the request path."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from ..control.rows import NodeInfo

DEFAULT_MAX_UPLOAD = 64 * 1024 * 1024
# --max-connections by default: what the open-file limit allows, within these
MIN_AUTO_CONNECTIONS = 256
MAX_AUTO_CONNECTIONS = 8192  # each connection is a few KiB, and a sweep of reaper.py's visits each one
FILES_KEPT = 1024  # descriptors kept for everything else: the store, logs, origin connections
MAX_OPEN_FILES = 1 << 20  # the open-file limit aimed for when its hard limit is unlimited


def open_file_target() -> int:
    """The open-file limit `edge serve` raises its soft limit to (servers.raise_open_files): the
    hard limit, as other servers do."""
    try:
        import resource
    except ImportError:  # no such limit here
        return MAX_OPEN_FILES
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)


def auto_max_connections(open_files: int | None = None) -> int:
    """Open connections per worker when --max-connections is not given: half of the open files
    left after FILES_KEPT (a client connection may hold an origin connection too, a WebSocket
    always does), within MIN_AUTO_CONNECTIONS..MAX_AUTO_CONNECTIONS."""
    files = open_file_target() if open_files is None else open_files
    return max(MIN_AUTO_CONNECTIONS, min(MAX_AUTO_CONNECTIONS, (files - FILES_KEPT) // 2))


@dataclass(frozen=True)
class ServerOptions:
    """Settings that are the operator's, not the manifest's (passed to every worker)."""

    manifest: str
    state_dir: str = ".edge"
    threads: int = 0  # Wasm worker threads; 0 = auto
    cache_bytes: int = 256 * 1024 * 1024
    server_timing: bool = False
    queue_wait_ms: int = 1000  # how long a request may wait for a function's capacity (a burst queues, an overload 503s)
    # the admin API: its own listener; None = no admin API
    admin_host: str | None = None
    admin_port: int | None = None
    admin_token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    max_wat_upload_bytes: int = 4 * 1024 * 1024  # WAT text is parsed in memory (~8x its size)
    max_concurrent_uploads: int = 16  # per worker; beyond: 503 + Retry-After (memory: the build budget)
    graceful_timeout: float = 10.0  # seconds requests in flight may take to finish after a stop signal
    body_timeout: float = 10.0  # seconds a request body may stall between chunks (then 408)
    body_min_rate: int = 1024  # bytes/s a slow body must average once it took body_timeout; 0: off
    max_connections: int = 0  # open connections per worker process; 0: auto_max_connections()
    max_connections_per_address: int = 256  # per client address and worker process; 0: no cap (none behind proxies)
    workers: int = 1
    watch_interval: float = 0.1  # seconds between store revision checks
    access_log: str | None = None  # None: off; "-": stdout; else a file path
    metrics: bool = True  # Prometheus metrics at the admin listener's /metrics
    retire_after: float = 60.0  # seconds an inactive version stays loaded (requests in flight)
    tiering: bool = True  # deploys serve baseline-compiled code until the optimized code is ready
    bench_native: bool = False  # serve edge/server/native.py's endpoint (the benchmark's scenario 3)
    listeners: tuple[tuple[str, int], ...] = ()  # the edge listener(s): never an origin unless declared
    debug_errors: bool = False  # error pages show the operator's detail (not only the request id)
    proxy_hops: int = 0  # trusted proxies in front whose X-Forwarded-For names the viewer (docs/deploy.md)

    # the store: None = SQLite in <state_dir>/store; a path; or a postgresql:// URL (docs/fleet.md)
    store: str | None = None
    node_name: str | None = None  # this node in the registry (`edge nodes`); default: the host name
    node_address: str | None = None  # its edge listener as other machines reach it (host:port)

    def __post_init__(self) -> None:
        if not self.max_connections:  # resolved once: every worker gets the number (JSON)
            object.__setattr__(self, "max_connections", auto_max_connections())

    @property
    def own_listeners(self) -> tuple[tuple[str, int], ...]:
        """This server's own addresses (edge and admin), which functions may not reach as origins."""
        own = [(str(host), int(port)) for host, port in self.listeners]
        if self.admin_host is not None and self.admin_port is not None:
            own.append((self.admin_host, self.admin_port))
        return tuple(own)

    @property
    def artifact_dir(self) -> Path:
        return Path(self.state_dir) / "artifacts"

    @property
    def store_dir(self) -> Path:
        return Path(self.state_dir) / "store"

    @property
    def store_location(self) -> str:
        return self.store or str(self.store_dir)

    @property
    def blob_cache_dir(self) -> Path:
        """A shared (PostgreSQL) store's module bytes, cached on this node."""
        return Path(self.state_dir) / "cache" / "modules"

    def node(self) -> NodeInfo:
        host = socket.gethostname()
        admin = f"{self.admin_host}:{self.admin_port}" if self.admin_port is not None else None
        return NodeInfo(self.node_name or host, host, os.getpid(), self.node_address or host, admin)

    @property
    def admin_enabled(self) -> bool:
        return self.admin_port is not None
