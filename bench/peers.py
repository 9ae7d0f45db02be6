"""The peers a benchmark run compares with, as real processes it starts and stops itself:

- **workerd** (Cloudflare's Workers runtime, from npm): a JS Worker answering the exact page
  scenario 2's function generates (the same body and headers, read from our server);
- **nginx** (Debian's `nginx-light`): `proxy_cache` in front of the same loopback origin,
  for the cache-hit comparison.

A peer that is not installed is not an error: `find_*` return the reason and how to
install it, and the scenario is skipped with that reason. workerd is installed from the npm
registry into the bench's cache directory on first use when `npm` is available.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx

from . import procs

WORKERD_VERSION = "1.20261123.1"
CACHE = Path(os.environ.get("EDGE_BENCH_CACHE", Path.home() / ".cache" / "edge-wasm" / "bench"))
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


class PeerMissing(Exception):
    """The peer cannot run here; the message says how to install it."""


def find_workerd(install: bool = True) -> Path:
    found = shutil.which("workerd")
    if found:
        return Path(found)
    local = CACHE / "npm" / "node_modules" / ".bin" / "workerd"
    if local.exists():
        return local
    npm = shutil.which("npm")
    if not install or npm is None:
        raise PeerMissing("workerd is not installed: npm install -g workerd (needs Node.js and npm)")
    (CACHE / "npm").mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "install", "--prefix", str(CACHE / "npm"), "--no-audit", "--no-fund", f"workerd@{WORKERD_VERSION}"],
        check=False, capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0 or not local.exists():
        raise PeerMissing(f"could not install workerd from npm: {result.stderr.strip()[-300:]}")
    return local


def find_nginx() -> Path:
    for candidate in (shutil.which("nginx"), *NGINX_CANDIDATES):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    raise PeerMissing("nginx is not installed: apt-get install nginx-light")


WORKER_JS = """
const BODY = %s;
const HEADERS = %s;
export default {
  async fetch(request) {
    return new Response(BODY, { status: 200, headers: HEADERS });
  },
};
"""

WORKERD_CONFIG = """using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .page) ],
  sockets = [ (name = "http", address = "127.0.0.1:%d", http = (), service = "main") ],
);

const page :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2024-01-01",
);
"""


def start_workerd(workdir: Path, log_dir: Path, body: str, headers: dict[str, str]) -> tuple[procs.Proc, str]:
    """workerd serving `body` with `headers` on a loopback port."""
    binary = find_workerd()
    port = procs.free_port()
    directory = workdir / "workerd"
    directory.mkdir(exist_ok=True)
    (directory / "worker.js").write_text(WORKER_JS % (json.dumps(body), json.dumps(headers)))
    (directory / "config.capnp").write_text(WORKERD_CONFIG % port)
    proc = procs.Proc("workerd", [str(binary), "serve", str(directory / "config.capnp")], log_dir / "workerd.log")
    url = f"http://127.0.0.1:{port}"
    procs.wait_until(lambda: httpx.get(url + "/", timeout=1).status_code == 200, proc, 30)
    return proc, url


NGINX_CONFIG = """%(user)s
worker_processes %(workers)d;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  proxy_cache_path %(dir)s/cache levels=1:2 keys_zone=edge:10m max_size=256m inactive=60m use_temp_path=off;
  client_body_temp_path %(dir)s/tmp/body;
  proxy_temp_path %(dir)s/tmp/proxy;
  fastcgi_temp_path %(dir)s/tmp/fastcgi;
  uwsgi_temp_path %(dir)s/tmp/uwsgi;
  scgi_temp_path %(dir)s/tmp/scgi;
  upstream origin { server %(origin)s; keepalive 64; }
  server {
    listen 127.0.0.1:%(port)d;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache edge;
      proxy_cache_valid 200 1d;
      add_header X-Cache $upstream_cache_status;
    }
    location /proxy/ {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
"""


def start_nginx(workdir: Path, log_dir: Path, origin_url: str, workers: int) -> tuple[procs.Proc, str]:
    """nginx with proxy_cache in front of the origin, `workers` worker processes."""
    binary = find_nginx()
    port = procs.free_port()
    directory = workdir / "nginx"
    for sub in ("cache", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    # started as root, nginx's workers would switch to an unprivileged user that cannot enter
    # the bench's private working directory: they keep this user instead
    user = "user root root;" if os.geteuid() == 0 else ""
    config.write_text(NGINX_CONFIG % {"user": user, "workers": workers, "dir": directory, "port": port,
                                      "origin": origin_url.removeprefix("http://")})
    proc = procs.Proc("nginx", [str(binary), "-p", str(directory), "-c", str(config)], log_dir / "nginx.log")
    url = f"http://127.0.0.1:{port}"
    procs.wait_until(lambda: httpx.get(url + "/ready", timeout=1).status_code < 500, proc, 15)
    return proc, url


# -- scenario 13: side by side with the peers ------------------------------------------------


def s13_peers(b, out) -> None:  # type: ignore[no-untyped-def]
    """The function route against workerd serving the same page, the cache hit against nginx's
    proxy_cache on the same origin and object, and the proxy path against the cache hit; with
    our server at one worker and at two (the peers as they are: workerd one process, nginx
    one worker per core we use)."""
    from .scenarios import FUNCTION, Target

    server = b.main_server()
    page = httpx.get(server.edge + FUNCTION, timeout=10)
    page.raise_for_status()
    headers = {k: page.headers[k] for k in ("content-type", "cache-control") if k in page.headers}
    workers = (1, 2) if b.settings.workers == 1 else (b.settings.workers,)
    peers: dict[str, str] = {}
    started: list[procs.Proc] = []
    try:
        try:
            proc, url = start_workerd(b.workdir, b.log_dir, page.text, headers)
            started.append(proc)
            peers["workerd"] = url
        except (PeerMissing, RuntimeError) as exc:
            out.notes.append(f"workerd skipped: {exc}")
            b.say(f"    workerd skipped: {exc}")
        try:
            proc, url = start_nginx(b.workdir, b.log_dir, b.origin_url, max(workers))
            started.append(proc)
            peers["nginx"] = url
        except (PeerMissing, RuntimeError) as exc:
            out.notes.append(f"nginx skipped: {exc}")
            b.say(f"    nginx skipped: {exc}")
        for count in workers:
            if count != b.settings.workers:
                b.stop_main()
                handle = b.start(workers=count)
            else:
                handle = server
            try:
                label = f"{handle.label}, {count} worker{'s' if count > 1 else ''}"
                paths = {f"edge function ({label})": (handle.edge, FUNCTION),
                         f"edge cache hit ({label})": (handle.edge, "/cached/peer"),
                         f"edge proxy, cache miss ({label})": (handle.edge, "/proxy/peer")}
                if "workerd" in peers:
                    paths["workerd, the same page"] = (peers["workerd"], "/")
                if "nginx" in peers:
                    paths["nginx proxy_cache hit"] = (peers["nginx"], "/cached/peer")
                    paths["nginx proxy, no cache"] = (peers["nginx"], "/proxy/peer")
                rows = b.interleaved_bases(paths)
            finally:
                if handle is not server:
                    handle.stop()
            for row in rows.values():
                out.rows.append(row)
                b.report_row(row)
            fn, hit, proxy = (rows[f"edge function ({label})"], rows[f"edge cache hit ({label})"],
                              rows[f"edge proxy, cache miss ({label})"])
            if "workerd" in peers:
                peer = rows["workerd, the same page"]
                out.targets.append(Target("vs_workerd", fn.rps / peer.rps,
                                          f"{fn.rps:,.0f} / {peer.rps:,.0f} req/s, {label}"))
            if "nginx" in peers:
                peer = rows["nginx proxy_cache hit"]
                out.targets.append(Target("vs_nginx", hit.rps / peer.rps, f"{hit.rps:,.0f} / {peer.rps:,.0f} req/s, {label}"))
            out.targets.append(Target("proxy_vs_hit", proxy.rps / hit.rps, f"{proxy.rps:,.0f} / {hit.rps:,.0f} req/s, {label}"))
            if "nginx" in peers:
                # the same ratio for nginx on the same origin: what the loopback origin round trip
                # costs a proxy that is not Python (a reference for proxy_vs_hit, not a target)
                nginx_hit, nginx_proxy = rows["nginx proxy_cache hit"], rows["nginx proxy, no cache"]
                note = (f"nginx's own proxy / its cache hit ({label} run): {nginx_proxy.rps / nginx_hit.rps:.2f} "
                        f"({nginx_proxy.rps:,.0f} / {nginx_hit.rps:,.0f} req/s)")
                out.notes.append(note)
                b.say(f"    {note}")
    finally:
        for proc in started:
            proc.stop()
    b.stop_main()
    out.notes.append("workerd: a JS Worker answering the body and headers scenario 2's function generates; nginx: "
                     "proxy_cache in front of the same loopback origin and object, one worker per edge worker")
