"""Tool and source packages for the JavaScript engine, from the package registries, cached.

- npm packages (the Wizer binary, and any JS library the engine bundles) come straight from the
  npm registry's tarballs: metadata -> `dist.tarball`, checked against `dist.integrity`. Python
  does this itself, so building a JS function never needs Node or npm on the server.
- C sources come from PyPI sdists through pip (`pip download --no-binary NAME`), unpacked.

Everything lands in the JS cache directory (`cache_dir()`), keyed by name and version, and
is reused by every later build. Downloads are written to a temporary name and renamed, so
two processes building at once never see a half-written package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
TIMEOUT = 120


class FetchError(Exception):
    """A package could not be fetched; the message says which and what to do."""


def cache_dir() -> Path:
    """`EDGE_JS_CACHE`, else `$XDG_CACHE_HOME/edge-wasm/js` (default `~/.cache/edge-wasm/js`)."""
    configured = os.environ.get("EDGE_JS_CACHE")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "edge-wasm" / "js"


def npm_registry() -> str:
    """The npm registry to use: `npm_config_registry` / `NPM_CONFIG_REGISTRY` if set (as npm does)."""
    url = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    return url if url.endswith("/") else url + "/"


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json, */*", "User-Agent": "edge-wasm"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"could not download {url}: {exc}") from None


def _check_integrity(data: bytes, integrity: str | None, shasum: str | None, what: str) -> None:
    if integrity and integrity.startswith("sha512-"):
        digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != integrity[len("sha512-"):]:
            raise FetchError(f"{what}: the downloaded tarball does not match the registry's integrity hash")
    elif shasum:
        if hashlib.sha1(data).hexdigest() != shasum:
            raise FetchError(f"{what}: the downloaded tarball does not match the registry's shasum")
    else:
        raise FetchError(f"{what}: the registry gives no integrity hash for the tarball")


def _safe_extract(archive: tarfile.TarFile, dest: Path) -> None:
    for member in archive.getmembers():
        target = (dest / member.name).resolve()
        if not str(target).startswith(str(dest.resolve()) + os.sep):
            raise FetchError(f"refusing to unpack {member.name!r} outside {dest}")
        if member.issym() or member.islnk():
            continue
        archive.extract(member, dest)


def npm_package(name: str, version: str) -> Path:
    """The unpacked `package/` directory of npm package `name@version` (downloaded once)."""
    root = cache_dir() / "npm" / f"{name.replace('/', '+')}@{version}"
    done = root / "package"
    if done.is_dir():
        return done
    quoted = urllib.parse.quote(name, safe="@")
    try:
        meta = json.loads(_get(f"{npm_registry()}{quoted.replace('/', '%2F')}/{version}"))
        dist = meta["dist"]
        tarball = dist["tarball"]
    except (ValueError, KeyError, TypeError):
        raise FetchError(f"npm package {name}@{version}: the registry's answer has no tarball") from None
    data = _get(tarball)
    _check_integrity(data, dist.get("integrity"), dist.get("shasum"), f"{name}@{version}")
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
    try:
        with tarfile.open(fileobj=__import__("io").BytesIO(data), mode="r:gz") as archive:
            _safe_extract(archive, staging)
        unpacked = staging / "package"
        if not unpacked.is_dir():
            raise FetchError(f"npm package {name}@{version}: no package/ directory in its tarball")
        try:
            os.replace(unpacked, done)
        except OSError:
            if not done.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done


WIZER_VERSION = "10.0.0"
_WIZER_PLATFORMS = {
    ("Linux", "x86_64"): "linux-x64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Linux", "arm64"): "linux-arm64",
    ("Linux", "s390x"): "linux-s390x",
    ("Darwin", "x86_64"): "darwin-x64",
    ("Darwin", "arm64"): "darwin-arm64",
    ("Windows", "AMD64"): "win32-x64",
}


def wizer(version: str = WIZER_VERSION) -> Path:
    """The Wizer executable from npm (`@bytecodealliance/wizer-<platform>`), fetched once.

    `EDGE_WIZER` names an executable to use instead."""
    configured = os.environ.get("EDGE_WIZER")
    if configured:
        return Path(configured)
    key = (platform.system(), platform.machine())
    plat = _WIZER_PLATFORMS.get(key)
    if plat is None:
        raise FetchError(f"Wizer is not published for {key[0]} {key[1]}; set EDGE_WIZER to a wizer executable")
    package = npm_package(f"@bytecodealliance/wizer-{plat}", version)
    exe = package / ("wizer.exe" if plat.startswith("win32") else "wizer")
    if not exe.is_file():
        raise FetchError(f"@bytecodealliance/wizer-{plat}@{version} has no wizer executable")
    if not os.access(exe, os.X_OK):
        exe.chmod(0o755)
    return exe


def pypi_sdist(name: str, version: str) -> Path:
    """The unpacked source distribution of PyPI package `name==version` (downloaded once with pip)."""
    root = cache_dir() / "pypi" / f"{name}-{version}"
    marker = root / ".complete"
    if marker.exists():
        return _single_dir(root)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".download-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", name,
               "--dest", tmp, f"{name}=={version}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        archives = [p for p in Path(tmp).iterdir() if p.name.endswith((".tar.gz", ".zip"))]
        if proc.returncode != 0 or not archives:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise FetchError(f"could not download the {name}=={version} sources from PyPI with pip: "
                             f"{detail[-1] if detail else 'no sdist'}")
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
        try:
            if archives[0].name.endswith(".zip"):
                shutil.unpack_archive(str(archives[0]), str(staging))
            else:
                with tarfile.open(archives[0]) as archive:
                    _safe_extract(archive, staging)
            for child in staging.iterdir():
                target = root / child.name
                if not target.exists():
                    os.replace(child, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    marker.touch()
    return _single_dir(root)


def _single_dir(root: Path) -> Path:
    dirs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if len(dirs) != 1:
        raise FetchError(f"{root}: expected one unpacked source directory, found {len(dirs)}")
    return dirs[0]
