"""Static-directory origin: serving, validators, conditional GET, streaming, and no escape from root."""

from __future__ import annotations

import os
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from edge.upstream.http import OriginError
from edge.upstream.static import StaticOrigin, content_type

SECRET = b"TOP SECRET - outside the root"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """`tmp_path/site` is the root; `tmp_path/secret` and `/tmp_path/etc/passwd` sit beside it."""
    (tmp_path / "secret").write_bytes(SECRET)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_bytes(SECRET)
    root = tmp_path / "site"
    (root / "docs").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "docs" / "index.html").write_text("<h1>docs</h1>")
    (root / "style.css").write_text("body{}")
    (root / "app.js").write_text("1;")
    (root / "logo.png").write_bytes(b"\x89PNG....")
    (root / "data.json").write_text("{}")
    (root / "blob.unknownext").write_bytes(b"??")
    (root / "archive.tar.gz").write_bytes(b"\x1f\x8b")
    (root / "space name.txt").write_text("spaced")
    (root / "inner-link.txt").symlink_to(root / "style.css")
    (root / "escape-link").symlink_to(tmp_path / "secret")
    (root / "escape-dir").symlink_to(tmp_path / "etc")
    return root


def origin(root: Path, **kwargs) -> StaticOrigin:
    return StaticOrigin(root, **kwargs)


def header(response, name: str) -> str | None:
    return response.header(name)


async def get(root: Path, path: str, headers=(), method="GET", **kwargs):
    return await origin(root, **kwargs).fetch(method, path, list(headers))


# -- serving ---------------------------------------------------------------------------------


async def test_serves_file_with_headers(site: Path):
    response = await get(site, "/style.css")
    assert response.status == 200 and response.reason == "OK"
    assert await response.read() == b"body{}"
    assert header(response, "content-type") == "text/css"
    assert header(response, "content-length") == "6"
    assert header(response, "cache-control") is None
    st = (site / "style.css").stat()
    assert header(response, "etag") == f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
    last_modified = parsedate_to_datetime(header(response, "last-modified"))
    assert int(last_modified.timestamp()) == int(st.st_mtime)
    assert header(response, "last-modified").endswith(" GMT")
    assert response.elapsed_ms >= 0


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.html", "text/html"),
        ("a.js", "text/javascript"),
        ("a.mjs", "text/javascript"),
        ("a.png", "image/png"),
        ("a.json", "application/json"),
        ("a.wasm", "application/wasm"),
        ("a.webp", "image/webp"),
        ("a.woff2", "font/woff2"),
        ("a.unknownext", "application/octet-stream"),
        ("noext", "application/octet-stream"),
        ("a.tar.gz", "application/gzip"),
        ("A.PNG", "image/png"),
    ],
)
def test_content_types(name, expected):
    assert content_type(name) == expected


async def test_percent_encoded_name_and_query_ignored(site: Path):
    response = await get(site, "/space%20name.txt?x=1")
    assert response.status == 200 and await response.read() == b"spaced"


async def test_etag_changes_with_content(site: Path):
    first = header(await get(site, "/app.js"), "etag")
    (site / "app.js").write_text("2;;")
    os.utime(site / "app.js", ns=(1_000_000_000, 1_000_000_000))
    assert header(await get(site, "/app.js"), "etag") != first


async def test_head_has_headers_but_no_body(site: Path):
    response = await get(site, "/style.css", method="HEAD")
    assert response.status == 200 and response.body == b"" and response.stream is None
    assert header(response, "content-length") == "6"
    assert header(response, "etag") is not None


async def test_other_methods_are_405(site: Path):
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        response = await get(site, "/style.css", method=method)
        assert response.status == 405
        assert header(response, "allow") == "GET, HEAD"


async def test_missing_file_is_404_html(site: Path):
    response = await get(site, "/nope.txt")
    assert response.status == 404 and response.reason == "Not Found"
    assert header(response, "content-type").startswith("text/html")
    body = await response.read()
    assert b"404" in body and len(body) < 512
    assert header(response, "content-length") == str(len(body))
    head = await get(site, "/nope.txt", method="HEAD")
    assert head.status == 404 and head.body == b""


async def test_directories(site: Path):
    assert (await get(site, "/docs")).status == 404
    assert (await get(site, "/docs/")).status == 404
    assert (await get(site, "/")).status == 404
    for path in ("/docs", "/docs/"):
        response = await get(site, path, index="index.html")
        assert response.status == 200 and await response.read() == b"<h1>docs</h1>"
        assert header(response, "content-type") == "text/html"
    home = await get(site, "/", index="index.html")
    assert await home.read() == b"<h1>home</h1>"
    assert (await get(site, "/empty/", index="index.html")).status == 404
    assert (await get(site, "/style.css/")).status == 404  # a file is not a directory
    with pytest.raises(ValueError):
        StaticOrigin(site, index="../secret")


async def test_symlink_inside_root_is_served(site: Path):
    response = await get(site, "/inner-link.txt")
    assert response.status == 200 and await response.read() == b"body{}"


# -- conditional GET -------------------------------------------------------------------------


async def test_if_none_match(site: Path):
    first = await get(site, "/style.css")
    etag = header(first, "etag")
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*", etag.strip('"')):
        response = await get(site, "/style.css", [("If-None-Match", value)])
        assert response.status == 304, value
        assert response.body == b"" and header(response, "etag") == etag
        assert header(response, "last-modified") == header(first, "last-modified")
    response = await get(site, "/style.css", [("If-None-Match", '"other"')])
    assert response.status == 200 and await response.read() == b"body{}"
    head = await get(site, "/style.css", [("If-None-Match", etag)], method="HEAD")
    assert head.status == 304


async def test_if_none_match_star_on_missing_is_404(site: Path):
    assert (await get(site, "/nope", [("If-None-Match", "*")])).status == 404


async def test_if_modified_since(site: Path):
    mtime = (site / "style.css").stat().st_mtime
    for when in (mtime, mtime + 3600):
        response = await get(site, "/style.css", [("If-Modified-Since", formatdate(when, usegmt=True))])
        assert response.status == 304 and response.body == b""
    older = await get(site, "/style.css", [("If-Modified-Since", formatdate(mtime - 3600, usegmt=True))])
    assert older.status == 200 and await older.read() == b"body{}"
    garbage = await get(site, "/style.css", [("If-Modified-Since", "not a date")])
    assert garbage.status == 200


async def test_if_none_match_takes_precedence(site: Path):
    mtime = (site / "style.css").stat().st_mtime
    headers = [("If-None-Match", '"stale"'), ("If-Modified-Since", formatdate(mtime + 60, usegmt=True))]
    assert (await get(site, "/style.css", headers)).status == 200


# -- streaming -------------------------------------------------------------------------------


async def test_large_files_stream(site: Path):
    payload = os.urandom(300_000)
    (site / "big.bin").write_bytes(payload)
    response = await get(site, "/big.bin", stream_threshold=100_000, chunk_size=64 * 1024)
    assert response.status == 200 and response.body is None and response.stream is not None
    assert header(response, "content-length") == str(len(payload))
    chunks = [chunk async for chunk in response.stream]
    assert len(chunks) == 5 and b"".join(chunks) == payload
    small = await get(site, "/style.css", stream_threshold=100_000)
    assert small.stream is None and small.body == b"body{}"
    head = await get(site, "/big.bin", method="HEAD", stream_threshold=100_000)
    assert head.stream is None and head.body == b""


async def test_stream_refuses_a_replaced_file(site: Path):
    (site / "big.bin").write_bytes(b"a" * 5000)
    response = await get(site, "/big.bin", stream_threshold=1000)
    (site / "big.bin").unlink()
    (site / "big.bin").write_bytes(b"b" * 5000)
    with pytest.raises(OriginError, match="changed before it could be streamed") as failed:
        await response.read()  # as an origin that broke off: a 502, not an unhandled OSError (500)
    assert failed.value.kind == "unreachable"


async def test_conditional_miss_still_gets_body(site: Path):
    response = await get(site, "/app.js", [("If-None-Match", '"nope"')])
    assert response.status == 200 and await response.read() == b"1;"


# -- no escape from the root -----------------------------------------------------------------


ESCAPES_404 = [
    "/../secret",
    "/../etc/passwd",
    "/%2e%2e/secret",
    "/%2E%2E/secret",
    "/..%2fsecret",
    "/..%2Fsecret",
    "/%2e%2e%2fsecret",
    "/a/../../secret",
    "/docs/../../secret",
    "/./secret",
    "//etc/passwd",
    "//../secret",
    "/..\\secret",
    "/%5c..%5csecret",
    "/docs\\..\\..\\secret",
    "/escape-link",
    "/escape-dir/passwd",
    "/escape-dir/",
    "..",
    "../secret",
    "secret",
    "/%252e%252e/secret",  # decoded once: a literal "%2e%2e" directory, which doesn't exist
]


@pytest.mark.parametrize("path", ESCAPES_404)
async def test_path_escapes_are_404(site: Path, path: str):
    for index in (None, "index.html"):
        for method in ("GET", "HEAD"):
            response = await get(site, path, method=method, index=index)
            assert response.status == 404, (path, index, method)
            assert SECRET not in await response.read()


@pytest.mark.parametrize("path", ["/docs%2Findex.html", "/docs%2findex.html", "/docs%2F", "/docs%5Cindex.html"])
async def test_an_encoded_slash_is_not_a_separator(site: Path, path: str):
    """Behaviors match `/docs%2Findex.html` as one segment (a function guarding `/docs/*` does
    not run for it), so the origin must not serve `/docs/index.html` for it either."""
    assert (await get(site, "/docs/index.html")).status == 200
    response = await get(site, path, index="index.html")
    assert response.status == 404, path
    assert b"docs" not in await response.read()


@pytest.mark.parametrize(
    "path", ["/secret%00", "/%00/../secret", "/style.css\x00", "/%zz", "/%2", "/%ff%fe", "/a%0a"]
)
async def test_malformed_paths_are_400(site: Path, path: str):
    response = await get(site, path)
    assert response.status == 400
    assert SECRET not in await response.read()


async def test_symlinked_index_outside_root_is_refused(site: Path, tmp_path: Path):
    (site / "trap").mkdir()
    (site / "trap" / "index.html").symlink_to(tmp_path / "secret")
    response = await get(site, "/trap/", index="index.html")
    assert response.status == 404 and SECRET not in await response.read()


async def test_root_given_through_symlink(tmp_path: Path, site: Path):
    alias = tmp_path / "alias"
    alias.symlink_to(site)
    response = await get(alias, "/style.css")
    assert response.status == 200
    assert (await get(alias, "/../secret")).status == 404


def test_root_must_be_a_directory(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        StaticOrigin(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        StaticOrigin(tmp_path / "file")


async def test_fifo_is_not_served(site: Path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(site / "pipe")
    assert (await get(site, "/pipe")).status == 404


async def test_symlink_loop_is_404(site: Path):
    (site / "loop").symlink_to(site / "loop")
    assert (await get(site, "/loop")).status == 404


async def test_revalidates_a_cached_copy(site: Path):
    """The static origin and the cache speak the same validators: stale entry -> 304 -> refresh."""
    from edge.cache import CachedResponse, CachePolicy, refreshed, revalidation_headers, ttl_for

    static = origin(site)
    policy = CachePolicy(default_ttl=60)
    first = await static.fetch("GET", "/app.js", [])
    ttl = ttl_for(policy, first.status, first.headers, 1000.0)
    assert ttl == 60  # no Cache-Control from the origin: the behaviour's Default TTL
    entry = CachedResponse.from_origin(first, await first.read(), ttl=ttl, now=1000.0)
    answer = await static.fetch("GET", "/app.js", revalidation_headers(entry))
    assert answer.status == 304
    renewed = refreshed(entry, answer, policy, 2000.0)
    assert renewed.fresh(2059.0) and renewed.body == b"1;"


async def test_a_file_that_cannot_be_read_now_is_an_origin_failure_not_a_404(site: Path, monkeypatch):
    """Out of descriptors (EMFILE), or an I/O error, says nothing about the file: the request
    fails as an unreachable origin would (the edge's 502, never stored as the file's answer), and
    the next request, with descriptors again, gets the file. A permission refused is 403."""
    import errno

    from edge.upstream import static

    real_open = os.open

    def exhausted(path, flags, *args):  # type: ignore[no-untyped-def]
        raise OSError(errno.EMFILE, "Too many open files", str(path))

    monkeypatch.setattr(static.os, "open", exhausted)
    with pytest.raises(OriginError) as failed:
        await get(site, "/index.html")
    assert failed.value.kind == "unreachable" and "Too many open files" in str(failed.value)
    monkeypatch.setattr(static.os, "open", real_open)
    assert (await get(site, "/index.html")).status == 200

    def refused(path, flags, *args):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(static.os, "open", refused)
    assert (await get(site, "/index.html")).status == 403
    monkeypatch.setattr(static.os, "open", real_open)
    assert (await get(site, "/missing.html")).status == 404  # not there: still 404


async def test_if_match_and_if_unmodified_since_fail_with_412(site: Path):
    """RFC 9110's preconditions, as S3 answers them: If-Match decides when present (strong
    comparison), else If-Unmodified-Since."""
    first = await get(site, "/index.html")
    etag, modified = header(first, "ETag"), header(first, "Last-Modified")
    assert (await get(site, "/index.html", [("If-Match", etag)])).status == 200
    assert (await get(site, "/index.html", [("If-Match", '"other", ' + etag)])).status == 200
    assert (await get(site, "/index.html", [("If-Match", "*")])).status == 200
    assert (await get(site, "/index.html", [("If-Match", '"other"')])).status == 412
    assert (await get(site, "/index.html", [("If-Match", "W/" + etag)])).status == 412  # weak never matches
    assert (await get(site, "/index.html", [("If-Unmodified-Since", modified)])).status == 200
    assert (await get(site, "/index.html", [("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")])).status == 412
    # If-Match decides when both are there
    both = [("If-Match", etag), ("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")]
    assert (await get(site, "/index.html", both)).status == 200
    assert (await get(site, "/missing.html", [("If-Match", "*")])).status == 404
