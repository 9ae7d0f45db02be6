"""The Zig SDK (sdk/zig) through the real runtime: accessors, changes, generated responses,
escaping, malformed events (clean handler errors, never traps), panics, `reuse` memory, options.

One Zig test function (below) dispatches on the `x-op` request header; it is built once per
module with edge.toolchain (the same command `edge build` runs), next to a tiny second function
(two files, `void` handle, `edge_options`).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from edge import toolchain
from edge.runtime.limits import FunctionConfig
from edge.runtime.module import STYLE_REACTOR
from edge.runtime.outcome import ErrorKind
from edge.runtime.runtime import Runtime

from . import aws_examples
from .test_samples import (
    BODY,
    ORIGIN_REQUEST,
    ORIGIN_RESPONSE,
    VIEWER_REQUEST,
    header,
    make_event,
)

TEST_FUNCTION = r"""
const std = @import("std");
const edge = @import("edge");

var acc: std.ArrayList(u8) = .empty; // arena text: reset per invocation

fn line(key: []const u8, value: ?[]const u8) !void {
    try acc.print(edge.arena(), "{s}={s}\n", .{ key, value orelse "(null)" });
}

fn num(v: anytype) ![]u8 {
    return edge.fmt("{d}", .{v});
}

fn dump(ev: *edge.Event) !void {
    const rq = ev.requestHeaders();
    try line("event_type", try num(@intFromEnum(ev.eventType())));
    try line("event_type_name", ev.eventTypeName());
    try line("is_request_hook", try num(@intFromBool(ev.isRequestHook())));
    try line("request_id", ev.requestId());
    try line("uri", ev.uri());
    try line("method", ev.method());
    try line("querystring", ev.querystring());
    try line("client_ip", ev.clientIp());
    try line("ua", rq.get("USER-AGENT"));
    try line("ua_key", rq.key("user-agent"));
    try line("missing", rq.get("x-missing"));
    const n = rq.count("cookie");
    try line("cookie_count", try num(n));
    for (0..n + 1) |i| try line(try edge.fmt("cookie{d}", .{i}), rq.value("Cookie", i));
    var all: std.ArrayList(u8) = .empty;
    var it = rq.values("cookie");
    while (it.next()) |v| try all.print(edge.arena(), "[{s}]", .{v});
    try line("cookies", all.items);
    var names: std.ArrayList(u8) = .empty;
    for (0..rq.len()) |i| try names.print(edge.arena(), "{s}{s}", .{ if (i > 0) "," else "", rq.name(i).? });
    try line("names", names.items);
    try line("has_body", try num(@intFromBool(ev.hasBody())));
    const body = try ev.body();
    try line("body", body);
    try line("body_len", try num(if (body) |b| b.len else 0));
    try line("truncated", try num(@intFromBool(ev.bodyTruncated())));
    try line("origin_domain", ev.originDomain());
    try line("origin_header", ev.originHeaders().get("My-Origin-Custom-Header"));
    try line("distribution_id", ev.get("config.distributionId"));
    try line("port", ev.get("request.origin.custom.port"));
    try line("ssl1", ev.get("request.origin.custom.sslProtocols.1"));
    try line("get_missing", ev.get("request.nope.x"));
    try line("get_object", ev.get("request.headers"));
    try line("env", edge.env("SDK_TEST_VAR"));
    try line("status", ev.status());
    try line("status_code", try num(ev.statusCode()));
    try line("status_description", ev.statusDescription());
    try line("resp_ctype", ev.responseHeaders().get("content-type"));
    try line("resp_exists", try num(@intFromBool(ev.responseHeaders().exists())));
}

fn is(op: []const u8, name: []const u8) bool {
    return std.mem.eql(u8, op, name);
}

/// Handlers that read little or none of the event (the environment variable SDK_TEST_LAZY picks one).
fn lazy(ev: *edge.Event, op: []const u8) !void {
    if (is(op, "respond")) { // a generated response: only the hook is looked at
        try ev.respond(200, null);
        try ev.responseHeaders().set("Content-Type", "text/plain");
        try ev.setBody(ev.eventTypeName());
    } else if (is(op, "respond-then-read")) {
        try ev.respond(200, null);
        try ev.setBody(try edge.fmt("{s} {s} {s}|{s}", .{ ev.uri(), ev.method(), ev.querystring(), ev.requestHeaders().get("host") orelse "(null)" }));
    } else if (is(op, "read-then-fail")) {
        return edge.fail("no luck with \"{s}\"", .{ev.uri()});
    } else if (is(op, "catch-the-error")) {
        ev.setUri("/x") catch {}; // error.InvalidEvent for an unreadable event: caught, it still fails
    } else if (is(op, "set-status")) { // response hooks: the response is read
        try ev.setStatus(404, null);
    } else if (is(op, "root")) {
        const records = ev.root().object.get("Records").?.array.items.len;
        try ev.requestHeaders().set("X-Records", try num(records));
    }
    // "passthrough": the request goes back without being looked at
}

pub fn handle(ev: *edge.Event) !void {
    if (edge.env("SDK_TEST_LAZY")) |op| return lazy(ev, op);
    const rq = ev.requestHeaders();
    acc = .empty;
    const op = rq.get("x-op") orelse return;

    if (is(op, "accessors")) {
        try dump(ev);
        if (ev.isRequestHook()) try ev.respond(200, null);
        try ev.setBody(acc.items);
    } else if (is(op, "modify")) {
        try ev.setUri("/new/path");
        try ev.setQuerystring("a=1&b=%C3%A9");
        try rq.set("X-New", "v1");
        try rq.set("Accept", "text/html");
        try rq.add("Cookie", "c=3");
        try rq.add("x-multi", "1");
        try rq.add("X-Multi", "2");
        const removed = try rq.remove("User-Agent");
        const absent = try rq.remove("x-not-there");
        try rq.set("x-removed", try edge.fmt("{d},{d}", .{ removed, absent }));
        if (ev.originDomain() != null) {
            try ev.setOriginDomain("new.example.com");
            try ev.setString("request.origin.custom.path", "/v2");
            try ev.setNumber("request.origin.custom.port", 8443);
            try ev.originHeaders().set("X-Origin-Secret", "s");
        }
    } else if (is(op, "respond")) {
        try ev.respond(404, null);
        const h = ev.responseHeaders();
        try h.set("Content-Type", "text/plain; charset=utf-8");
        try h.add("Set-Cookie", "a=1");
        try h.add("Set-Cookie", "b=2");
        try ev.setBody("not here");
    } else if (is(op, "respond-bytes")) {
        try ev.respond(200, "Fine");
        try ev.setBodyBytes("\x00\x01\xff");
    } else if (is(op, "respond-bytes-then-text")) {
        try ev.respond(200, "Fine");
        try ev.setBodyBytes("\x00\x01\xff");
        try ev.setBody("text");
    } else if (is(op, "respond-twice")) {
        try ev.respond(500, "first");
        try ev.responseHeaders().set("X-First", "1");
        try ev.respond(301, null);
        try ev.responseHeaders().set("Location", "/moved");
    } else if (is(op, "response-modify")) {
        const h = ev.responseHeaders();
        try ev.setStatus(503, null);
        _ = try h.remove("server");
        try h.set("X-Added", "1");
        try h.add("Set-Cookie", "z=1");
        try ev.setBody("replaced");
    } else if (is(op, "copy")) {
        try ev.respond(200, null);
        try ev.setBody(rq.get("x-data") orelse "");
        try ev.responseHeaders().set("X-Copy", rq.get("x-header-data") orelse "");
    } else if (is(op, "body-echo")) {
        const b = (try ev.body()) orelse "";
        try ev.respond(200, null);
        try ev.setBodyBytes(b);
    } else if (is(op, "set-request-body")) {
        try ev.setRequestBody("replaced body");
    } else if (is(op, "big-body")) {
        const big = try edge.arena().alloc(u8, 1536 * 1024);
        @memset(big, 'a');
        try ev.respond(200, null);
        try ev.setBody(big);
    } else if (is(op, "logs")) {
        edge.debug("debug {d}", .{-5});
        edge.info("info {d} {x} {d} {c} {s}|{s}", .{ 7, 255, -9000000000, 'Z', "abc", "\"q\"" });
        edge.warn("warn", .{});
        edge.err("error \xc3\xa9\xf0\x9f\x98\x80", .{});
        edge.log(.info, "plain {d} not formatted");
        edge.logf(.warn, "logf {s}", .{"x"});
        std.log.info("std.log {d}", .{1});
        std.log.scoped(.auth).warn("scoped", .{});
        const big = try edge.arena().alloc(u8, 2000);
        @memset(big, 'x');
        edge.info("{s}", .{big});
    } else if (is(op, "form")) {
        var it = edge.form(ev.querystring());
        while (try it.next()) |f| try line(f.name, f.value);
        try ev.respond(200, null);
        try ev.setBody(acc.items);
    } else if (is(op, "helpers")) {
        try line("b64", try edge.base64Encode("user:pass"));
        try line("b64_1", try edge.base64Encode("a"));
        try line("b64_2", try edge.base64Encode("ab"));
        try line("b64_0", try edge.base64Encode(""));
        try line("unb64_nopad", try edge.base64Decode("aGVsbG8"));
        try line("unb64", try edge.base64Decode("aGVsbG8="));
        try line("unb64_bad", try edge.base64Decode("a"));
        try line("unb64_bad2", try edge.base64Decode("aG!s"));
        const u = try edge.urlDecode("%41%zz+%2", true);
        try line("url", u);
        try line("url_len", try num(u.len));
        try line("url_noplus", try edge.urlDecode("a+b%20c", false));
        try line("utf8_ok", try num(@intFromBool(edge.utf8Valid("\xc3\xa9\xf0\x9f\x98\x80"))));
        try line("utf8_overlong", try num(@intFromBool(edge.utf8Valid("\xc0\xaf"))));
        try line("utf8_surrogate", try num(@intFromBool(edge.utf8Valid("\xed\xa0\x80"))));
        try line("utf8_truncated", try num(@intFromBool(edge.utf8Valid("\xe2\x82"))));
        try line("fmt", try edge.fmt("[{s}|{d}]", .{ "x", 3 }));
        try line("reason", edge.reasonPhrase(404));
        try ev.respond(200, null);
        try ev.setBody(acc.items);
    } else if (is(op, "random")) {
        const r = edge.random();
        try line("a", try num(edge.randomU32()));
        try line("b", try num(edge.randomU32()));
        try line("in_range", try num(@intFromBool(r >= 0.0 and r < 1.0)));
        try ev.respond(200, null);
        try ev.setBody(acc.items);
    } else if (is(op, "get")) {
        const v = ev.get(rq.get("x-path") orelse "");
        try ev.respond(200, null);
        try ev.setBody(v orelse "(null)");
    } else if (is(op, "get-value")) {
        var out: std.ArrayList(u8) = .empty;
        if (ev.getValue("request.origin.custom.sslProtocols")) |v| {
            for (v.array.items) |p| try out.print(edge.arena(), "{s};", .{p.string});
        }
        try ev.respond(200, null);
        try ev.setBody(out.items);
    } else if (is(op, "fail")) {
        return edge.fail("custom failure {d} at {s}", .{ 42, ev.uri() });
    } else if (is(op, "own-error")) {
        return error.Unauthorized;
    } else if (is(op, "caught")) {
        ev.setUri("no-slash") catch {};
        try rq.set("X-Caught", "yes");
    } else if (is(op, "bad-uri")) {
        try ev.setUri("no-slash");
    } else if (is(op, "ctl-uri")) {
        try ev.setUri("/a\tb");
    } else if (is(op, "bad-querystring")) {
        try ev.setQuerystring("a b");
    } else if (is(op, "bad-utf8-header")) {
        try rq.set("X-Bad", "\xff");
    } else if (is(op, "bad-header-name")) {
        try rq.set("Bad Name", "v");
    } else if (is(op, "crlf-header")) {
        try rq.set("X-Injected", "a\r\nSet-Cookie: evil=1");
    } else if (is(op, "bad-status")) {
        try ev.respond(99, null);
    } else if (is(op, "bad-utf8-body")) {
        try ev.respond(200, null);
        try ev.setBody("\xc3(");
    } else if (is(op, "respond-in-response-hook")) {
        try ev.respond(200, null);
    } else if (is(op, "set-body-without-response")) {
        try ev.setBody("x");
    } else if (is(op, "response-headers-without-response")) {
        try ev.responseHeaders().set("X", "y");
    } else if (is(op, "set-uri-in-response-hook")) {
        try ev.setUri("/x");
    } else if (is(op, "request-header-in-response-hook")) {
        try rq.set("X", "y");
    } else if (is(op, "request-body-missing")) {
        try ev.setRequestBody("x");
    } else if (is(op, "bad-path")) {
        try ev.setString("request.nope.x", "v");
    } else if (is(op, "replace-object")) {
        try ev.setString("request", "v");
    } else if (is(op, "origin-missing")) {
        try ev.setOriginDomain("x.example.com");
    } else if (is(op, "oom")) {
        while (true) _ = try edge.arena().alloc(u8, 1 << 20);
    } else if (is(op, "panic")) {
        @panic("on purpose");
    } else if (is(op, "paths")) {
        try ev.setObject("request.extra");
        try ev.setBool("request.extra.yes", true);
        try ev.setBool("request.extra.no", false);
        try ev.setArray("request.extra.list");
        try ev.appendString("request.extra.list", "a");
        try ev.appendString("request.extra.list", "b");
        try ev.appendString("request.extra.list", "c \"q\" \xc3\xa9");
        const d1 = try ev.delete("request.extra.list.1"); // an array element
        const d2 = try ev.delete("request.extra.missing");
        const d3 = try ev.delete("request.nope.deeper");
        try ev.setObject("request.extra.nested");
        try ev.setArray("request.extra.nested.empty");
        try ev.setString("request.extra.gone", "x");
        const d4 = try ev.delete("request.extra.gone");
        const d5 = try ev.delete("request.extra.list.9");
        try ev.setArray("request.extra.no"); // replaces a boolean
        try ev.appendString("request.extra.no", "now a list");
        try ev.setString("request.extra.deleted", try edge.fmt("{d}{d}{d}{d}{d}", .{
            @intFromBool(d1), @intFromBool(d2), @intFromBool(d3), @intFromBool(d4), @intFromBool(d5),
        }));
        try ev.setString("request.extra.read_back", try edge.fmt("{s}|{s}", .{
            ev.get("request.extra.yes").?, ev.get("request.extra.list.1").?,
        }));
    } else if (is(op, "origin-to-s3")) {
        const removed = try ev.delete("request.origin.custom");
        try ev.setObject("request.origin.s3");
        try ev.setString("request.origin.s3.authMethod", "none");
        try ev.setObject("request.origin.s3.customHeaders");
        try ev.originHeaders().set("X-Bucket-Token", "t"); // the new origin's headers
        try ev.setString("request.origin.s3.domainName", "b.s3.amazonaws.com");
        try ev.setString("request.origin.s3.path", "");
        try ev.setString("request.origin.s3.region", "eu-west-1");
        try rq.set("x-removed", if (removed) "1" else "0");
        try rq.set("x-origin-domain", ev.originDomain().?);
    } else if (is(op, "header-copy")) {
        const h = ev.responseHeaders();
        try h.copy("Last-Modified", "X-AMZ-META-LAST-MODIFIED");
        try h.add("Last-Modified", "added"); // only to the copy
        try h.copy("x-server-copy", "server");
        try h.setKeyed("x-keyed", "X-Keyed-Key", "v");
        try h.setKeyed("Server", "SERVER", "edge"); // replaces in place
        try ev.setNumber("response.status", 203);
    } else if (is(op, "body-text")) {
        const before = (try ev.body()).?; // read (and cached) before the change
        try ev.setRequestBodyText("a=1&b=\xc3\xa9 \"q\"");
        try rq.set("x-body-before", try edge.fmt("{d}", .{before.len}));
        try rq.set("x-body-after", (try ev.body()).?);
    } else if (is(op, "fail-after-caught")) {
        edge.err("a line of my own", .{});
        ev.setUri("bad") catch {};
        return edge.fail("giving up on {s}", .{ev.uri()});
    } else if (is(op, "error-log-then-setter-error")) {
        edge.err("a line of my own", .{});
        try ev.setUri("bad");
    } else if (is(op, "set-config")) {
        try ev.setString("config.eventType", "x");
    } else if (is(op, "object-config")) {
        try ev.setObject("config");
    } else if (is(op, "delete-request")) {
        _ = try ev.delete("request");
    } else if (is(op, "object-request")) {
        try ev.setObject("request");
    } else if (is(op, "delete-uri")) {
        _ = try ev.delete("request.uri");
    } else if (is(op, "array-headers")) {
        try ev.setArray("request.headers");
    } else if (is(op, "number-uri")) {
        try ev.setNumber("request.uri", 1);
    } else if (is(op, "delete-response-headers")) {
        _ = try ev.delete("response.headers");
    } else if (is(op, "bool-status")) {
        try ev.setBool("response.status", true);
    } else if (is(op, "bool-over-object")) {
        try ev.setBool("request.headers.host", true);
    } else if (is(op, "append-not-array")) {
        try ev.appendString("request.uri", "x");
    } else if (is(op, "append-missing")) {
        try ev.appendString("request.nope", "x");
    } else if (is(op, "append-bad-utf8")) {
        try ev.setArray("request.list");
        try ev.appendString("request.list", "\xff");
    } else if (is(op, "object-no-parent")) {
        try ev.setObject("request.nope.x");
    } else if (is(op, "empty-path")) {
        _ = try ev.delete("");
    } else if (is(op, "copy-missing")) {
        try ev.responseHeaders().copy("last-modified", "x-nope");
    } else if (is(op, "copy-request-in-response-hook")) {
        try rq.copy("x-host", "host");
    } else if (is(op, "copy-bad-name")) {
        try rq.copy("bad name", "host");
    } else if (is(op, "keyed-bad-key")) {
        try rq.setKeyed("x-keyed", "Bad Key", "v");
    } else if (is(op, "keyed-crlf")) {
        try rq.setKeyed("x-keyed", "X-Keyed", "a\r\nb");
    } else if (is(op, "body-text-missing")) {
        try ev.setRequestBodyText("x");
    } else if (is(op, "body-text-in-response-hook")) {
        try ev.setRequestBodyText("x");
    } else if (is(op, "body-text-bad-utf8")) {
        try ev.setRequestBodyText("\xc3(");
    }
}
"""

TINY_MAIN = r"""
const std = @import("std");
const edge = @import("edge");
const util = @import("util.zig");

pub const edge_options: edge.Options = .{ .max_header_bytes = 64, .max_depth = 8, .max_memory = 1 << 20 };

pub fn handle(ev: *edge.Event) void { // a handler that cannot fail
    ev.requestHeaders().set("X-Tiny", util.greeting()) catch {};
    if (std.mem.eql(u8, ev.uri(), "/big")) {
        _ = edge.arena().alloc(u8, 2 << 20) catch {
            ev.requestHeaders().set("X-Alloc", "failed") catch {};
        };
    }
}
"""

TINY_UTIL = r"""
pub fn greeting() []const u8 {
    return "hi from util.zig";
}
"""


# ---- builds and helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wasm(tmp_path_factory) -> dict[str, bytes]:
    """The test function and the tiny one, built in parallel with edge.toolchain."""
    root = tmp_path_factory.mktemp("zig-sdk")
    (root / "full").mkdir()
    (root / "full" / "main.zig").write_text(TEST_FUNCTION)
    (root / "tiny").mkdir()
    (root / "tiny" / "main.zig").write_text(TINY_MAIN)
    (root / "tiny" / "util.zig").write_text(TINY_UTIL)

    def one(kind: str) -> tuple[str, bytes]:
        return kind, toolchain.build(root / kind).read_bytes()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, ("full", "tiny")))


@pytest.fixture(scope="module")
def runtime():
    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def fn(runtime, wasm):
    cache: dict = {}

    def get(kind: str = "full", isolation: str = "per-request", env: tuple = ()):
        key = (kind, isolation, env)
        if key not in cache:
            cache[key] = runtime.function(wasm[kind], FunctionConfig(name=f"zig-{kind}", isolation=isolation, env=env))
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


def invoke(f, ev):
    return f.invoke(ev if isinstance(ev, bytes) else orjson.dumps(ev))


def ok(f, ev):
    out = invoke(f, ev)
    assert out.ok, (out.error, out.message, out.logs)
    return out


def lines(body: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in body.splitlines())


def assert_handler_error(out, *fragments: str, code: int | None = None) -> None:
    assert out.error is ErrorKind.HANDLER_ERROR, (out.error, out.message, out.logs)
    assert out.trap_code is None
    assert out.logs, "an ERROR log line must describe the failure"
    last = out.logs[-1]
    assert last.level == "ERROR"
    for fragment in fragments:
        assert fragment in last.message, (fragment, last.message)
    if code is not None:
        assert out.message == f"{last.message} (error code {code})"


# ---- module shape -------------------------------------------------------------------------------------


def test_module_shape(runtime, wasm):
    module = runtime.load(wasm["full"])
    assert module.style == STYLE_REACTOR
    assert "edge::log" in module.imports
    assert all(i == "edge::log" or i.startswith("wasi_snapshot_preview1::") for i in module.imports)
    assert module.initial_memory <= 2 * 1024 * 1024  # a 1 MiB stack
    tiny = runtime.load(wasm["tiny"])
    assert list(tiny.imports) == ["edge::log"]  # no edge.env / edge.random: no WASI imports


BIG_STACK_FRAME = """const std = @import("std");
const edge = @import("edge");

noinline fn fill(buf: []u8) usize {
    @memset(buf, 'x');
    std.mem.doNotOptimizeAway(buf.ptr);
    return std.mem.count(u8, buf, "x");
}

pub fn handle(ev: *edge.Event) !void {
    var big: [100000]u8 = undefined; // more than the default 48 KiB stack
    var text: [16]u8 = undefined;
    try ev.respond(200, null);
    try ev.setBody(try std.fmt.bufPrint(&text, "{d}", .{fill(&big)}));
}
"""


def test_a_stack_overflow_traps_and_says_how_to_raise_the_stack(tmp_path, runtime):
    """As in C (tests/test_sdk_c.py): outgrowing the stack traps, zigflags raise it."""
    (tmp_path / "main.zig").write_text(BIG_STACK_FRAME)
    small = runtime.function(toolchain.build(tmp_path).read_bytes(), FunctionConfig())
    out = invoke(small, event())
    assert out.error is ErrorKind.TRAP and out.trap_code == "memory_out_of_bounds", (out.error, out.message)
    assert "overflows its stack" in out.message and "zigflags" in out.message, out.message
    (tmp_path / "edge-build.toml").write_text('zigflags = ["--stack", "262144"]\n')
    raised = runtime.function(toolchain.build(tmp_path).read_bytes(), FunctionConfig())
    assert ok(raised, event()).value["body"] == "100000"


def _custom_sections(module: bytes) -> list[str]:
    """Names of a wasm module's custom sections (id 0)."""

    def leb(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = module[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, pos

    names, pos = [], 8
    while pos < len(module):
        section_id = module[pos]
        size, body = leb(pos + 1)
        if section_id == 0:
            name_len, name_at = leb(body)
            names.append(module[name_at:name_at + name_len].decode())
        pos = body + size
    return names


def test_build_is_optimized_and_stripped(wasm):
    for kind in ("full", "tiny"):
        assert not [n for n in _custom_sections(wasm[kind]) if n == "name" or n.startswith(".debug")], kind
    assert len(wasm["tiny"]) < 80_000  # ReleaseSmall


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
        "cookies": "[First=1; Second=2][ClientCode=abc]",
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
        "resp_exists": "0",
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
    assert got["resp_ctype"] == "text/html; charset=utf-8" and got["resp_exists"] == "1"
    expected = copy.deepcopy(response_of(ev))
    expected["body"] = out.value["body"]
    assert out.value == expected  # the response object, with only the body added


def test_numeric_status_in_response_event(fn):
    ev = event("origin-response", op="accessors")
    response_of(ev)["status"] = 404
    out = ok(fn(), ev)
    got = lines(out.value["body"])
    assert got["status"] == "404" and got["status_code"] == "404"
    assert out.value["status"] == 404  # numbers are written back exactly as they came


# ---- returning the request / response ----------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_untouched_request_round_trips(fn, event_type):
    ev = event(event_type, body=dict(BODY))
    del request_of(ev)["headers"]["host"]
    out = ok(fn(), ev)
    assert out.value == request_of(ev)
    assert list(out.value) == list(request_of(ev))  # key order kept
    assert out.logs == []


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
def test_untouched_response_round_trips(fn, event_type):
    ev = event(event_type)
    assert ok(fn(), ev).value == response_of(ev)


def test_numbers_round_trip_exactly(fn):
    ev = event("origin-request")
    custom = request_of(ev)["origin"]["custom"]
    raw = orjson.dumps(ev).replace(b'"readTimeout":30', b'"readTimeout":30.50,"big":123456789012345678901234567890,"e":1E+2')
    out = ok(fn(), raw)
    assert b'"readTimeout":30.50,"big":123456789012345678901234567890,"e":1E+2' in out.result
    assert out.value["origin"]["custom"]["keepaliveTimeout"] == custom["keepaliveTimeout"]


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


def test_header_set_collapses_a_differently_cased_key(fn):
    ev = event("viewer-request", op="modify")
    request_of(ev)["headers"]["Accept"] = request_of(ev)["headers"].pop("accept")  # a non-lowercase map key
    position = [k for k in request_of(ev)["headers"] if k != "user-agent"].index("Accept")
    out = ok(fn(), ev)
    assert out.value["headers"]["accept"] == [{"key": "Accept", "value": "text/html"}]
    assert "Accept" not in out.value["headers"]
    assert list(out.value["headers"]).index("accept") == position  # replaced in place, not appended


def test_header_set_collapses_case_variants(fn):
    ev = event("viewer-request", op="modify")
    headers = request_of(ev)["headers"]
    headers["ACCEPT"] = [{"key": "ACCEPT", "value": "a"}]  # two more spellings of accept, after it
    headers["Accept"] = [{"key": "Accept", "value": "b"}]
    for i in range(10):  # enough names for the map to keep a hash index
        headers[f"x-pad-{i}"] = [{"key": f"X-Pad-{i}", "value": "p"}]
    out = ok(fn(), ev)
    names = list(out.value["headers"])
    assert [n for n in names if n.lower() == "accept"] == ["accept"]
    assert out.value["headers"]["accept"] == [{"key": "Accept", "value": "text/html"}]
    assert names.index("accept") == 1 and "x-pad-9" in names  # where accept was (user-agent is removed)


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
    assert out.value["headers"]["x-body-after"][0]["value"] == 'a=1&b=é "q"'  # body() reads the new body


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


@pytest.mark.parametrize("value", TRICKY)
def test_escaping_of_strings_set_by_the_function(fn, value):
    header_safe = "é 😀 \"q\" \\ \t '<>' \u2028"
    ev = event("viewer-request", op="copy", headers={
        "x-data": [{"key": "X-Data", "value": value}],
        "x-header-data": [{"key": "X-Header-Data", "value": header_safe}],
    })
    out = ok(fn(), ev)
    assert out.value["body"] == value  # Zig slices carry NULs too
    assert out.value["headers"]["x-copy"] == [{"key": "X-Copy", "value": header_safe}]


def test_logs_and_formatting(fn):
    out = ok(fn(), event("viewer-request", op="logs"))
    assert [(line.level, line.message) for line in out.logs] == [
        ("DEBUG", "debug -5"),
        ("INFO", 'info 7 ff -9000000000 Z abc|"q"'),
        ("WARN", "warn"),
        ("ERROR", "error é😀"),
        ("INFO", "plain {d} not formatted"),
        ("WARN", "logf x"),
        ("INFO", "std.log 1"),
        ("WARN", "(auth) scoped"),
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
        "unb64_nopad": "hello",
        "unb64": "hello",
        "unb64_bad": "(null)",
        "unb64_bad2": "(null)",
        "url": "A%zz %2",
        "url_len": "7",
        "url_noplus": "a+b c",
        "utf8_ok": "1",
        "utf8_overlong": "0",
        "utf8_surrogate": "0",
        "utf8_truncated": "0",
        "fmt": "[x|3]",
        "reason": "Not Found",
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
     ("request.origin.custom.sslProtocols.9", "(null)"), ("", "(null)"), ("request..uri", "(null)")],
)
def test_get_paths(fn, path, expected):
    ev = event("origin-request", op="get", headers=header("X-Path", path))
    assert ok(fn(), ev).value["body"] == expected


def test_get_value_gives_std_json_values(fn):
    assert ok(fn(), event("origin-request", op="get-value")).value["body"] == "TLSv1;TLSv1.1;TLSv1.2;"


# ---- errors from the function -----------------------------------------------------------------------------------


def test_edge_fail(fn):
    out = invoke(fn(), event("viewer-request", op="fail", uri="/here"))
    assert_handler_error(out, "custom failure 42 at /here", code=-1)


def test_fail_message_is_the_last_error_line(fn):
    """edge.fail's message is the last ERROR line (a caught SDK error is handled: not logged)."""
    out = invoke(fn(), event("viewer-request", op="fail-after-caught"))
    assert_handler_error(out, code=-1)
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", "a line of my own"),
                                                                  ("ERROR", "giving up on /")]
    out = invoke(fn(), event("viewer-request", op="error-log-then-setter-error"))
    assert_handler_error(out, code=-7)
    assert [line.message for line in out.logs] == ["a line of my own",
                                                   'setUri: the uri must start with \'/\' (got "bad")']


def test_own_error_is_named(fn):
    out = invoke(fn(), event("viewer-request", op="own-error"))
    assert_handler_error(out, "handle failed: error.Unauthorized", code=-1)


def test_caught_sdk_error_does_not_fail(fn):
    out = ok(fn(), event("viewer-request", op="caught"))
    assert out.value["uri"] == "/" and out.value["headers"]["x-caught"] == [{"key": "X-Caught", "value": "yes"}]
    assert out.logs == []


@pytest.mark.parametrize(
    "event_type, op, fragment",
    [
        ("viewer-request", "bad-uri", "setUri: the uri must start with '/' (got \"no-slash\")"),
        ("viewer-request", "ctl-uri", "setUri: uri contains control character 0x9"),
        ("viewer-request", "bad-querystring", "may not contain ' '"),
        ("viewer-request", "bad-utf8-header", "Headers.set: the header value is not valid UTF-8"),
        ("viewer-request", "bad-header-name", 'invalid character 0x20 in header name "Bad Name"'),
        ("viewer-request", "crlf-header", "control character 0xd"),
        ("viewer-request", "bad-status", "status 99 is outside 200..599"),
        ("viewer-request", "bad-utf8-body", "setBody: the body is not valid UTF-8"),
        ("origin-response", "respond-in-response-hook", "respond: responses are generated in viewer-request"),
        ("viewer-request", "set-body-without-response", "setBody: no response to change"),
        ("viewer-request", "response-headers-without-response", "Headers.set: no headers object here"),
        ("viewer-response", "set-uri-in-response-hook", "setUri: the request can only be changed"),
        ("origin-response", "request-header-in-response-hook", "request headers can only be changed"),
        ("viewer-request", "request-body-missing", "the event has no body"),
        ("viewer-request", "bad-path", '"request.nope.x" does not name a field'),
        ("viewer-request", "replace-object", 'setString: "request" itself cannot be replaced or deleted'),
        ("viewer-request", "origin-missing", "the event has no origin"),
        ("viewer-request", "set-config", 'setString: "config.eventType" is read-only'),
        ("viewer-request", "object-config", 'setObject: "config" is read-only'),
        ("viewer-request", "delete-request", 'delete: "request" itself cannot be replaced or deleted'),
        ("viewer-request", "object-request", 'setObject: "request" itself cannot be replaced'),
        ("viewer-request", "delete-uri", 'delete: "request.uri" cannot be deleted (every event has it)'),
        ("viewer-request", "array-headers", 'setArray: "request.headers" must stay an object'),
        ("viewer-request", "number-uri", 'setNumber: "request.uri" must stay a string'),
        ("origin-response", "delete-response-headers", '"response.headers" cannot be deleted'),
        ("origin-response", "bool-status", 'setBool: "response.status" must stay a string'),
        ("viewer-request", "bool-over-object", 'setBool: "request.headers.host" is an object or array'),
        ("viewer-request", "append-not-array", 'appendString: "request.uri" is not an array'),
        ("viewer-request", "append-missing", '"request.nope" is not an array (create it with setArray)'),
        ("viewer-request", "append-bad-utf8", "appendString: value is not valid UTF-8"),
        ("viewer-request", "object-no-parent", 'setObject: "request.nope.x" does not name a field'),
        ("viewer-request", "empty-path", "delete: the path is empty"),
        ("origin-response", "copy-missing", 'Headers.copy: there is no "x-nope" header to copy'),
        ("origin-response", "copy-request-in-response-hook", "Headers.copy: request headers can only be changed"),
        ("viewer-request", "copy-bad-name", 'invalid character 0x20 in header name "bad name"'),
        ("viewer-request", "keyed-bad-key", 'Headers.setKeyed: invalid character 0x20 in header key "Bad Key"'),
        ("viewer-request", "keyed-crlf", "Headers.setKeyed: the header value contains control character 0xd"),
        ("viewer-request", "body-text-missing", "setRequestBodyText: the event has no body"),
        ("origin-response", "body-text-in-response-hook", "setRequestBodyText: the request can only be"),
        ("viewer-request", "body-text-bad-utf8", "setRequestBodyText: the text is not valid UTF-8"),
    ],
)
def test_sdk_misuse_is_a_clean_error(fn, event_type, op, fragment):
    assert_handler_error(invoke(fn(), event(event_type, op=op)), fragment, code=-7)


def test_out_of_memory_is_a_clean_error(fn):
    assert_handler_error(invoke(fn(), event("viewer-request", op="oom")), "out of memory", "max_memory", code=-6)


def test_panic_logs_then_traps(fn):
    out = invoke(fn(isolation="reuse"), event("viewer-request", op="panic"))
    assert out.error is ErrorKind.TRAP
    assert [(line.level, line.message) for line in out.logs] == [("ERROR", "panic: on purpose")]
    assert ok(fn(isolation="reuse"), event("viewer-request", op="accessors")).ok  # a fresh instance


# ---- malformed events ----------------------------------------------------------------------------------------------


def _edit(path: str, value=None, delete: bool = False) -> bytes:
    ev = event("origin-response")
    *parents, last = path.split(".")
    node = ev
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if delete:
        del node[last]
    else:
        node[last] = value
    return orjson.dumps(ev)


def _without(path: str) -> bytes:
    return _edit(path, delete=True)


def _with(path: str, value) -> bytes:
    return _edit(path, value)


@pytest.mark.parametrize(
    "raw, kind, fragment",
    [
        (b"", "json", "the event is empty"),
        (b"  \n ", "json", "the event is empty"),
        (b'{"Records": [', "json", "unexpected end of input at byte 13"),
        (b'{"Records": []} x', "json", "unexpected character 'x' at byte 16"),
        (b'{"a" 1}', "json", "unexpected character '1' at byte 5"),
        (b'{"a": tru}', "json", "unexpected character '}'"),
        (b'{"a": 01}', "json", "unexpected character '1'"),
        (b'{"a": -}', "json", "unexpected character '}'"),
        (b'{"a": "\\x"}', "json", "unexpected character 'x'"),
        (b'{"a": "\\u12G4"}', "json", "unexpected character 'G'"),
        (b'{"a": "tab\tinside"}', "json", "unexpected control character 0x9 at byte 10"),
        (b'{"a": "open', "json", "unexpected end of input"),
        (b"[" * 100_000, "json", "nested deeper than 64 levels"),
        (b'{"a": "\xff"}', "utf8", "bad byte 0xff at byte 7"),
        (b'{"a": "\xc0\xaf"}', "utf8", "bad byte 0xc0 at byte 7"),
        (b'{"a": "\xed\xa0\x80"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\xe2\x82"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\xf4\x90\x80\x80"}', "utf8", "not valid UTF-8"),
        (b'{"a": "\\ud800"}', "utf8", "lone surrogate escape at byte 7"),
        (b'{"a": "\\udc00\\ud800"}', "utf8", "lone surrogate"),
        (b'{"a": "\\ud800x"}', "utf8", "lone surrogate"),
        (b'{"\xff": 1}', "utf8", "not valid UTF-8"),
        (b'{"a": "\\ud83d\\ude00" x}', "json", "unexpected character 'x' at byte 21"),  # a valid pair before
        (b'{"a" 1, "b": "\xff"}', "json", "unexpected character '1' at byte 5"),  # the first problem wins
        (b'\xef\xbb\xbf{"Records": []}', "json", "unexpected byte 0xef at byte 0"),  # a BOM is not JSON
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
        (_with("Records.0.cf.request.body", {"data": "", "inputTruncated": "no"}), "event",
         "request.body.inputTruncated must be a boolean"),
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
        assert len(out.logs) == 1
    prefix = {"json": "event is not valid JSON: ", "utf8": "event is not valid UTF-8: ", "event": "invalid event: "}
    assert out.logs[-1].message.startswith(prefix[kind])


def test_huge_header_value_is_rejected(fn):
    ev = event("viewer-request", headers=header("X-Big", "v" * 100 * 1024))
    assert_handler_error(invoke(fn(), ev),
                         'request.headers["x-big"][0].value is 102400 bytes, above the SDK\'s 20480-byte limit',
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
    assert out.logs[-1].level == "ERROR" and "max_event_bytes" in out.logs[-1].message


def test_invalid_base64_body(fn):
    ev = event("viewer-request", op="accessors", method="POST", body=dict(BODY, data="not base64!"))
    assert_handler_error(invoke(fn(), ev), "request.body.data is not valid base64", code=-4)


def test_failures_do_not_poison_a_reused_instance(fn):
    f = fn(isolation="reuse")
    assert lines(ok(f, event("viewer-request", op="accessors", uri="/one")).value["body"])["uri"] == "/one"
    assert invoke(f, b'{"Records": [').error is ErrorKind.HANDLER_ERROR
    assert invoke(f, event("viewer-request", op="bad-uri")).error is ErrorKind.HANDLER_ERROR
    out = ok(f, event("viewer-request", op="accessors", uri="/two"))
    assert lines(out.value["body"])["uri"] == "/two"


# ---- reading the event only when needed ----------------------------------------------------------------------------


def lazy(fn, op: str, isolation: str = "per-request"):
    """The test function as a handler that reads little or none of the event (`lazy`)."""
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
    assert small.fuel_used < 50_000  # parsing this small event alone took ~90,000
    assert big.fuel_used < small.fuel_used + 1_000  # the 1 MB event is not parsed either
    for isolation in ("per-request", "reuse"):  # what is never read is not checked (the host builds events)
        assert ok(lazy(fn, "respond", isolation), _broken_after_config()).value["body"] == "viewer-request"


@pytest.mark.parametrize("raw, code, fragment", [
    (b"", -2, "event is not valid JSON: the event is empty"),
    (b'{"Records": [', -2, "event is not valid JSON: unexpected end of input at byte 13"),
    (b"{}", -4, "invalid event: event.Records is missing"),
    (_with("Records.0.cf.config.eventType", "edge-request"), -4, '"edge-request" is not one of'),
])
def test_without_a_hook_the_event_is_read_first(fn, raw, code, fragment):
    """When the scan cannot find the hook, the whole event is read before `handle`, as always."""
    for isolation in ("per-request", "reuse"):
        out = invoke(lazy(fn, "respond", isolation), raw)
        assert_handler_error(out, fragment, code=code)
        assert len(out.logs) == 1


_MALFORMED = [
    (_broken_after_config(), -2, "event is not valid JSON: unexpected character '/' at byte "),
    (orjson.dumps(event("viewer-request")).replace(b'"uri":"/"', b'"uri":"/\xff"'), -3,
     "event is not valid UTF-8: bad byte 0xff"),
    (orjson.dumps(event("viewer-request")).replace(b',"uri":"/"', b""), -4,
     "invalid event: Records[0].cf.request.uri is missing"),
    (orjson.dumps(event("viewer-request", headers=header("X-Big", "v" * 30_000))), -5, "(max_header_bytes)"),
]


@pytest.mark.parametrize("raw, code, fragment", _MALFORMED)
@pytest.mark.parametrize("op", ["respond-then-read", "catch-the-error", "passthrough"])
def test_a_malformed_event_fails_when_read(fn, raw, code, fragment, op):
    """Once read, the event fails the invocation with the error and code it always had, even if the
    handler catches the SDK's error.InvalidEvent or never reads more than returning the request."""
    out = invoke(lazy(fn, op), raw)
    assert_handler_error(out, fragment, code=code)
    assert len(out.logs) == 1


def test_a_malformed_event_stays_the_error(fn):
    raw, code, fragment = _MALFORMED[0]
    out = invoke(lazy(fn, "read-then-fail"), raw)
    assert_handler_error(out, fragment, code=code)
    assert [line.message for line in out.logs[:-1]] == ['no luck with ""']


def test_reading_the_response_in_a_response_hook(fn):
    ev = event("origin-response")
    out = ok(lazy(fn, "set-status"), ev)
    assert out.value == dict(response_of(ev), status="404", statusDescription="Not Found")
    assert_handler_error(invoke(lazy(fn, "set-status"), _without("Records.0.cf.response.headers")),
                         "Records[0].cf.response.headers is missing", code=-4)


def test_root_is_the_whole_event(fn):
    out = ok(lazy(fn, "root"), event("viewer-request"))
    assert out.value["headers"]["x-records"] == [{"key": "X-Records", "value": "1"}]


@pytest.mark.parametrize("encoding", ["compact", "indented", "ascii"])
@pytest.mark.parametrize("op", [None, "passthrough"])
def test_an_untouched_request_comes_back_byte_for_byte(fn, encoding, op):
    """An unchanged request is sent back as the host wrote it (or, if the host's text was indented or
    escaped otherwise, exactly as the SDK always wrote it)."""
    ev = event("origin-request", body=dict(BODY), headers={
        "x-tricky": [{"key": "X-Tricky", "value": TRICKY[0] + TRICKY[1] + TRICKY[3]}],
        "x-accent": [{"key": "X-Accent", "value": "café"}]})  # escaped as \u00e9, its only escape
    raw = {"compact": orjson.dumps(ev), "indented": json.dumps(ev, indent=2, ensure_ascii=False).encode(),
           "ascii": json.dumps(ev, ensure_ascii=True).encode()}[encoding]
    out = ok(lazy(fn, op) if op else fn(), raw)
    assert out.result == orjson.dumps(request_of(ev))


def test_duplicate_keys_are_written_as_before(fn):
    raw = orjson.dumps(event("viewer-request")).replace(b'"method":"GET"', b'"method":"PUT","method":"GET"')
    out = ok(fn(), raw)
    assert out.result.count(b'"method"') == 1 and out.value["method"] == "GET"  # the last value, as std.json keeps


# ---- the second function: void handle, options, several files ------------------------------------------------------


def test_void_handler_multi_file_and_options(fn):
    f = fn("tiny")
    out = ok(f, event("viewer-request"))
    assert out.value["headers"]["x-tiny"] == [{"key": "X-Tiny", "value": "hi from util.zig"}]
    # max_header_bytes = 64
    assert_handler_error(invoke(f, event("viewer-request", headers=header("X-Long", "v" * 65))),
                         "above the SDK's 64-byte limit", code=-5)
    # max_depth = 8
    ev = event("viewer-request")
    request_of(ev)["deep"] = [[[[[[[[[1]]]]]]]]]
    assert_handler_error(invoke(f, ev), "nested deeper than 8 levels", code=-2)
    # max_memory = 1 MiB: the allocation fails (handled by the function), the invocation succeeds
    out = ok(f, event("viewer-request", uri="/big"))
    assert out.value["headers"]["x-alloc"] == [{"key": "X-Alloc", "value": "failed"}]


# ---- AWS's examples (tests/functions/<name>/zig/main.zig) ----------------------------------------------------------


@pytest.fixture(scope="module")
def aws_function(runtime, tmp_path_factory) -> dict:
    """The Zig ports of AWS's examples, built (two at a time) into a temporary directory."""
    out = tmp_path_factory.mktemp("aws-examples-zig")

    def one(name: str) -> tuple[str, bytes]:
        return name, toolchain.build(aws_examples.FUNCTIONS / name / "zig", out=out / f"{name}.wasm").read_bytes()

    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(pool.map(one, aws_examples.NAMES))
    return {name: runtime.function(wasm, FunctionConfig(name=f"zig-{name}", isolation="reuse"))
            for name, wasm in built.items()}


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


# ---- static memory: a fresh instance's call grows no memory ---------------------------------------------------------


@pytest.mark.parametrize(("event_type", "op"), [
    ("viewer-request", None), ("viewer-request", "respond"), ("viewer-request", "modify"),
    ("origin-request", "modify"), ("origin-response", "response-modify"),
])
def test_a_typical_call_on_a_fresh_instance_grows_no_memory(fn, event_type, op):
    """The event and the arena's first 16 KiB are static (edge.static_event_bytes,
    edge.static_arena_bytes): growing linear memory is a system call plus page faults."""
    f = fn()
    out = ok(f, event(event_type, op=op))
    assert out.peak_memory == f.compiled.initial_memory


def test_events_beyond_the_static_memory_still_work(fn):
    f = fn()
    big = event("viewer-request", op="modify", headers=header("X-Big", "v" * 18_000))
    out = ok(f, big)
    assert out.peak_memory > f.compiled.initial_memory  # the event buffer came from the allocator
    reused = fn(isolation="reuse")
    for ev in (big, event("viewer-request", op="modify"), big, event("viewer-request", op="respond")):
        assert ok(reused, ev).value == ok(f, ev).value


# ---- reuse: memory stays bounded ---------------------------------------------------------------------------------


def test_reuse_500_invocations_without_memory_growth(runtime, wasm):
    f = runtime.function(wasm["full"], FunctionConfig(name="zig-reuse", isolation="reuse", max_reuse=1000))
    body = dict(BODY, data=base64.b64encode(b"x" * 30_000).decode())
    events = [
        orjson.dumps(event("origin-request", op="modify", method="POST", body=body)),
        orjson.dumps(event("viewer-request", op="accessors", uri="/a")),
        orjson.dumps(event("origin-response", op="response-modify")),
        orjson.dumps(event("viewer-request", op="logs")),
        orjson.dumps(event("viewer-request", op="bad-uri")),  # failures reset too
        b'{"Records": [',
    ]
    peaks = []
    previous_ok = False
    for i in range(500):
        out = f.invoke(events[i % len(events)])
        assert out.ok == (i % len(events) < 4), (i, out.error, out.message)
        assert out.instance_reused or not previous_ok  # the host replaces an instance after a failure
        previous_ok = out.ok
        peaks.append(out.peak_memory)
    assert peaks[-1] <= peaks[20] + 64 * 1024, (peaks[20], peaks[-1])
    assert max(peaks) < 4 * 1024 * 1024
    f.close()


def test_reuse_after_a_large_event_releases_it(runtime, wasm):
    f = runtime.function(wasm["full"], FunctionConfig(name="zig-reuse-big", isolation="reuse"))
    big = orjson.dumps(event("origin-request", method="POST", body=dict(BODY, data="QUJD" * 500_000)))
    small = orjson.dumps(event("viewer-request", op="accessors"))
    assert ok(f, big).ok
    for _ in range(3):
        assert ok(f, small).ok
    # linear memory never shrinks, but the next big event must fit in what is already there
    before = ok(f, small).peak_memory
    assert ok(f, big).peak_memory == before
    assert before < 8 * 1024 * 1024
    f.close()


# ---- toolchain and docs --------------------------------------------------------------------------------------------


def test_needs_build_tracks_zig_sources_and_the_sdk(tmp_path):
    src = tmp_path / "fn"
    src.mkdir()
    (src / "main.zig").write_text("const edge = @import(\"edge\");\npub fn handle(ev: *edge.Event) !void { _ = ev; }\n")
    (src / "util.zig").write_text("pub const x = 1;\n")
    wasm = toolchain.output_path(src)
    assert wasm == src / "build" / "fn.wasm"
    assert toolchain.needs_build(src, wasm)
    wasm.parent.mkdir()
    wasm.write_bytes(b"\0asm")
    future = time.time() + 10
    os.utime(wasm, (future, future))
    assert not toolchain.needs_build(src, wasm)
    os.utime(src / "util.zig", (future + 10, future + 10))
    assert toolchain.needs_build(src, wasm)  # any .zig next to main.zig
    os.utime(wasm, (future + 20, future + 20))
    assert not toolchain.needs_build(src, wasm)
    sdk_mtime = max(p.stat().st_mtime for p in toolchain.SDK_ZIG.glob("*.zig"))
    os.utime(wasm, (sdk_mtime - 1, sdk_mtime - 1))
    for p in src.glob("*.zig"):
        os.utime(p, (sdk_mtime - 2, sdk_mtime - 2))
    assert toolchain.needs_build(src, wasm)  # the SDK changed after the build


def test_zig_entry_file_rules(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "handler.zig").write_text("")
    assert toolchain.zig_main(tmp_path / "a") == tmp_path / "a" / "handler.zig"  # the only .zig file
    (tmp_path / "a" / "other.zig").write_text("")
    with pytest.raises(toolchain.ToolchainError, match="several .zig files"):
        toolchain.zig_main(tmp_path / "a")
    (tmp_path / "a" / "main.zig").write_text("")
    assert toolchain.zig_main(tmp_path / "a") == tmp_path / "a" / "main.zig"
    assert toolchain.exec_model(tmp_path / "a") == "reactor"
    (tmp_path / "a" / "edge-build.toml").write_text('exec_model = "command"\n')
    with pytest.raises(toolchain.ToolchainError, match="reactors"):
        toolchain.build(tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "build.zig").write_text("")
    with pytest.raises(toolchain.ToolchainError, match="no main.zig"):
        toolchain.build(tmp_path / "b")
    assert not (tmp_path / "b" / "build").exists()


def test_zig_command_wires_the_sdk():
    cmd = toolchain.zig_command(Path("/src/main.zig"), Path("/out/fn.wasm"), optimize="ReleaseSmall")
    assert cmd[1:4] == ["-m", "ziglang", "build-exe"]
    for flag in ("-fno-entry", "-fstrip", "--export=edge_handle", "--export=edge_alloc", "--export=edge_abi_version",
                 f"-Mroot={toolchain.SDK_ZIG_ENTRY}", "-Mapp=/src/main.zig", f"-Medge={toolchain.SDK_ZIG_MODULE}",
                 "-femit-bin=/out/fn.wasm"):
        assert flag in cmd, flag
    assert cmd[cmd.index("-O") + 1] == "ReleaseSmall"
    assert cmd[cmd.index("-target") + 1] == "wasm32-wasi"
    with pytest.raises(toolchain.ToolchainError, match="optimize"):
        toolchain.zig_command(Path("m.zig"), Path("o.wasm"), optimize="fastest")


def test_sdk_docs_cover_every_public_function():
    """Every `pub fn` of edge.zig has a doc comment with an example and is in sdk/zig/README.md."""
    source = toolchain.SDK_ZIG_MODULE.read_text()
    readme = (toolchain.SDK_ZIG / "README.md").read_text()
    lines_ = source.splitlines()
    names = []
    for i, line in enumerate(lines_):
        m = re.match(r"^\s*pub fn (\w+)\(", line)
        if not m or "callconv(.c)" in line:
            continue
        names.append(m[1])
        doc = []
        j = i - 1
        while j >= 0 and lines_[j].strip().startswith("///"):
            doc.append(lines_[j])
            j -= 1
        assert doc, f"pub fn {m[1]} has no doc comment"
        assert "`" in "".join(doc) or "e.g." in "".join(doc), f"pub fn {m[1]}: no example in its doc comment"
    assert {"uri", "set", "respond", "fail", "arena", "base64Decode", "next"} <= set(names)
    missing = sorted({n for n in names if f"{n}(" not in readme and n not in ("Reactor",)})
    assert not missing, f"undocumented in sdk/zig/README.md: {missing}"
