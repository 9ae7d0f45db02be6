"""The C SDK (sdk/c/edge.h) through the real runtime: accessors, changes, generated responses,
escaping, malformed events, command mode and `reuse` memory behaviour.

One C test function (below) dispatches on the `x-op` request header; it is built once per
session as a reactor and once as a WASI command (same source, `EDGE_COMMAND`).
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from edge import toolchain
from edge.runtime.limits import FunctionConfig
from edge.runtime.module import STYLE_COMMAND, STYLE_REACTOR
from edge.runtime.outcome import ErrorKind
from edge.runtime.runtime import Runtime

from . import aws_examples
from .test_samples import BODY, ORIGIN_REQUEST, ORIGIN_RESPONSE, VIEWER_REQUEST, header, make_event

TEST_FUNCTION = r"""
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

static char *acc; /* arena text: reset per invocation (the arena is freed in between) */

static void line(const char *key, const char *value) {
    acc = edge_fmt("%s%s=%s\n", acc ? acc : "", key, value ? value : "(null)");
}
static const char *num(long long v) { return edge_fmt("%lld", v); }

static void dump(edge_event *ev) {
    edge_headers *rq = edge_request_headers(ev);
    const unsigned char *body;
    const char *names = "";
    size_t i, n, blen;
    line("event_type", num(edge_event_type(ev)));
    line("event_type_name", edge_event_type_name(ev));
    line("is_request_hook", num(edge_is_request_hook(ev)));
    line("request_id", edge_request_id(ev));
    line("uri", edge_uri(ev));
    line("method", edge_method(ev));
    line("querystring", edge_querystring(ev));
    line("client_ip", edge_client_ip(ev));
    line("ua", edge_header(rq, "USER-AGENT"));
    line("ua_key", edge_header_key(rq, "user-agent"));
    line("missing", edge_header(rq, "x-missing"));
    n = edge_header_count(rq, "cookie");
    line("cookie_count", num((long long)n));
    for (i = 0; i <= n; i++) line(edge_fmt("cookie%zu", i), edge_header_value(rq, "Cookie", i));
    for (i = 0; i < edge_headers_len(rq); i++) names = edge_fmt("%s%s%s", names, i ? "," : "", edge_headers_name(rq, i));
    line("names", names);
    line("has_body", num(edge_has_body(ev)));
    body = edge_body(ev, &blen);
    line("body", (const char *)body);
    line("body_len", num((long long)blen));
    line("truncated", num(edge_body_truncated(ev)));
    line("origin_domain", edge_origin_domain(ev));
    line("origin_header", edge_header(edge_origin_headers(ev), "My-Origin-Custom-Header"));
    line("distribution_id", edge_get(ev, "config.distributionId"));
    line("port", edge_get(ev, "request.origin.custom.port"));
    line("ssl1", edge_get(ev, "request.origin.custom.sslProtocols.1"));
    line("get_missing", edge_get(ev, "request.nope.x"));
    line("get_object", edge_get(ev, "request.headers"));
    line("env", edge_env("SDK_TEST_VAR"));
    line("status", edge_status(ev));
    line("status_code", num(edge_status_code(ev)));
    line("status_description", edge_status_description(ev));
    line("resp_ctype", edge_header(edge_response_headers(ev), "content-type"));
}

static int is(const char *op, const char *name) { return strcmp(op, name) == 0; }

/* Functions that read little or none of the event (the environment variable SDK_TEST_LAZY picks one). */
static int lazy_main(edge_event *ev, const char *op) {
    if (is(op, "respond")) { /* a generated response: only the hook is looked at */
        edge_respond(ev, 200, NULL);
        edge_header_set(edge_response_headers(ev), "Content-Type", "text/plain");
        edge_set_body(ev, edge_event_type_name(ev));
    } else if (is(op, "respond-then-read")) {
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, edge_fmt("%s %s %s|%s", edge_uri(ev), edge_method(ev), edge_querystring(ev),
                                   edge_header(edge_request_headers(ev), "host")));
    } else if (is(op, "read-then-fail")) {
        return edge_fail(ev, "no luck with \"%s\"", edge_uri(ev));
    } else if (is(op, "bad-status-then-read")) {
        edge_respond(ev, 99, NULL);
        edge_info("uri \"%s\"", edge_uri(ev));
    } else if (is(op, "set-status")) { /* response hooks: the response is read */
        edge_set_status(ev, 404, NULL);
    }
    return EDGE_OK; /* "passthrough": the request goes back without being looked at */
}

int edge_main(edge_event *ev) {
    const char *lazy = edge_env("SDK_TEST_LAZY");
    edge_headers *rq, *h;
    const char *op;
    if (lazy) return lazy_main(ev, lazy);
    rq = edge_request_headers(ev);
    op = edge_header(rq, "x-op");
    acc = NULL;
    if (!op) return EDGE_OK;

    if (is(op, "accessors")) {
        dump(ev);
        if (edge_is_request_hook(ev)) edge_respond(ev, 200, NULL);
        edge_set_body(ev, acc);
    } else if (is(op, "modify")) {
        int removed, absent;
        edge_set_uri(ev, "/new/path");
        edge_set_querystring(ev, "a=1&b=%C3%A9");
        edge_header_set(rq, "X-New", "v1");
        edge_header_set(rq, "Accept", "text/html");
        edge_header_add(rq, "Cookie", "c=3");
        edge_header_add(rq, "x-multi", "1");
        edge_header_add(rq, "X-Multi", "2");
        removed = edge_header_remove(rq, "User-Agent");
        absent = edge_header_remove(rq, "x-not-there");
        edge_header_set(rq, "x-removed", edge_fmt("%d,%d", removed, absent));
        if (edge_origin_domain(ev)) {
            edge_set_origin_domain(ev, "new.example.com");
            edge_set_string(ev, "request.origin.custom.path", "/v2");
            edge_set_number(ev, "request.origin.custom.port", 8443);
            edge_header_set(edge_origin_headers(ev), "X-Origin-Secret", "s");
        }
    } else if (is(op, "respond")) {
        edge_respond(ev, 404, NULL);
        h = edge_response_headers(ev);
        edge_header_set(h, "Content-Type", "text/plain; charset=utf-8");
        edge_header_add(h, "Set-Cookie", "a=1");
        edge_header_add(h, "Set-Cookie", "b=2");
        edge_set_body(ev, "not here");
    } else if (is(op, "respond-bytes")) {
        edge_respond(ev, 200, "Fine");
        edge_set_body_bytes(ev, "\x00\x01\xff", 3);
    } else if (is(op, "respond-bytes-then-text")) {
        edge_respond(ev, 200, "Fine");
        edge_set_body_bytes(ev, "\x00\x01\xff", 3);
        edge_set_body(ev, "text");
    } else if (is(op, "respond-twice")) {
        edge_respond(ev, 500, "first");
        edge_header_set(edge_response_headers(ev), "X-First", "1");
        edge_respond(ev, 301, NULL);
        edge_header_set(edge_response_headers(ev), "Location", "/moved");
    } else if (is(op, "response-modify")) {
        h = edge_response_headers(ev);
        edge_set_status(ev, 503, NULL);
        edge_header_remove(h, "server");
        edge_header_set(h, "X-Added", "1");
        edge_header_add(h, "Set-Cookie", "z=1");
        edge_set_body(ev, "replaced");
    } else if (is(op, "copy")) {
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, edge_header(rq, "x-data"));
        edge_header_set(edge_response_headers(ev), "X-Copy", edge_header(rq, "x-header-data"));
    } else if (is(op, "body-echo")) {
        size_t n;
        const unsigned char *b = edge_body(ev, &n);
        edge_respond(ev, 200, NULL);
        edge_set_body_bytes(ev, b, n);
    } else if (is(op, "set-request-body")) {
        edge_set_request_body(ev, "replaced body", 13);
    } else if (is(op, "big-body")) {
        size_t n = 1536 * 1024;
        char *big = (char *)edge_arena_alloc(n + 1);
        if (!big) return EDGE_ENOMEM;
        memset(big, 'a', n);
        big[n] = '\0';
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, big);
    } else if (is(op, "logs")) {
        char *big = (char *)edge_arena_alloc(2001);
        edge_debug("debug %d", -5);
        edge_info("info %u %x %lld %zu %c %% %.*s %s|%i", 7u, 255u, -9000000000LL, (size_t)12, 'Z', 3, "abcdef",
                  (const char *)NULL, -2147483647 - 1);
        edge_warn("warn");
        edge_error("error \xc3\xa9\xf0\x9f\x98\x80");
        edge_log(EDGE_INFO, "plain %d not formatted");
        edge_logf(EDGE_WARN, "logf %s", "x");
        memset(big, 'x', 2000);
        big[2000] = '\0';
        edge_info("%s", big);
    } else if (is(op, "form")) {
        const char *cur = edge_querystring(ev), *end = cur + strlen(cur);
        char *k, *v;
        while (edge_form_next(&cur, end, &k, &v)) line(k, v);
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, acc ? acc : "");
    } else if (is(op, "helpers")) {
        size_t n;
        unsigned char *d;
        line("b64", edge_base64_encode("user:pass", 9));
        line("b64_1", edge_base64_encode("a", 1));
        line("b64_2", edge_base64_encode("ab", 2));
        line("b64_0", edge_base64_encode("", 0));
        d = edge_base64_decode("aGVsbG8", 7, &n);
        line("unb64_nopad", d ? edge_fmt("%s/%zu", (char *)d, n) : NULL);
        d = edge_base64_decode("aGVsbG8=", 8, &n);
        line("unb64", d ? edge_fmt("%s/%zu", (char *)d, n) : NULL);
        line("unb64_bad", (char *)edge_base64_decode("a", 1, &n));
        line("unb64_bad2", (char *)edge_base64_decode("aG!s", 4, &n));
        line("url", edge_url_decode("%41%zz+%2", 9, 1, &n));
        line("url_len", num((long long)n));
        line("url_noplus", edge_url_decode("a+b%20c", 7, 0, NULL));
        line("utf8_ok", num(edge_utf8_valid("\xc3\xa9\xf0\x9f\x98\x80", 6)));
        line("utf8_overlong", num(edge_utf8_valid("\xc0\xaf", 2)));
        line("utf8_surrogate", num(edge_utf8_valid("\xed\xa0\x80", 3)));
        line("utf8_truncated", num(edge_utf8_valid("\xe2\x82", 2)));
        line("fmt", edge_fmt("[%s|%d|%5]", "x", 3));
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, acc);
    } else if (is(op, "random")) {
        double r = edge_random();
        line("a", num(edge_random_u32()));
        line("b", num(edge_random_u32()));
        line("in_range", num(r >= 0.0 && r < 1.0));
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, acc);
    } else if (is(op, "get")) {
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, edge_fmt("%s", edge_get(ev, edge_header(rq, "x-path"))));
    } else if (is(op, "fail")) {
        return edge_fail("custom failure %d at %s", 42, edge_uri(ev));
    } else if (is(op, "negative")) {
        return -42;
    } else if (is(op, "bad-uri")) {
        edge_set_uri(ev, "no-slash");
    } else if (is(op, "ctl-uri")) {
        edge_set_uri(ev, "/a\tb");
    } else if (is(op, "bad-querystring")) {
        edge_set_querystring(ev, "a b");
    } else if (is(op, "bad-utf8-header")) {
        edge_header_set(rq, "X-Bad", "\xff");
    } else if (is(op, "bad-header-name")) {
        edge_header_set(rq, "Bad Name", "v");
    } else if (is(op, "crlf-header")) {
        edge_header_set(rq, "X-Injected", "a\r\nSet-Cookie: evil=1");
    } else if (is(op, "bad-status")) {
        edge_respond(ev, 99, NULL);
    } else if (is(op, "bad-utf8-body")) {
        edge_respond(ev, 200, NULL);
        edge_set_body(ev, "\xc3(");
    } else if (is(op, "respond-in-response-hook")) {
        edge_respond(ev, 200, NULL);
    } else if (is(op, "set-body-without-response")) {
        edge_set_body(ev, "x");
    } else if (is(op, "response-headers-without-response")) {
        edge_header_set(edge_response_headers(ev), "X", "y");
    } else if (is(op, "set-uri-in-response-hook")) {
        edge_set_uri(ev, "/x");
    } else if (is(op, "request-header-in-response-hook")) {
        edge_header_set(rq, "X", "y");
    } else if (is(op, "request-body-missing")) {
        edge_set_request_body(ev, "x", 1);
    } else if (is(op, "bad-path")) {
        edge_set_string(ev, "request.nope.x", "v");
    } else if (is(op, "origin-missing")) {
        edge_set_origin_domain(ev, "x.example.com");
    } else if (is(op, "oom")) {
        while (edge_arena_alloc(1u << 20)) {
        }
    } else if (is(op, "error-then-ok")) {
        edge_set_uri(ev, "bad");
        edge_set_uri(ev, "/good"); /* the first error sticks */
    } else if (is(op, "paths")) {
        int d1, d2, d3, d4, d5;
        edge_set_object(ev, "request.extra");
        edge_set_bool(ev, "request.extra.yes", 1);
        edge_set_bool(ev, "request.extra.no", 0);
        edge_set_array(ev, "request.extra.list");
        edge_append_string(ev, "request.extra.list", "a");
        edge_append_string(ev, "request.extra.list", "b");
        edge_append_string(ev, "request.extra.list", "c \"q\" \xc3\xa9");
        d1 = edge_delete(ev, "request.extra.list.1"); /* an array element */
        d2 = edge_delete(ev, "request.extra.missing");
        d3 = edge_delete(ev, "request.nope.deeper");
        edge_set_object(ev, "request.extra.nested");
        edge_set_array(ev, "request.extra.nested.empty");
        edge_set_string(ev, "request.extra.gone", "x");
        d4 = edge_delete(ev, "request.extra.gone");
        d5 = edge_delete(ev, "request.extra.list.9");
        edge_set_array(ev, "request.extra.no"); /* replaces a boolean */
        edge_append_string(ev, "request.extra.no", "now a list");
        edge_set_string(ev, "request.extra.deleted", edge_fmt("%d%d%d%d%d", d1, d2, d3, d4, d5));
        edge_set_string(ev, "request.extra.read_back", edge_fmt("%s|%s", edge_get(ev, "request.extra.yes"),
                                                                edge_get(ev, "request.extra.list.1")));
    } else if (is(op, "origin-to-s3")) {
        int removed = edge_delete(ev, "request.origin.custom");
        edge_set_object(ev, "request.origin.s3");
        edge_set_string(ev, "request.origin.s3.authMethod", "none");
        edge_set_object(ev, "request.origin.s3.customHeaders");
        edge_header_set(edge_origin_headers(ev), "X-Bucket-Token", "t"); /* the new origin's headers */
        edge_set_string(ev, "request.origin.s3.domainName", "b.s3.amazonaws.com");
        edge_set_string(ev, "request.origin.s3.path", "");
        edge_set_string(ev, "request.origin.s3.region", "eu-west-1");
        edge_header_set(rq, "x-removed", edge_fmt("%d", removed));
        edge_header_set(rq, "x-origin-domain", edge_origin_domain(ev));
    } else if (is(op, "header-copy")) {
        h = edge_response_headers(ev);
        edge_header_copy(h, "Last-Modified", "X-AMZ-META-LAST-MODIFIED");
        edge_header_add(h, "Last-Modified", "added"); /* only to the copy */
        edge_header_copy(h, "x-server-copy", "server");
        edge_header_set_keyed(h, "x-keyed", "X-Keyed-Key", "v");
        edge_header_set_keyed(h, "Server", "SERVER", "edge"); /* replaces in place */
        edge_set_number(ev, "response.status", 203);
    } else if (is(op, "body-text")) {
        size_t n;
        const unsigned char *b = edge_body(ev, &n); /* read (and cached) before the change */
        edge_set_request_body_text(ev, "a=1&b=\xc3\xa9 \"q\"");
        edge_header_set(rq, "x-body-before", edge_fmt("%zu", n));
        b = edge_body(ev, &n);
        edge_header_set(rq, "x-body-after", (const char *)b);
    } else if (is(op, "body-bytes-then-read")) {
        size_t n;
        edge_body(ev, &n);
        edge_set_request_body(ev, "new", 3);
        edge_header_set(rq, "x-body-after", (const char *)edge_body(ev, &n));
    } else if (is(op, "fail-ev")) {
        return edge_fail(ev, "no origin for %s", edge_uri(ev));
    } else if (is(op, "fail-ev-plain")) {
        return edge_fail(ev, "plain message");
    } else if (is(op, "fail-after-error")) {
        edge_error("a line of my own");
        edge_set_uri(ev, "bad");
        return edge_fail(ev, "giving up on %s", edge_uri(ev));
    } else if (is(op, "error-log-then-setter-error")) {
        edge_error("a line of my own");
        edge_set_uri(ev, "bad");
    } else if (is(op, "set-config")) {
        edge_set_string(ev, "config.eventType", "x");
    } else if (is(op, "object-config")) {
        edge_set_object(ev, "config");
    } else if (is(op, "delete-request")) {
        edge_delete(ev, "request");
    } else if (is(op, "object-request")) {
        edge_set_object(ev, "request");
    } else if (is(op, "delete-uri")) {
        edge_delete(ev, "request.uri");
    } else if (is(op, "array-headers")) {
        edge_set_array(ev, "request.headers");
    } else if (is(op, "number-uri")) {
        edge_set_number(ev, "request.uri", 1);
    } else if (is(op, "delete-response-headers")) {
        edge_delete(ev, "response.headers");
    } else if (is(op, "bool-status")) {
        edge_set_bool(ev, "response.status", 1);
    } else if (is(op, "append-not-array")) {
        edge_append_string(ev, "request.uri", "x");
    } else if (is(op, "append-missing")) {
        edge_append_string(ev, "request.nope", "x");
    } else if (is(op, "append-bad-utf8")) {
        edge_set_array(ev, "request.list");
        edge_append_string(ev, "request.list", "\xff");
    } else if (is(op, "object-no-parent")) {
        edge_set_object(ev, "request.nope.x");
    } else if (is(op, "empty-path")) {
        edge_delete(ev, "");
    } else if (is(op, "copy-missing")) {
        edge_header_copy(edge_response_headers(ev), "last-modified", "x-nope");
    } else if (is(op, "copy-request-in-response-hook")) {
        edge_header_copy(rq, "x-host", "host");
    } else if (is(op, "copy-bad-name")) {
        edge_header_copy(rq, "bad name", "host");
    } else if (is(op, "keyed-bad-key")) {
        edge_header_set_keyed(rq, "x-keyed", "Bad Key", "v");
    } else if (is(op, "keyed-crlf")) {
        edge_header_set_keyed(rq, "x-keyed", "X-Keyed", "a\r\nb");
    } else if (is(op, "body-text-missing")) {
        edge_set_request_body_text(ev, "x");
    } else if (is(op, "body-text-in-response-hook")) {
        edge_set_request_body_text(ev, "x");
    } else if (is(op, "body-text-bad-utf8")) {
        edge_set_request_body_text(ev, "\xc3(");
    }
    return EDGE_OK;
}
"""


# ---- builds and helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runtime():
    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def wasm(tmp_path_factory) -> dict[str, bytes]:
    """The test function built as a reactor and as a command (EDGE_COMMAND), in parallel."""
    root = tmp_path_factory.mktemp("sdk")

    def one(kind: str) -> tuple[str, bytes]:
        src = root / kind
        src.mkdir()
        (src / "main.c").write_text(TEST_FUNCTION)
        if kind == "command":
            (src / "edge-build.toml").write_text('exec_model = "command"\n')
        return kind, toolchain.build(src).read_bytes()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, ("reactor", "command")))


@pytest.fixture(scope="session")
def fn(runtime, wasm):
    cache: dict = {}

    def get(kind: str = "reactor", isolation: str = "per-request", env: tuple = ()):
        key = (kind, isolation, env)
        if key not in cache:
            cache[key] = runtime.function(wasm[kind], FunctionConfig(name=f"sdk-{kind}", isolation=isolation, env=env))
        return cache[key]

    return get


def event(event_type: str = "viewer-request", *, op: str | None = None, headers: dict | None = None, **request_fields):
    base = VIEWER_REQUEST if event_type in ("viewer-request", "viewer-response") else ORIGIN_REQUEST
    request = copy.deepcopy(base)
    if op is not None:
        request["headers"].update(header("X-Op", op))
    request["headers"].update(copy.deepcopy(headers or {}))
    request.update(copy.deepcopy(request_fields))
    response = copy.deepcopy(ORIGIN_RESPONSE) if event_type.endswith("response") else None
    return make_event(event_type, request, response)


def request_of(ev: dict) -> dict:
    return ev["Records"][0]["cf"]["request"]


def response_of(ev: dict) -> dict:
    return ev["Records"][0]["cf"]["response"]


def invoke(f, ev) -> "object":
    return f.invoke(ev if isinstance(ev, bytes) else orjson.dumps(ev))


def ok(f, ev):
    out = invoke(f, ev)
    assert out.ok, (out.error, out.message, out.logs)
    return out


def lines(body: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in body.splitlines())


def assert_handler_error(out, *fragments: str, code: int | None = None) -> None:
    """A handler error whose last log line (the message the host reports) has the fragments."""
    assert out.error is ErrorKind.HANDLER_ERROR, (out.error, out.message, out.logs)
    assert out.logs, "an ERROR log line must describe the failure"
    last = out.logs[-1]
    assert last.level == "ERROR"
    for fragment in fragments:
        assert fragment in last.message, (fragment, last.message)
    if code is not None:
        assert out.message == f"{last.message} (error code {code})"


# ---- module shape -------------------------------------------------------------------------------------


def test_module_shapes(runtime, wasm):
    reactor = runtime.load(wasm["reactor"])
    assert reactor.style == STYLE_REACTOR
    assert "edge::log" in reactor.imports
    assert reactor.initial_memory <= 128 * 1024  # a 48 KiB stack, not zig's 16 MiB default; data after it
    command = runtime.load(wasm["command"])
    assert command.style == STYLE_COMMAND
    assert "edge::log" not in command.imports  # logs go to stderr in command mode


BIG_STACK_FRAME = r"""
#include <stdio.h>
#include <string.h>
__attribute__((noinline)) static size_t fill(char *p, size_t n) { memset(p, 'x', n); p[n - 1] = 0; return strlen(p); }
int main(void) {
    char big[100000];  /* more than the default 48 KiB stack */
    printf("{\"status\":\"200\",\"body\":\"%zu\"}", fill(big, sizeof big));
    return 0;
}
"""


def test_a_stack_overflow_traps_and_says_how_to_raise_the_stack(tmp_path, runtime):
    """The stack comes first in linear memory (edge/toolchain.py): outgrowing it traps, it
    never runs into the function's data; edge-build.toml's cflags raise it."""
    (tmp_path / "main.c").write_text(BIG_STACK_FRAME)
    small = runtime.function(toolchain.build(tmp_path).read_bytes(), FunctionConfig())
    out = small.invoke(orjson.dumps(event()))
    assert out.error is ErrorKind.TRAP and out.trap_code == "memory_out_of_bounds", (out.error, out.message)
    assert "overflows its stack" in out.message and "-Wl,-z,stack-size=" in out.message, out.message
    (tmp_path / "edge-build.toml").write_text('cflags = ["-Wl,-z,stack-size=262144"]\n')
    raised = runtime.function(toolchain.build(tmp_path).read_bytes(), FunctionConfig())
    assert ok(raised, event()).value["body"] == "99999"


# ---- accessors ------------------------------------------------------------------------------------------


def test_accessors_viewer_request(fn):
    ev = event(
        "viewer-request",
        op="accessors",
        headers=header("Cookie", "First=1; Second=2", "ClientCode=abc"),
        querystring="size=large&x=%20",
        uri="/picture.jpg",
        method="POST",
        body=dict(BODY),
    )
    got = lines(ok(fn(env=(("SDK_TEST_VAR", "hello env"),)), ev).value["body"])
    assert got == {
        "event_type": "1",
        "event_type_name": "viewer-request",
        "is_request_hook": "1",
        "request_id": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        "uri": "/picture.jpg",
        "method": "POST",
        "querystring": "size=large&x=%20",
        "client_ip": "203.0.113.178",
        "ua": "curl/7.66.0",
        "ua_key": "User-Agent",
        "missing": "(null)",
        "cookie_count": "2",
        "cookie0": "First=1; Second=2",
        "cookie1": "ClientCode=abc",
        "cookie2": "(null)",
        "names": "host,user-agent,accept,x-op,cookie",
        "has_body": "1",
        "body": '{"username":"Lambda@Edge","comment":"This is request body"}',
        "body_len": "59",
        "truncated": "0",
        "origin_domain": "(null)",
        "origin_header": "(null)",
        "distribution_id": "EDFDVBD6EXAMPLE",
        "port": "(null)",
        "ssl1": "(null)",
        "get_missing": "(null)",
        "get_object": "(null)",
        "env": "hello env",
        "status": "(null)",
        "status_code": "0",
        "status_description": "(null)",
        "resp_ctype": "(null)",
    }


def test_accessors_origin_request_with_origin_and_text_body(fn):
    origin = copy.deepcopy(ORIGIN_REQUEST["origin"])
    origin["custom"]["customHeaders"] = header("My-Origin-Custom-Header", "Test")
    body = {"action": "read-only", "data": "plain text body", "encoding": "text", "inputTruncated": True}
    got = lines(ok(fn(), event("origin-request", op="accessors", origin=origin, body=body)).value["body"])
    assert got["event_type"] == "2" and got["event_type_name"] == "origin-request"
    assert got["ua"] == "Amazon CloudFront" and got["env"] == "(null)"
    assert got["origin_domain"] == "example.org"
    assert got["origin_header"] == "Test"
    assert got["port"] == "443" and got["ssl1"] == "TLSv1.1"
    assert got["body"] == "plain text body" and got["truncated"] == "1"
    assert got["names"] == "x-forwarded-for,user-agent,via,host,cache-control,x-op"


def test_accessors_s3_origin(fn):
    origin = {"s3": {"authMethod": "none", "customHeaders": {}, "domainName": "b.s3.amazonaws.com", "path": "",
                     "region": "us-east-1"}}
    got = lines(ok(fn(), event("origin-request", op="accessors", origin=origin)).value["body"])
    assert got["origin_domain"] == "b.s3.amazonaws.com"
    assert got["port"] == "(null)"


@pytest.mark.parametrize("event_type, code", [("origin-response", "3"), ("viewer-response", "4")])
def test_accessors_response_hooks(fn, event_type, code):
    ev = event(event_type, op="accessors")
    out = ok(fn(), ev)
    got = lines(out.value["body"])
    assert got["event_type"] == code and got["event_type_name"] == event_type
    assert got["is_request_hook"] == "0"
    assert got["status"] == "200" and got["status_code"] == "200" and got["status_description"] == "OK"
    assert got["resp_ctype"] == "text/html; charset=utf-8"
    expected = copy.deepcopy(response_of(ev))
    expected["body"] = out.value["body"]
    assert out.value == expected  # the response object, with only the body added


def test_numeric_status_in_response_event(fn):
    ev = event("origin-response", op="accessors")
    response_of(ev)["status"] = 404
    got = lines(ok(fn(), ev).value["body"])
    assert got["status"] == "404" and got["status_code"] == "404"


# ---- returning the request / response ----------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_untouched_request_round_trips(fn, event_type):
    ev = event(event_type, body=dict(BODY))
    del request_of(ev)["headers"]["host"]
    out = ok(fn(), ev)
    assert out.value == request_of(ev)
    assert out.logs == []


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
def test_untouched_response_round_trips(fn, event_type):
    ev = event(event_type)
    assert ok(fn(), ev).value == response_of(ev)


def test_modify_request(fn):
    ev = event("origin-request", op="modify", headers=header("Cookie", "a=1", "b=2"))
    out = ok(fn(), ev)
    expected = copy.deepcopy(request_of(ev))
    expected["uri"] = "/new/path"
    expected["querystring"] = "a=1&b=%C3%A9"
    expected["headers"]["x-new"] = [{"key": "X-New", "value": "v1"}]
    expected["headers"]["accept"] = [{"key": "Accept", "value": "text/html"}]
    expected["headers"]["cookie"].append({"key": "Cookie", "value": "c=3"})
    expected["headers"]["x-multi"] = [{"key": "x-multi", "value": "1"}, {"key": "X-Multi", "value": "2"}]
    del expected["headers"]["user-agent"]
    expected["headers"]["x-removed"] = [{"key": "x-removed", "value": "1,0"}]
    custom = expected["origin"]["custom"]
    custom.update(domainName="new.example.com", path="/v2", port=8443)
    custom["customHeaders"] = {"x-origin-secret": [{"key": "X-Origin-Secret", "value": "s"}]}
    assert out.value == expected
    assert list(out.value["headers"])[:2] == ["x-forwarded-for", "via"]  # order kept, user-agent gone


def test_set_request_body(fn):
    ev = event("viewer-request", op="set-request-body", method="POST", body=dict(BODY))
    out = ok(fn(), ev)
    assert out.value["body"] == {
        "action": "replace",
        "data": base64.b64encode(b"replaced body").decode(),
        "encoding": "base64",
        "inputTruncated": False,
    }


def test_set_request_body_text(fn):
    ev = event("origin-request", op="body-text", method="POST", body=dict(BODY))
    out = ok(fn(), ev)
    assert out.value["body"] == {"action": "replace", "data": 'a=1&b=é "q"', "encoding": "text",
                                 "inputTruncated": False}
    assert list(out.value["body"]) == list(BODY)  # replaced in place
    assert out.value["headers"]["x-body-before"][0]["value"] == "59"
    assert out.value["headers"]["x-body-after"][0]["value"] == 'a=1&b=é "q"'  # edge_body reads the new body


def test_edge_body_reads_a_replaced_body(fn):
    out = ok(fn(), event("viewer-request", op="body-bytes-then-read", method="POST", body=dict(BODY)))
    assert out.value["headers"]["x-body-after"][0]["value"] == "new"


# ---- objects, arrays and fields by path ------------------------------------------------------------------------


def test_objects_arrays_booleans_and_deletes(fn):
    ev = event("viewer-request", op="paths")
    out = ok(fn(), ev)
    assert out.value["extra"] == {
        "yes": True,
        "no": ["now a list"],
        "list": ["a", 'c "q" é'],
        "nested": {"empty": []},
        "deleted": "10010",
        "read_back": 'true|c "q" é',
    }
    assert list(out.value["extra"]) == ["yes", "no", "list", "nested", "deleted", "read_back"]
    assert b'"yes":true,"no":["now a list"]' in out.result
    expected = copy.deepcopy(request_of(ev))
    expected["extra"] = out.value["extra"]
    assert out.value == expected  # nothing else changed


def test_custom_origin_to_s3(fn):
    ev = event("origin-request", op="origin-to-s3")
    out = ok(fn(), ev)
    assert out.value["origin"] == {"s3": {
        "authMethod": "none",
        "customHeaders": {"x-bucket-token": [{"key": "X-Bucket-Token", "value": "t"}]},
        "domainName": "b.s3.amazonaws.com",
        "path": "",
        "region": "eu-west-1",
    }}
    assert list(out.value["origin"]["s3"]) == ["authMethod", "customHeaders", "domainName", "path", "region"]
    assert out.value["headers"]["x-removed"][0]["value"] == "1"
    assert out.value["headers"]["x-origin-domain"][0]["value"] == "b.s3.amazonaws.com"
    assert list(out.value) == list(request_of(ev))  # origin stays where it was


def test_header_copy_and_explicit_keys(fn):
    ev = event("origin-response", op="header-copy")
    response = response_of(ev)
    response["headers"].update(header("X-Amz-Meta-Last-Modified", "Thu, 01 Jan 2015 00:00:00 GMT"))
    response["headers"]["x-amz-meta-last-modified"].append({"value": "no key"})
    response["headers"]["last-modified"] = [{"key": "Last-Modified", "value": "old"}]
    out = ok(fn(), ev)
    headers = out.value["headers"]
    assert headers["last-modified"] == [
        {"key": "X-Amz-Meta-Last-Modified", "value": "Thu, 01 Jan 2015 00:00:00 GMT"},
        {"value": "no key"},  # copied as it was
        {"key": "Last-Modified", "value": "added"},
    ]
    assert headers["x-amz-meta-last-modified"] == response["headers"]["x-amz-meta-last-modified"]  # a copy: untouched
    assert list(headers).index("last-modified") == list(response["headers"]).index("last-modified")  # in place
    assert headers["x-server-copy"] == [{"key": "Server", "value": "ExampleCustomOriginServer"}]
    assert headers["x-keyed"] == [{"key": "X-Keyed-Key", "value": "v"}]
    assert headers["server"] == [{"key": "SERVER", "value": "edge"}]
    assert list(headers).index("server") == list(response["headers"]).index("server")
    assert out.value["status"] == 203


def test_generated_response(fn):
    out = ok(fn(), event("viewer-request", op="respond"))
    assert out.value == {
        "status": "404",
        "statusDescription": "Not Found",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/plain; charset=utf-8"}],
            "set-cookie": [{"key": "Set-Cookie", "value": "a=1"}, {"key": "Set-Cookie", "value": "b=2"}],
        },
        "body": "not here",
    }
    assert list(out.value) == ["status", "statusDescription", "headers", "body"]


def test_generated_binary_body(fn):
    out = ok(fn(), event("origin-request", op="respond-bytes"))
    assert out.value == {"status": "200", "statusDescription": "Fine", "headers": {}, "body": "AAH/",
                         "bodyEncoding": "base64"}
    out = ok(fn(), event("origin-request", op="respond-bytes-then-text"))
    assert out.value == {"status": "200", "statusDescription": "Fine", "headers": {}, "body": "text"}


def test_respond_twice_keeps_the_last(fn):
    out = ok(fn(), event("viewer-request", op="respond-twice"))
    assert out.value == {"status": "301", "statusDescription": "Moved Permanently",
                         "headers": {"location": [{"key": "Location", "value": "/moved"}]}}


def test_modify_response(fn):
    ev = event("origin-response", op="response-modify")
    out = ok(fn(), ev)
    expected = copy.deepcopy(response_of(ev))
    expected.update(status="503", statusDescription="Service Unavailable", body="replaced")
    del expected["headers"]["server"]
    expected["headers"]["x-added"] = [{"key": "X-Added", "value": "1"}]
    expected["headers"]["set-cookie"] = [{"key": "Set-Cookie", "value": "z=1"}]
    assert out.value == expected


def test_binary_request_body_round_trip(fn):
    data = bytes(range(256)) * 3
    body = dict(BODY, data=base64.b64encode(data).decode())
    out = ok(fn(), event("viewer-request", op="body-echo", method="POST", body=body))
    assert base64.b64decode(out.value["body"]) == data
    assert out.value["bodyEncoding"] == "base64"


def test_large_result(fn):
    out = ok(fn(), event("origin-request", op="big-body"))
    assert out.value["body"] == "a" * (1536 * 1024)


# ---- escaping --------------------------------------------------------------------------------------------------

TRICKY = [
    'quote " backslash \\ slash / ',
    "controls \u0001\u001f\u007f tab\t nl\n cr\r bs\b ff\f",
    "nul \u0000 inside",
    "latin é ß, cjk 漢字, emoji 😀 🏳️‍🌈, rtl עברית",
    "separators \u2028 \u2029, bmp edge \ufffd \uffff, max \U0010ffff",
    "</script><!-- &amp; '",
]


@pytest.mark.parametrize("ascii_escaped", [False, True], ids=["raw-utf8", "u-escaped"])
def test_escaping_round_trip_of_untouched_fields(fn, ascii_escaped):
    ev = event("viewer-request", querystring="q=" + TRICKY[3])
    headers = request_of(ev)["headers"]
    for i, value in enumerate(TRICKY):
        headers[f"x-tricky-{i}"] = [{"key": f"X-Tricky-{i}", "value": value}]
    headers["x-ünïcödé-name"] = [{"key": "X-Ünïcödé-Name", "value": "ok"}]
    raw = json.dumps(ev, ensure_ascii=True).encode() if ascii_escaped else orjson.dumps(ev)
    out = ok(fn(), raw)
    assert out.value == request_of(ev)
    assert "😀".encode() in out.result  # non-ASCII is written as UTF-8, not re-escaped
    assert b"\\u0000" in out.result and b"\\u001f" in out.result and b'\\"' in out.result


@pytest.mark.parametrize("value", [v for v in TRICKY if "\u0000" not in v])
def test_escaping_of_strings_set_by_the_function(fn, value):
    header_safe = "é 😀 \"q\" \\ \t '<>' \u2028"
    ev = event("viewer-request", op="copy", headers={
        "x-data": [{"key": "X-Data", "value": value}],
        "x-header-data": [{"key": "X-Header-Data", "value": header_safe}],
    })
    out = ok(fn(), ev)
    assert out.value["body"] == value
    assert out.value["headers"]["x-copy"] == [{"key": "X-Copy", "value": header_safe}]


def test_logs_and_formatting(fn):
    out = ok(fn(), event("viewer-request", op="logs"))
    assert [(line.level, line.message) for line in out.logs] == [
        ("DEBUG", "debug -5"),
        ("INFO", "info 7 ff -9000000000 12 Z % abc (null)|-2147483648"),
        ("WARN", "warn"),
        ("ERROR", "error é😀"),
        ("INFO", "plain %d not formatted"),
        ("WARN", "logf x"),
        ("INFO", "x" * 2000),
    ]


def test_form_parsing(fn):
    ev = event("viewer-request", op="form", querystring="a=1&b=x+y%21&&c&d=%E2%82%AC&e=%zz&=v")
    assert lines(ok(fn(), ev).value["body"]) == {"a": "1", "b": "x y!", "c": "", "d": "€", "e": "%zz", "": "v"}


def test_helpers(fn):
    got = lines(ok(fn(), event("viewer-request", op="helpers")).value["body"])
    assert got == {
        "b64": "dXNlcjpwYXNz",
        "b64_1": "YQ==",
        "b64_2": "YWI=",
        "b64_0": "",
        "unb64_nopad": "hello/5",
        "unb64": "hello/5",
        "unb64_bad": "(null)",
        "unb64_bad2": "(null)",
        "url": "A%zz %2",
        "url_len": "7",
        "url_noplus": "a+b c",
        "utf8_ok": "1",
        "utf8_overlong": "0",
        "utf8_surrogate": "0",
        "utf8_truncated": "0",
        "fmt": "[x|3|%5]",
    }


def test_random(fn):
    got = lines(ok(fn(), event("viewer-request", op="random")).value["body"])
    assert got["in_range"] == "1"
    assert got["a"] != got["b"]


@pytest.mark.parametrize(
    "path, expected",
    [("config.eventType", "origin-request"), ("request.origin.custom.readTimeout", "30"),
     ("request.origin.custom.sslProtocols.2", "TLSv1.2"), ("request.headers.via.0.value",
     "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"), ("request.nope", "(null)"),
     ("request.origin.custom.sslProtocols.9", "(null)")],
)
def test_get_paths(fn, path, expected):
    ev = event("origin-request", op="get", headers=header("X-Path", path))
    assert ok(fn(), ev).value["body"] == expected


# ---- errors from the function -----------------------------------------------------------------------------------


def test_edge_fail(fn):
    out = invoke(fn(), event("viewer-request", op="fail", uri="/here"))
    assert_handler_error(out, "custom failure 42 at /here", code=-1)


@pytest.mark.parametrize("op, message", [("fail-ev", "no origin for /here"), ("fail-ev-plain", "plain message")])
def test_edge_fail_with_the_event(fn, op, message):
    out = invoke(fn(), event("viewer-request", op=op, uri="/here"))
    assert_handler_error(out, code=-1)
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", message)]


def test_edge_fail_message_is_the_last_error_line(fn):
    """An earlier setter error is logged before the failure's own message, which comes last."""
    out = invoke(fn(), event("viewer-request", op="fail-after-error"))
    assert_handler_error(out, code=-1)
    assert [(line.level, line.message) for line in out.logs] == [
        ("ERROR", "a line of my own"),
        ("ERROR", 'edge_set_uri: the uri must start with \'/\' (got "bad")'),
        ("ERROR", "giving up on /"),
    ]
    out = invoke(fn(), event("viewer-request", op="error-log-then-setter-error"))
    assert [line.message for line in out.logs] == ["a line of my own",
                                                   'edge_set_uri: the uri must start with \'/\' (got "bad")']


def test_negative_return_without_message(fn):
    out = invoke(fn(), event("viewer-request", op="negative"))
    assert_handler_error(out, "edge_main failed with code -42", code=-42)


@pytest.mark.parametrize(
    "event_type, op, fragment",
    [
        ("viewer-request", "bad-uri", "edge_set_uri: the uri must start with '/'"),
        ("viewer-request", "ctl-uri", "edge_set_uri: uri contains control character 0x9"),
        ("viewer-request", "bad-querystring", "may not contain ' '"),
        ("viewer-request", "bad-utf8-header", "edge_header_set: the header value is not valid UTF-8"),
        ("viewer-request", "bad-header-name", 'invalid character 0x20 in header name "Bad Name"'),
        ("viewer-request", "crlf-header", "control character 0xd"),
        ("viewer-request", "bad-status", "status 99 is outside 200..599"),
        ("viewer-request", "bad-utf8-body", "edge_set_body: the body is not valid UTF-8"),
        ("origin-response", "respond-in-response-hook", "edge_respond: responses are generated in viewer-request"),
        ("viewer-request", "set-body-without-response", "edge_set_body: no response to change"),
        ("viewer-request", "response-headers-without-response", "edge_header_set: no headers object here"),
        ("viewer-response", "set-uri-in-response-hook", "edge_set_uri: the request can only be changed"),
        ("origin-response", "request-header-in-response-hook", "request headers can only be changed"),
        ("viewer-request", "request-body-missing", "the event has no body"),
        ("viewer-request", "bad-path", '"request.nope.x" does not name a field'),
        ("viewer-request", "origin-missing", "the event has no origin"),
        ("viewer-request", "error-then-ok", "the uri must start with '/' (got \"bad\")"),
        ("viewer-request", "oom", "out of memory"),
        ("viewer-request", "set-config", 'edge_set_string: "config.eventType" is read-only'),
        ("viewer-request", "object-config", 'edge_set_object: "config" is read-only'),
        ("viewer-request", "delete-request", 'edge_delete: "request" itself cannot be replaced or deleted'),
        ("viewer-request", "object-request", 'edge_set_object: "request" itself cannot be replaced'),
        ("viewer-request", "delete-uri", 'edge_delete: "request.uri" cannot be deleted (every event has it)'),
        ("viewer-request", "array-headers", 'edge_set_array: "request.headers" must stay an object'),
        ("viewer-request", "number-uri", 'edge_set_number: "request.uri" must stay a string'),
        ("origin-response", "delete-response-headers", '"response.headers" cannot be deleted'),
        ("origin-response", "bool-status", 'edge_set_bool: "response.status" must stay a string'),
        ("viewer-request", "append-not-array", 'edge_append_string: "request.uri" is not an array'),
        ("viewer-request", "append-missing", '"request.nope" is not an array (create it with edge_set_array)'),
        ("viewer-request", "append-bad-utf8", "edge_append_string: value is not valid UTF-8"),
        ("viewer-request", "object-no-parent", 'edge_set_object: "request.nope.x" does not name a field'),
        ("viewer-request", "empty-path", "edge_delete: the path is empty"),
        ("origin-response", "copy-missing", 'edge_header_copy: there is no "x-nope" header to copy'),
        ("origin-response", "copy-request-in-response-hook", "edge_header_copy: request headers can only be changed"),
        ("viewer-request", "copy-bad-name", 'invalid character 0x20 in header name "bad name"'),
        ("viewer-request", "keyed-bad-key", 'edge_header_set_keyed: invalid character 0x20 in header key "Bad Key"'),
        ("viewer-request", "keyed-crlf", "edge_header_set_keyed: the header value contains control character 0xd"),
        ("viewer-request", "body-text-missing", "edge_set_request_body_text: the event has no body"),
        ("origin-response", "body-text-in-response-hook", "edge_set_request_body_text: the request can only be"),
        ("viewer-request", "body-text-bad-utf8", "edge_set_request_body_text: the text is not valid UTF-8"),
    ],
)
def test_sdk_misuse_is_a_clean_error(fn, event_type, op, fragment):
    out = invoke(fn(), event(event_type, op=op))
    assert_handler_error(out, fragment)
    assert out.trap_code is None


# ---- malformed events ----------------------------------------------------------------------------------------------


def _without(path: str) -> bytes:
    ev = event("origin-response")
    *parents, last = path.split(".")
    node = ev
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    del node[last]
    return orjson.dumps(ev)


def _with(path: str, value) -> bytes:
    ev = event("origin-response")
    *parents, last = path.split(".")
    node = ev
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last] = value
    return orjson.dumps(ev)


@pytest.mark.parametrize(
    "raw, kind, fragment",
    [
        (b"", "json", "the event is empty"),
        (b"  \n ", "json", "the event is empty"),
        (b'{"Records": [', "json", "unexpected end of input"),
        (b'{"Records": []} x', "json", "unexpected data after the JSON value at byte 16"),
        (b'{"a" 1}', "json", "expected ':' at byte 5"),
        (b'{"a": tru}', "json", "unexpected character at byte 6"),
        (b'{"a": 01}', "json", "expected ',' or '}'"),
        (b'{"a": -}', "json", "invalid number"),
        (b'{"a": "\\x"}', "json", "invalid escape"),
        (b'{"a": "\\u12G4"}', "json", "invalid \\u escape"),
        (b'{"a": "tab\tinside"}', "json", "unescaped control character"),
        (b'{"a": "open', "json", "unterminated string"),
        (b"[" * 100_000, "json", "nested deeper than 64 levels"),
        (b'{"a": "\xff"}', "utf8", "bad byte 0xff at byte 7"),
        (b'{"a": "\xc0\xaf"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\xe2\x82"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\xf4\x90\x80\x80"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\\ud800"}', "utf8", "lone surrogate"),
        (b'{"a": "\\udc00\\ud800"}', "utf8", "lone surrogate"),
        (b'{"\xff": 1}', "utf8", "not valid UTF-8"),
        (b'\xef\xbb\xbf{"Records": []}', "json", "unexpected character at byte 0"),  # a BOM is not JSON
        (b"[]", "event", "the event must be a JSON object"),
        (b"{}", "event", "event.Records is missing"),
        (b'{"Records": {}}', "event", "event.Records must be an array"),
        (b'{"Records": []}', "event", "event.Records is empty"),
        (b'{"Records": [1]}', "event", "Records[0] must be an object"),
        (b'{"Records": [{}]}', "event", "Records[0].cf is missing"),
        (_without("Records.0.cf.config"), "event", "Records[0].cf.config is missing"),
        (_without("Records.0.cf.config.eventType"), "event", "Records[0].cf.config.eventType is missing"),
        (_with("Records.0.cf.config.eventType", "edge-request"), "event", '"edge-request" is not one of'),
        (_without("Records.0.cf.request"), "event", "Records[0].cf.request is missing"),
        (_without("Records.0.cf.request.uri"), "event", "Records[0].cf.request.uri is missing"),
        (_with("Records.0.cf.request.uri", 5), "event", "Records[0].cf.request.uri must be a string"),
        (_without("Records.0.cf.request.method"), "event", "request.method is missing"),
        (_without("Records.0.cf.request.querystring"), "event", "request.querystring is missing"),
        (_without("Records.0.cf.request.clientIp"), "event", "request.clientIp is missing"),
        (_without("Records.0.cf.request.headers"), "event", "request.headers is missing"),
        (_with("Records.0.cf.request.headers", []), "event", "request.headers must be an object"),
        (_with("Records.0.cf.request.headers", {"host": {"key": "Host", "value": "x"}}), "event",
         'request.headers["host"] must be an array'),
        (_with("Records.0.cf.request.headers", {"host": [{"key": "Host"}]}), "event",
         'request.headers["host"][0] must be an object with a string value'),
        (_with("Records.0.cf.request.headers", {"host": [{"key": 1, "value": "x"}]}), "event",
         'request.headers["host"][0].key must be a string'),
        (_with("Records.0.cf.request.body", "abc"), "event", "request.body must be an object"),
        (_with("Records.0.cf.request.body", {"encoding": "base64"}), "event", "request.body.data is missing"),
        (_with("Records.0.cf.request.origin", {"custom": {"customHeaders": {"a": "b"}}}), "event",
         'origin.custom.customHeaders["a"] must be an array'),
        (_without("Records.0.cf.response"), "event", "Records[0].cf.response is missing"),
        (_without("Records.0.cf.response.status"), "event", "response.status is missing"),
        (_with("Records.0.cf.response.status", None), "event", "response.status must be a string"),
        (_without("Records.0.cf.response.headers"), "event", "response.headers is missing"),
    ],
)
def test_malformed_events_are_clean_errors(fn, raw, kind, fragment):
    codes = {"json": -2, "utf8": -3, "event": -4}
    for isolation in ("per-request", "reuse"):
        out = invoke(fn(isolation=isolation), raw)
        assert_handler_error(out, fragment, code=codes[kind])
        assert out.trap_code is None
    if kind == "json":
        assert out.logs[-1].message.startswith("event is not valid JSON: ")


def test_huge_header_value_is_rejected(fn):
    ev = event("viewer-request", headers=header("X-Big", "v" * 100 * 1024))
    out = invoke(fn(), ev)
    assert_handler_error(out, 'request.headers["x-big"][0].value is 102400 bytes, above the SDK\'s 20480-byte limit',
                         code=-5)
    ev = event("origin-response")
    response_of(ev)["headers"].update(header("Set-Cookie", "ok", "c" * 100 * 1024))
    assert_handler_error(invoke(fn(), ev), 'response.headers["set-cookie"][1].value is 102400 bytes', code=-5)


def test_too_many_header_lines(fn):
    ev = event("viewer-request", headers={f"x-h{i}": [{"key": f"X-H{i}", "value": "v"}] for i in range(1100)})
    assert_handler_error(invoke(fn(), ev), "more than 1024 header lines", code=-5)


def test_event_above_the_sdk_limit(fn):
    ev = event("origin-request", method="POST", body=dict(BODY, data="A" * (5 * 1024 * 1024)))
    out = invoke(fn(), ev)
    assert out.error is ErrorKind.HANDLER_ERROR
    assert "unusable pointer" in out.message
    assert out.logs[-1].level == "ERROR" and "EDGE_MAX_EVENT_BYTES" in out.logs[-1].message


def test_invalid_base64_body(fn):
    ev = event("viewer-request", op="accessors", method="POST", body=dict(BODY, data="not base64!"))
    assert_handler_error(invoke(fn(), ev), "request.body.data is not valid base64", code=-4)


def test_failures_do_not_poison_a_reused_instance(fn):
    f = fn(isolation="reuse")
    good = event("viewer-request", op="accessors", uri="/one")
    assert lines(ok(f, good).value["body"])["uri"] == "/one"
    assert invoke(f, b'{"Records": [').error is ErrorKind.HANDLER_ERROR
    out = ok(f, event("viewer-request", op="accessors", uri="/two"))
    assert lines(out.value["body"])["uri"] == "/two"


# ---- reading the event only when needed ----------------------------------------------------------------------------


def lazy(fn, op: str, isolation: str = "per-request"):
    """The test function as one that reads little or none of the event (lazy_main)."""
    return fn(isolation=isolation, env=(("SDK_TEST_LAZY", op),))


def _broken_after_config() -> bytes:
    """A viewer-request event whose request (after config) is not JSON."""
    raw = orjson.dumps(event("viewer-request"))
    assert raw.index(b'"config"') < raw.index(b'"request"')
    return raw.replace(b'"uri":"/"', b'"uri":/')


def test_a_generated_response_does_not_read_the_event(fn):
    f = lazy(fn, "respond")
    small = ok(f, event("viewer-request"))
    assert small.value == {"status": "200", "statusDescription": "OK", "body": "viewer-request",
                           "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]}}
    big = ok(f, event("origin-request", method="POST", body=dict(BODY, data="QUJD" * 250_000)))  # a 1 MB body
    assert big.value["body"] == "origin-request"
    assert small.fuel_used < 25_000  # parsing this small event alone took ~40,000 when the SDK parsed up front
    assert big.fuel_used < small.fuel_used + 1_000  # the 1 MB event is not parsed either
    for isolation in ("per-request", "reuse"):  # what is never read is not checked (the host builds events)
        assert ok(lazy(fn, "respond", isolation), _broken_after_config()).value["body"] == "viewer-request"


@pytest.mark.parametrize("raw, code, fragment", [
    (b"", -2, "event is not valid JSON: the event is empty"),
    (b'{"Records": [', -2, "event is not valid JSON: unexpected end of input"),
    (b"{}", -4, "invalid event: event.Records is missing"),
    (_with("Records.0.cf.config.eventType", "edge-request"), -4, '"edge-request" is not one of'),
])
def test_a_generated_response_still_needs_a_hook(fn, raw, code, fragment):
    """edge_respond checks the hook: when it cannot be found, the whole event is read and its error reported."""
    for isolation in ("per-request", "reuse"):
        out = invoke(lazy(fn, "respond", isolation), raw)
        assert_handler_error(out, fragment, code=code)
        assert len(out.logs) == 1


_MALFORMED = [
    (_broken_after_config(), -2, "event is not valid JSON: unexpected character at byte "),
    (orjson.dumps(event("viewer-request")).replace(b'"uri":"/"', b'"uri":"/\xff"'), -3,
     "event is not valid UTF-8: bad byte 0xff"),
    (orjson.dumps(event("viewer-request")).replace(b',"uri":"/"', b""), -4,
     "invalid event: Records[0].cf.request.uri is missing"),
    (orjson.dumps(event("viewer-request", headers=header("X-Big", "v" * 30_000))), -5, "EDGE_MAX_HEADER_BYTES"),
]


@pytest.mark.parametrize("raw, code, fragment", _MALFORMED)
def test_a_malformed_event_fails_when_read(fn, raw, code, fragment):
    """Read after edge_respond, the event fails the invocation with the error and code it always had."""
    out = invoke(lazy(fn, "respond-then-read"), raw)
    assert_handler_error(out, fragment, code=code)
    assert len(out.logs) == 1 and out.trap_code is None


@pytest.mark.parametrize("raw, code, fragment", _MALFORMED[:1])
def test_a_malformed_event_stays_the_error(fn, raw, code, fragment):
    """The event's error is the invocation's: after edge_fail or an earlier setter error, it is the last line."""
    out = invoke(lazy(fn, "read-then-fail"), raw)
    assert_handler_error(out, fragment, code=code)
    assert [line.message for line in out.logs[:-1]] == ['no luck with ""']
    out = invoke(lazy(fn, "bad-status-then-read"), raw)
    assert_handler_error(out, fragment, code=code)
    assert [line.message for line in out.logs[:-1]] == [
        "edge_respond: status 99 is outside 200..599 (CloudFront rejects it)", 'uri ""']
    out = invoke(lazy(fn, "passthrough"), raw)  # returning the request reads it
    assert_handler_error(out, fragment, code=code)


def test_reading_the_response_in_a_response_hook(fn):
    ev = event("origin-response")
    out = ok(lazy(fn, "set-status"), ev)
    assert out.value == dict(response_of(ev), status="404", statusDescription="Not Found")
    assert_handler_error(invoke(lazy(fn, "set-status"), _without("Records.0.cf.response.headers")),
                         "Records[0].cf.response.headers is missing", code=-4)


@pytest.mark.parametrize("encoding", ["compact", "indented", "ascii"])
@pytest.mark.parametrize("op", [None, "passthrough"])
def test_an_untouched_request_comes_back_byte_for_byte(fn, encoding, op):
    """What the function did not change is written as the host wrote it (or, if the host's text was
    indented or escaped otherwise, exactly as the SDK always wrote it)."""
    ev = event("origin-request", body=dict(BODY), headers={
        "x-tricky": [{"key": "X-Tricky", "value": TRICKY[0] + TRICKY[1] + TRICKY[3]}],
        "x-accent": [{"key": "X-Accent", "value": "café"}]})  # escaped as \u00e9, its only escape
    raw = {"compact": orjson.dumps(ev), "indented": json.dumps(ev, indent=2, ensure_ascii=False).encode(),
           "ascii": json.dumps(ev, ensure_ascii=True).encode()}[encoding]
    out = ok(lazy(fn, op) if op else fn(), raw)
    assert out.result == orjson.dumps(request_of(ev))


def test_a_changed_request_keeps_the_text_of_untouched_fields(fn):
    ev = event("origin-request", op="modify")
    raw = orjson.dumps(ev).replace(b'"readTimeout":30', b'"readTimeout":30.50,"big":123456789012345678901234567890')
    out = ok(fn(), raw)
    assert b'"readTimeout":30.50,"big":123456789012345678901234567890' in out.result
    assert out.value["uri"] == "/new/path"
    assert orjson.dumps(out.value["headers"]["via"]) in out.result


# ---- AWS's examples (tests/functions/<name>/main.c) --------------------------------------------------------------


@pytest.fixture(scope="session")
def aws_function(runtime, tmp_path_factory) -> dict:
    """The C ports of AWS's examples, built (two at a time) into a temporary directory."""
    out = tmp_path_factory.mktemp("aws-examples-c")

    def one(name: str) -> tuple[str, bytes]:
        return name, toolchain.build(aws_examples.FUNCTIONS / name, out=out / f"{name}.wasm").read_bytes()

    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(pool.map(one, aws_examples.NAMES))
    return {name: runtime.function(wasm, FunctionConfig(name=name, isolation="reuse")) for name, wasm in built.items()}


@pytest.mark.parametrize("case", aws_examples.CASES, ids=lambda case: case.id)
def test_aws_example(aws_function, case):
    out = invoke(aws_function[case.function], case.event)
    if case.result is None:
        assert_handler_error(out, code=-1)
        assert out.logs[-1].message == case.error
        return
    assert out.ok, (out.error, out.message, out.logs)
    assert out.value == case.result
    assert orjson.dumps(out.value) == orjson.dumps(case.result)  # key order too
    assert [line.message for line in out.logs] == case.logs


def test_aws_example_traffic_shift(aws_function):
    ev = aws_examples.traffic_shift_event()
    blue, unchanged = aws_examples.traffic_shift_outcomes(ev)
    raw, to_blue = orjson.dumps(ev), 0
    for _ in range(300):
        value = ok(aws_function["s3-traffic-shift"], raw).value
        assert value in (blue, unchanged)
        to_blue += value == blue
    assert 210 <= to_blue <= 270  # 80 %: expected 240, sd ~6.9


def test_aws_examples_compile_without_warnings(tmp_path):
    import subprocess

    def compile_strictly(name: str) -> subprocess.CompletedProcess:
        cmd = toolchain.compile_command([aws_examples.FUNCTIONS / name / "main.c"], tmp_path / f"{name}.wasm",
                                        model="reactor", optimize="ReleaseSmall",
                                        cflags=["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Wshadow", "-Werror"])
        return subprocess.run(cmd, capture_output=True, text=True)

    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time, as the aws_function fixture builds them
        compiled = dict(zip(aws_examples.NAMES, pool.map(compile_strictly, aws_examples.NAMES)))
    for name, proc in compiled.items():
        assert proc.returncode == 0, (name, proc.stderr)


# ---- reuse: memory stays bounded ---------------------------------------------------------------------------------


def test_reuse_1000_invocations_without_memory_growth(runtime, wasm):
    f = runtime.function(wasm["reactor"], FunctionConfig(name="sdk-reuse", isolation="reuse", max_reuse=2000))
    body = dict(BODY, data=base64.b64encode(b"x" * 30_000).decode())
    events = [
        orjson.dumps(event("origin-request", op="modify", method="POST", body=body)),
        orjson.dumps(event("viewer-request", op="accessors", uri="/a")),
        orjson.dumps(event("origin-response", op="response-modify")),
        orjson.dumps(event("viewer-request", op="logs")),
    ]
    peaks = []
    for i in range(1000):
        out = f.invoke(events[i % len(events)])
        assert out.ok, (i, out.error, out.message)
        assert i == 0 or out.instance_reused
        peaks.append(out.peak_memory)
    assert peaks[-1] <= peaks[20] + 64 * 1024, (peaks[20], peaks[-1])
    assert max(peaks) < 4 * 1024 * 1024
    f.close()


def test_reuse_after_a_large_event_releases_it(runtime, wasm):
    f = runtime.function(wasm["reactor"], FunctionConfig(name="sdk-reuse-big", isolation="reuse"))
    big = orjson.dumps(event("origin-request", method="POST", body=dict(BODY, data="QUJD" * 500_000)))
    small = orjson.dumps(event("viewer-request", op="accessors"))
    assert ok(f, big).ok
    for _ in range(3):
        assert ok(f, small).ok
    # linear memory never shrinks, but the next big event must fit in what is already there
    before = ok(f, small).peak_memory
    assert ok(f, big).peak_memory == before
    f.close()


# ---- static memory: a fresh instance's call grows no memory ---------------------------------------------------------


@pytest.mark.parametrize(("event_type", "op"), [
    ("viewer-request", None), ("viewer-request", "respond"), ("viewer-request", "modify"),
    ("origin-request", "modify"), ("origin-response", "response-modify"),
])
def test_a_typical_call_on_a_fresh_instance_grows_no_memory(fn, event_type, op):
    """The event and the arena's first 16 KiB are static (EDGE_STATIC_EVENT, EDGE_STATIC_ARENA):
    growing linear memory is a system call plus page faults on every fresh instance."""
    f = fn()
    out = ok(f, event(event_type, op=op))
    assert out.peak_memory == f.compiled.initial_memory


def test_events_and_arenas_beyond_the_static_memory_still_work(fn):
    f = fn()
    big = event("viewer-request", op="modify", headers=header("X-Big", "v" * 18_000))
    out = ok(f, big)
    assert out.peak_memory > f.compiled.initial_memory  # malloc'd the event buffer
    assert ok(f, event("viewer-request", op="accessors", uri="/a")).value  # an arena past 16 KiB
    reused = fn(isolation="reuse")
    for ev in (big, event("viewer-request", op="modify"), big, event("viewer-request", op="respond")):
        assert ok(reused, ev).value == ok(f, ev).value


def test_static_memory_can_be_turned_off(tmp_path, runtime):
    (tmp_path / "main.c").write_text(TEST_FUNCTION)
    (tmp_path / "edge-build.toml").write_text('cflags = ["-DEDGE_STATIC_ARENA=0", "-DEDGE_STATIC_EVENT=0"]\n')
    f = runtime.function(toolchain.build(tmp_path).read_bytes(), FunctionConfig(name="sdk-no-static"))
    out = ok(f, event("viewer-request", op="respond"))
    assert out.peak_memory > f.compiled.initial_memory
    assert out.value["status"] == "404"


# ---- the same function as a WASI command (EDGE_COMMAND) -------------------------------------------------------------


@pytest.mark.parametrize("op", [None, "modify", "respond", "accessors", "response-modify"])
def test_command_mode_matches_reactor(fn, op):
    event_type = "origin-response" if op == "response-modify" else "origin-request"
    ev = orjson.dumps(event(event_type, op=op))
    reactor, command = ok(fn("reactor"), ev), ok(fn("command"), ev)
    assert command.value == reactor.value


def test_command_mode_logs_and_errors(fn):
    out = ok(fn("command"), event("viewer-request", op="logs"))
    messages = [line.message for line in out.logs]
    assert messages[:2] == ["DEBUG: debug -5", "INFO: info 7 ff -9000000000 12 Z % abc (null)|-2147483648"]
    assert all(line.level == "ERROR" for line in out.logs)  # stderr is logged at ERROR by the host
    out = invoke(fn("command"), event("viewer-request", op="fail", uri="/c"))
    assert out.error is ErrorKind.NONZERO_EXIT and out.exit_code == 1
    assert out.logs[-1].message == "ERROR: custom failure 42 at /c"
    out = invoke(fn("command"), b"not json")
    assert out.error is ErrorKind.NONZERO_EXIT
    assert "event is not valid JSON" in out.logs[-1].message


def test_command_mode_env(fn):
    f = fn("command", env=(("SDK_TEST_VAR", "from env"),))
    assert lines(ok(f, event("viewer-request", op="accessors")).value["body"])["env"] == "from env"


def test_sdk_docs_cover_every_function():
    """Every public function declared in edge.h is documented in sdk/c/README.md with an example."""
    import re

    header_text = toolchain.SDK_HEADER.read_text()
    public = header_text.split("#if defined(EDGE_IMPLEMENTATION)")[0]
    names = set(re.findall(r"^[a-z_ ]+?\**\b(edge_[a-z0-9_]+)\(", public, re.MULTILINE))
    names |= set(re.findall(r"^#define (edge_[a-z0-9_]+)\(", public, re.MULTILINE))  # edge_fail
    names = {n for n in names if not n.startswith("edge__")}  # the SDK's internals
    assert {"edge_main", "edge_uri", "edge_header_set", "edge_respond", "edge_fail", "edge_set_object",
            "edge_delete", "edge_header_copy", "edge_set_request_body_text"} <= names
    readme = (toolchain.SDK_C / "README.md").read_text()
    missing = sorted(n for n in names if f"{n}(" not in readme)
    assert not missing, f"undocumented in sdk/c/README.md: {missing}"


def test_sample_sources_are_not_modified_by_builds(tmp_path):
    """build() writes only its output (and nothing next to the sources but build/)."""
    src = tmp_path / "fn"
    src.mkdir()
    (src / "main.c").write_text('#define EDGE_IMPLEMENTATION\n#include "edge.h"\nint edge_main(edge_event *ev) { return 0; }\n')
    out = toolchain.build(src)
    assert out == src / "build" / "fn.wasm"
    assert sorted(p.name for p in src.iterdir()) == ["build", "main.c"]
    assert [p.name for p in (src / "build").iterdir()] == ["fn.wasm"]
    shutil.rmtree(src / "build")


@pytest.mark.parametrize("model", ["reactor", "command"])
def test_sdk_compiles_without_warnings(tmp_path, model):
    import subprocess

    (tmp_path / "main.c").write_text(TEST_FUNCTION)
    cmd = toolchain.compile_command([tmp_path / "main.c"], tmp_path / "out.wasm", model=model, optimize="ReleaseSmall",
                                    cflags=["-std=c99", "-Wextra", "-Wpedantic", "-Wshadow", "-Werror",
                                            "-Wno-format-invalid-specifier"])  # "%5]" is tested on purpose
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
