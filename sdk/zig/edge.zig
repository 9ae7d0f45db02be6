//! edge.zig — the Zig SDK for edge functions (guest ABI version 1, docs/abi.md).
//!
//! Write one function in `main.zig`, build it with `edge build DIR`, deploy the .wasm:
//!
//!     const std = @import("std");
//!     const edge = @import("edge");
//!
//!     pub fn handle(ev: *edge.Event) !void {          // viewer-request: redirect /old
//!         if (std.mem.eql(u8, ev.uri(), "/old")) {
//!             try ev.respond(301, null);                // a generated response
//!             try ev.responseHeaders().set("Location", "/new");
//!         }                                             // else: the request, unchanged
//!     }
//!
//! The SDK's entry file (`sdk/zig/entry.zig`, the build's root module) exports
//! `edge_abi_version` / `edge_alloc` / `edge_handle`, calls your `handle`, and writes
//! back the AWS result object with `std.json.Stringify`:
//!   - viewer-request / origin-request: the whole request object (with your changes
//!     and every untouched field), or the response you built with `ev.respond()`;
//!   - origin-response / viewer-response: the (modified) response object.
//!
//! The event is read when first needed: a short scan finds the hook before `handle`
//! runs; the first accessor, setter or headers call parses the whole Lambda@Edge event
//! JSON into `std.json.Value`s and checks it, and so does returning the request or response.
//! A handler that only answers with `ev.respond()` never parses the event. A request or
//! response that comes back unchanged is the host's own text.
//!
//! Memory: everything the SDK hands you (strings, `edge.fmt` results, `edge.arena()`
//! allocations) lives in a per-invocation arena that is reset at the start of the next
//! invocation, so `reuse` instances do not grow. Strings you pass in are copied.
//!
//! Errors: a malformed event (invalid JSON or UTF-8, missing fields, oversized headers,
//! ...) fails the invocation as soon as anything reads it: accessors return empty values,
//! setters return `error.InvalidEvent`, and when `handle` returns the SDK logs one ERROR
//! line naming the problem and returns a negative code (the host reports a handler
//! error, HTTP 503 in the pipeline). Parts nothing reads are not checked (the host
//! builds the events). Setters validate their arguments and return `error.InvalidArgument`
//! (changing nothing) after recording a precise message; when `handle` returns an
//! error, that message (or the error's name) is logged at ERROR and the invocation
//! fails with a negative code — never a trap. `return edge.fail("why {s}", .{x})`
//! fails on purpose; that message is the invocation's last ERROR line, which the host
//! reports as the failure.
//!
//! Tunables: declare `pub const edge_options: edge.Options = .{ ... };` in main.zig.
//!
//! Full reference with an example per function: sdk/zig/README.md.

const std = @import("std");
const builtin = @import("builtin");
const json = std.json;

pub const Value = json.Value;
pub const ObjectMap = json.ObjectMap;
pub const Allocator = std.mem.Allocator;

/// The ABI version `edge_abi_version` returns.
pub const abi_version: i32 = 1;

/// Limits, overridable with `pub const edge_options: edge.Options = .{ .max_memory = 8 << 20 };` in main.zig.
pub const Options = struct {
    /// Largest event accepted (bytes).
    max_event_bytes: u32 = 4 * 1024 * 1024,
    /// Arena cap per invocation (bytes).
    max_memory: usize = 64 * 1024 * 1024,
    /// Largest header name or value (CloudFront's request-header budget).
    max_header_bytes: usize = 20480,
    /// Header lines per headers object.
    max_headers: usize = 1024,
    /// JSON nesting depth.
    max_depth: usize = 64,
};

/// Negative return codes of `edge_handle` (the same values as the C SDK's EDGE_E*).
pub const Code = enum(i32) {
    ok = 0,
    /// `edge.fail()` or an error of your own from `handle`.
    fail = -1,
    /// The event is not valid JSON.
    json = -2,
    /// The event is not valid UTF-8 (or has a lone surrogate escape).
    utf8 = -3,
    /// The event lacks a field or has a wrong type.
    event = -4,
    /// The event exceeds an `Options` limit.
    too_big = -5,
    /// Out of memory (`Options.max_memory` or linear memory).
    no_mem = -6,
    /// An SDK function was called with a bad argument.
    arg = -7,
};

/// The errors SDK functions return. Anything else `handle` returns maps to `Code.fail`.
pub const Error = error{
    /// `edge.fail()`: the handler failed on purpose (the message is logged).
    Failed,
    /// A setter got a bad argument or was used in the wrong hook (nothing changed).
    InvalidArgument,
    /// The event has an invalid field (e.g. a body that is not valid base64).
    InvalidEvent,
    /// The arena is above `Options.max_memory`, or linear memory is exhausted.
    OutOfMemory,
};

/// The four Lambda@Edge hooks.
pub const Hook = enum(u8) {
    viewer_request = 1,
    origin_request = 2,
    origin_response = 3,
    viewer_response = 4,

    /// The AWS name: `edge.Hook.origin_request.name()` is "origin-request".
    pub fn name(h: Hook) []const u8 {
        return switch (h) {
            .viewer_request => "viewer-request",
            .origin_request => "origin-request",
            .origin_response => "origin-response",
            .viewer_response => "viewer-response",
        };
    }

    /// True for viewer-request and origin-request: `if (ev.eventType().isRequest()) ...`
    pub fn isRequest(h: Hook) bool {
        return h == .viewer_request or h == .origin_request;
    }
};

/// Log levels (`edge.log` levels 0..3).
pub const Level = enum(i32) { debug = 0, info = 1, warn = 2, err = 3 };

// ---- host import -----------------------------------------------------------------------

const host = struct {
    extern "edge" fn log(level: i32, ptr: [*]const u8, len: usize) void;
};

fn emit(level: Level, msg: []const u8) void {
    if (builtin.target.cpu.arch.isWasm()) {
        host.log(@intFromEnum(level), msg.ptr, msg.len);
    } else {
        std.debug.print("{s}: {s}\n", .{ @tagName(level), msg });
    }
}

// ---- state -----------------------------------------------------------------------------

var options: Options = .{};

var err_code: Code = .ok;
var err_tag: ?anyerror = null;
var err_buf: [512]u8 = undefined;
var err_len: usize = 0;
/// The event could not be read: its error stays the invocation's (record keeps it).
var err_sticky = false;

/// Records the message for the error `tag` (the latest wins, unless the event could not be read).
fn record(code: Code, tag: Error, comptime f: []const u8, args: anytype) void {
    if (err_sticky) return;
    var w: std.Io.Writer = .fixed(&err_buf);
    w.print(f, args) catch {};
    err_len = w.end;
    err_code = code;
    err_tag = tag;
}

fn argError(comptime f: []const u8, args: anytype) Error {
    record(.arg, error.InvalidArgument, f, args);
    return error.InvalidArgument;
}

/// The arena's first block and events up to `static_event_bytes` live in the module's own
/// static memory, inside its initial memory: wasm_allocator would grow linear memory on a
/// fresh instance's first call (a system call, and new pages that fault in and are released
/// again when the instance is torn down).
pub const static_arena_bytes: usize = 16384;
pub const static_event_bytes: usize = 16384;
var static_arena: [static_arena_bytes]u8 align(16) = undefined;
var static_event: [static_event_bytes]u8 align(16) = undefined;

/// The per-invocation arena (like the C SDK's): its first block static, the rest from
/// `std.heap.wasm_allocator`, freed together at the start of the next invocation and
/// counted against `Options.max_memory`.
/// Blocks are powers of two minus the allocator's own overhead: wasm_allocator rounds every
/// request (plus a word) up to a power of two, so these fill their size class exactly and
/// a freed block is reused by the next invocation of the same size class.
const Arena = struct {
    const Block = struct { next: ?*Block, size: usize, used: usize };
    const header = std.mem.alignForward(usize, @sizeOf(Block), 16);
    const min_block: usize = 65536;
    /// wasm_allocator's per-allocation overhead (a free-list word, and one more for big pages).
    const slack: usize = 32;
    const child = std.heap.wasm_allocator;
    const vtable: Allocator.VTable = .{ .alloc = alloc, .resize = resize, .remap = remap, .free = free };

    blocks: ?*Block = null,
    bytes: usize = 0,

    fn data(b: *Block) [*]u8 {
        return @as([*]u8, @ptrCast(b)) + header;
    }

    fn pow2(n: usize) ?usize {
        return std.math.ceilPowerOfTwo(usize, @max(n, min_block)) catch null;
    }

    fn oom(n: usize) ?[*]u8 {
        record(.no_mem, error.OutOfMemory, "out of memory: this invocation needs more than {d} bytes of SDK memory (max_memory; {d} more requested)", .{ options.max_memory, n });
        return null;
    }

    fn alloc(ctx: *anyopaque, n: usize, alignment: std.mem.Alignment, ra: usize) ?[*]u8 {
        const a: *Arena = @ptrCast(@alignCast(ctx));
        const al = alignment.toByteUnits();
        if (a.blocks) |b| {
            const start = std.mem.alignForward(usize, @intFromPtr(data(b)) + b.used, al) - @intFromPtr(data(b));
            if (start + n <= b.size) {
                b.used = start + n;
                return data(b) + start;
            }
        }
        if (n > options.max_memory) return oom(n);
        if (a.blocks == null and n + al + header <= static_arena.len and static_arena.len <= options.max_memory) {
            const sb: *Block = @ptrCast(@alignCast(&static_arena));
            sb.* = .{ .next = null, .size = static_arena.len - header, .used = 0 };
            const at = std.mem.alignForward(usize, @intFromPtr(data(sb)), al) - @intFromPtr(data(sb));
            sb.used = at + n;
            a.blocks = sb;
            a.bytes = static_arena.len;
            return data(sb) + at;
        }
        const size = pow2(n + al + header + slack) orelse return oom(n);
        if (a.bytes + size > options.max_memory) return oom(n);
        const raw = child.rawAlloc(size - slack, .of(Block), ra) orelse {
            record(.no_mem, error.OutOfMemory, "out of memory: linear memory is exhausted ({d} bytes requested)", .{n});
            return null;
        };
        a.bytes += size;
        const nb: *Block = @ptrCast(@alignCast(raw));
        nb.* = .{ .next = null, .size = size - slack - header, .used = 0 };
        const start = std.mem.alignForward(usize, @intFromPtr(data(nb)), al) - @intFromPtr(data(nb));
        nb.used = start + n;
        if (a.blocks) |b| {
            if (nb.size - nb.used < b.size - b.used) { // the current block has more room left: keep filling it
                nb.next = b.next;
                b.next = nb;
                return data(nb) + start;
            }
        }
        nb.next = a.blocks;
        a.blocks = nb;
        return data(nb) + start;
    }

    /// True if `memory` is the last allocation of the current block (it can grow or shrink in place).
    fn isLast(a: *Arena, memory: []u8) ?*Block {
        const b = a.blocks orelse return null;
        if (@intFromPtr(memory.ptr) + memory.len == @intFromPtr(data(b)) + b.used) return b;
        return null;
    }

    fn resize(ctx: *anyopaque, memory: []u8, alignment: std.mem.Alignment, new_len: usize, ra: usize) bool {
        _ = alignment;
        _ = ra;
        const a: *Arena = @ptrCast(@alignCast(ctx));
        const b = a.isLast(memory) orelse return new_len <= memory.len;
        const start = @intFromPtr(memory.ptr) - @intFromPtr(data(b));
        if (start + new_len > b.size) return false;
        b.used = start + new_len;
        return true;
    }

    fn remap(ctx: *anyopaque, memory: []u8, alignment: std.mem.Alignment, new_len: usize, ra: usize) ?[*]u8 {
        return if (resize(ctx, memory, alignment, new_len, ra)) memory.ptr else null;
    }

    fn free(ctx: *anyopaque, memory: []u8, alignment: std.mem.Alignment, ra: usize) void {
        _ = alignment;
        _ = ra;
        const a: *Arena = @ptrCast(@alignCast(ctx));
        if (a.isLast(memory)) |b| b.used -= memory.len;
    }

    /// Frees every block (they go back to wasm_allocator's free lists for the next invocation).
    fn reset(a: *Arena) void {
        var it = a.blocks;
        while (it) |b| {
            it = b.next;
            if (@intFromPtr(b) == @intFromPtr(&static_arena)) continue;
            child.rawFree(@as([*]u8, @ptrCast(b))[0 .. b.size + header], .of(Block), 0);
        }
        a.blocks = null;
        a.bytes = 0;
    }
};

var arena_state: Arena = .{};
var input_buf: []u8 = &.{};
var current: Event = undefined;
var null_value: Value = .null;

/// The invocation's arena: scratch memory freed after this invocation.
/// `const buf = try edge.arena().alloc(u8, 256);`
/// `var list: std.ArrayList(u8) = .empty; try list.appendSlice(edge.arena(), "x");`
pub fn arena() Allocator {
    return .{ .ptr = &arena_state, .vtable = &Arena.vtable };
}

fn dupe(s: []const u8) Error![]const u8 {
    return arena().dupe(u8, s) catch error.OutOfMemory;
}

// ---- logging ---------------------------------------------------------------------------

/// One log line, not formatted: `edge.log(.info, "cache miss");`
pub fn log(level: Level, message: []const u8) void {
    emit(level, message);
}

/// One formatted log line (std.fmt syntax): `edge.logf(.warn, "slow origin {s}", .{domain});`
pub fn logf(level: Level, comptime f: []const u8, args: anytype) void {
    var small: [512]u8 = undefined;
    var w: std.Io.Writer = .fixed(&small);
    if (w.print(f, args)) |_| {
        emit(level, w.buffered());
    } else |_| {
        if (std.fmt.allocPrint(arena(), f, args)) |big| {
            emit(level, big);
        } else |_| {
            emit(level, w.buffered()); // truncated rather than lost
        }
    }
}

/// DEBUG line: `edge.debug("cookie count {d}", .{n});`
pub fn debug(comptime f: []const u8, args: anytype) void {
    logf(.debug, f, args);
}
/// INFO line: `edge.info("Request uri set to \"{s}\"", .{ev.uri()});`
pub fn info(comptime f: []const u8, args: anytype) void {
    logf(.info, f, args);
}
/// WARN line: `edge.warn("partial body ({d} bytes)", .{body.len});`
pub fn warn(comptime f: []const u8, args: anytype) void {
    logf(.warn, f, args);
}
/// ERROR line (the invocation continues): `edge.err("bad cookie {s}", .{c});`
pub fn err(comptime f: []const u8, args: anytype) void {
    logf(.err, f, args);
}

/// Fail the invocation with a message: returned from `handle`, it is logged as the invocation's
/// last ERROR line, which the host reports as the failure:
/// `return edge.fail("no origin for {s}", .{ev.uri()});`
pub fn fail(comptime f: []const u8, args: anytype) Error {
    if (err_sticky) logf(.err, f, args); // the unreadable event's error stays the last line
    record(.fail, error.Failed, f, args);
    return error.Failed;
}

/// A `std.Options.logFn` sending `std.log` to the host (entry.zig installs it):
/// `std.log.info("x={d}", .{x})` logs "x=1" at INFO.
pub fn stdLogFn(comptime level: std.log.Level, comptime scope: @EnumLiteral(), comptime f: []const u8, args: anytype) void {
    const prefix = if (scope == .default) "" else "(" ++ @tagName(scope) ++ ") ";
    const lvl: Level = switch (level) {
        .debug => .debug,
        .info => .info,
        .warn => .warn,
        .err => .err,
    };
    logf(lvl, prefix ++ f, args);
}

/// The panic handler entry.zig installs (`pub const panic = std.debug.FullPanic(edge.panicHandler);`):
/// logs "panic: <message>" at ERROR, then traps.
pub fn panicHandler(msg: []const u8, first_trace_addr: ?usize) noreturn {
    _ = first_trace_addr;
    logf(.err, "panic: {s}", .{msg});
    @trap();
}

// ---- helpers ---------------------------------------------------------------------------

/// A formatted string in the arena: `try ev.setUri(try edge.fmt("/mobile{s}", .{ev.uri()}));`
pub fn fmt(comptime f: []const u8, args: anytype) Error![]u8 {
    return std.fmt.allocPrint(arena(), f, args) catch error.OutOfMemory;
}

/// True if `s` is valid UTF-8 (no overlongs, surrogates or > U+10FFFF):
/// `if (!edge.utf8Valid(v)) return edge.fail("bad input", .{});`
pub fn utf8Valid(s: []const u8) bool {
    // std.unicode.utf8ValidateSlice's ASCII fast path reads words with std.mem.readInt, a byte
    // loop in ReleaseSmall wasm: this one skips ASCII eight bytes at a time (same answers).
    var i: usize = 0;
    while (i < s.len) {
        if (i + 8 <= s.len) {
            const high = load8(s, i) & high8;
            if (high == 0) {
                i += 8;
                continue;
            }
            i += first8(high);
        }
        if (s[i] < 0x80) {
            i += 1;
            continue;
        }
        const n = std.unicode.utf8ByteSequenceLength(s[i]) catch return false;
        if (i + n > s.len) return false;
        _ = std.unicode.utf8Decode(s[i .. i + n]) catch return false;
        i += n;
    }
    return true;
}

/// Standard base64 with padding: `const b64 = try edge.base64Encode("user:pass");` -> "dXNlcjpwYXNz"
pub fn base64Encode(data: []const u8) Error![]u8 {
    const enc = std.base64.standard.Encoder;
    const out = arena().alloc(u8, enc.calcSize(data.len)) catch return error.OutOfMemory;
    _ = enc.encode(out, data);
    return out;
}

/// Decoded bytes, or null if `s` is not valid base64; padding optional:
/// `const raw = (try edge.base64Decode(token)) orelse return edge.fail("bad token", .{});`
pub fn base64Decode(s: []const u8) Error!?[]u8 {
    var len = s.len;
    var pad: usize = 0;
    while (len > 0 and s[len - 1] == '=' and pad < 2) : (pad += 1) len -= 1;
    if (len % 4 == 1 or (pad > 0 and (len + pad) % 4 != 0)) return null;
    const dec = std.base64.standard_no_pad.Decoder;
    const n = dec.calcSizeForSlice(s[0..len]) catch return null;
    const out = arena().alloc(u8, n) catch return error.OutOfMemory;
    dec.decode(out, s[0..len]) catch return null;
    return out;
}

fn hexVal(c: u8) ?u8 {
    return switch (c) {
        '0'...'9' => c - '0',
        'a'...'f' => c - 'a' + 10,
        'A'...'F' => c - 'A' + 10,
        else => null,
    };
}

/// Percent-decoding; `plus_as_space` for forms and query strings. Invalid %xx stays literal.
/// `const path = try edge.urlDecode(ev.uri(), false);`
pub fn urlDecode(s: []const u8, plus_as_space: bool) Error![]u8 {
    const out = arena().alloc(u8, s.len) catch return error.OutOfMemory;
    var o: usize = 0;
    var i: usize = 0;
    while (i < s.len) : (i += 1) {
        var c = s[i];
        if (c == '+' and plus_as_space) {
            c = ' ';
        } else if (c == '%' and i + 2 < s.len) {
            if (hexVal(s[i + 1])) |hi| if (hexVal(s[i + 2])) |lo| {
                c = hi * 16 + lo;
                i += 2;
            };
        }
        out[o] = c;
        o += 1;
    }
    return out[0..o];
}

/// One decoded `name=value` pair of a form or query string.
pub const FormField = struct { name: []const u8, value: []const u8 };

/// Iterates `a=1&b=x+y` pairs (query strings, x-www-form-urlencoded bodies), decoded;
/// empty pairs are skipped. Create with `edge.form(text)`.
pub const FormIterator = struct {
    rest: []const u8,

    /// The next pair, or null at the end:
    /// `var it = edge.form(ev.querystring()); while (try it.next()) |f| edge.info("{s}={s}", .{ f.name, f.value });`
    pub fn next(it: *FormIterator) Error!?FormField {
        while (it.rest.len > 0) {
            const amp = std.mem.indexOfScalar(u8, it.rest, '&') orelse it.rest.len;
            const pair = it.rest[0..amp];
            it.rest = if (amp < it.rest.len) it.rest[amp + 1 ..] else it.rest[it.rest.len..];
            if (pair.len == 0) continue;
            const eq = std.mem.indexOfScalar(u8, pair, '=');
            const raw_name = if (eq) |e| pair[0..e] else pair;
            const raw_value = if (eq) |e| pair[e + 1 ..] else "";
            return .{ .name = try urlDecode(raw_name, true), .value = try urlDecode(raw_value, true) };
        }
        return null;
    }
};

/// An iterator over the pairs of a query string or form body:
/// `var it = edge.form(ev.querystring()); while (try it.next()) |f| ...`
pub fn form(text: []const u8) FormIterator {
    return .{ .rest = text };
}

/// An environment variable of the function (manifest `env`, FunctionConfig.env), or null:
/// `const creds = edge.env("EDGE_BASIC_AUTH") orelse return edge.fail("not configured", .{});`
pub fn env(name: []const u8) ?[]const u8 {
    if (!builtin.target.cpu.arch.isWasm()) return null;
    const wasi = std.os.wasi;
    var count: usize = 0;
    var size: usize = 0;
    if (wasi.environ_sizes_get(&count, &size) != .SUCCESS or count == 0) return null;
    const ptrs = arena().alloc([*:0]u8, count) catch return null;
    const buf = arena().alloc(u8, size) catch return null;
    if (wasi.environ_get(ptrs.ptr, buf.ptr) != .SUCCESS) return null;
    for (ptrs) |p| {
        const entry = std.mem.sliceTo(p, 0);
        if (entry.len > name.len and entry[name.len] == '=' and std.mem.eql(u8, entry[0..name.len], name))
            return entry[name.len + 1 ..];
    }
    return null;
}

fn randomBytes(buf: []u8) void {
    if (builtin.target.cpu.arch.isWasm()) {
        _ = std.os.wasi.random_get(buf.ptr, buf.len);
    } else {
        @memset(buf, 0x5a);
    }
}

/// 32 random bits from WASI random_get: `const bucket = edge.randomU32() % 100;`
pub fn randomU32() u32 {
    var b: [4]u8 = undefined;
    randomBytes(&b);
    return std.mem.readInt(u32, &b, .little);
}

/// A random float in [0, 1): `if (edge.random() < 0.75) try ev.setUri("/a.html");`
pub fn random() f64 {
    var b: [8]u8 = undefined;
    randomBytes(&b);
    const v = std.mem.readInt(u64, &b, .little) >> 11;
    return @as(f64, @floatFromInt(v)) * (1.0 / 9007199254740992.0);
}

/// The standard reason phrase for a status ("" if unknown): `edge.reasonPhrase(404)` -> "Not Found".
pub fn reasonPhrase(status: u16) []const u8 {
    return switch (status) {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        else => "",
    };
}

// ---- argument checks -------------------------------------------------------------------

const Ctl = enum { allow, forbid, forbid_but_tab };

fn checkText(comptime func: []const u8, comptime what: []const u8, s: []const u8, ctl: Ctl) Error!void {
    if (!utf8Valid(s)) return argError(func ++ ": " ++ what ++ " is not valid UTF-8", .{});
    if (ctl == .allow) return;
    for (s, 0..) |c, i| {
        if ((c < 0x20 and !(ctl == .forbid_but_tab and c == '\t')) or c == 0x7f)
            return argError(func ++ ": " ++ what ++ " contains control character 0x{x} at byte {d}", .{ c, i });
    }
}

fn clip(s: []const u8) []const u8 {
    return s[0..@min(s.len, 64)];
}

fn isTchar(c: u8) bool {
    return std.ascii.isAlphanumeric(c) or std.mem.indexOfScalar(u8, "!#$%&'*+-.^_`|~", c) != null;
}

// ---- the event ---------------------------------------------------------------------------

fn objPtr(v: ?*Value) ?*ObjectMap {
    const p = v orelse return null;
    return switch (p.*) {
        .object => &p.object,
        else => null,
    };
}

fn field(m: ?*ObjectMap, key: []const u8) ?*Value {
    return lookup(m orelse return null, key);
}

/// Byte equality. (std.mem.eql reads words with std.mem.readInt, which ReleaseSmall wasm code
/// does a byte at a time with shifts: several hundred instructions for a short name.)
fn same(a: []const u8, b: []const u8) bool {
    if (a.len != b.len) return false;
    for (a, b) |x, y| {
        if (x != y) return false;
    }
    return true;
}

/// `m.getPtr(key)` without hashing the key: the event's objects are small, and a linear scan
/// with `same` costs a fraction of a hash (see `same`).
fn lookup(m: *ObjectMap, key: []const u8) ?*Value {
    for (m.keys(), m.values()) |k, *v| {
        if (same(k, key)) return v;
    }
    return null;
}

fn strField(m: ?*ObjectMap, key: []const u8) ?[]const u8 {
    const v = field(m, key) orelse return null;
    return switch (v.*) {
        .string => |s| s,
        else => null,
    };
}

fn putStr(m: *ObjectMap, key: []const u8, s: []const u8) Error!void {
    const k = try dupe(key);
    const v = try dupe(s);
    m.put(arena(), k, .{ .string = v }) catch return error.OutOfMemory;
}

/// One invocation's event. `handle` receives a pointer to it; it is valid during `handle` only.
///
/// The event is read when first needed: the hook comes from a short scan of the event's first
/// bytes before `handle` runs; the first accessor, setter or headers call parses and checks the
/// whole event (with std.json), and so does returning the request or response. A handler that
/// answers with `respond` without reading anything never parses the event.
pub const Event = struct {
    /// The hook (also `eventType()`).
    hook: Hook,
    /// Internal: the parsed event (`root()`) and `Records[0].cf` once read, whether anything in
    /// it may have changed, the response generated by `respond`, the decoded body.
    parsed: Value = .null,
    cf_map: *ObjectMap = undefined,
    state: enum { unread, ok, failed } = .unread,
    changed: bool = false,
    generated: ?Value = null,
    body_done: bool = false,
    body_cache: ?[]const u8 = null,

    // -- reading the event --

    /// True if the event is parsed and checked (parsing it now if needed). A failure is recorded
    /// as the invocation's error: it fails when `handle` returns, whatever `handle` does.
    fn ready(ev: *Event) bool {
        if (ev.state == .unread) {
            ev.state = .failed;
            if (load(ev)) ev.state = .ok else |_| {
                err_sticky = true;
            }
        }
        return ev.state == .ok;
    }

    /// For setters: error.InvalidEvent when the event cannot be read.
    fn need(ev: *Event) Error!void {
        if (!ev.ready()) return error.InvalidEvent;
    }

    // -- resolution (re-done on each call: maps may grow and move) --

    fn request(ev: *Event) ?*ObjectMap {
        if (!ev.ready()) return null;
        return &lookup(ev.cf_map, "request").?.object;
    }

    fn response(ev: *Event) ?*ObjectMap {
        if (ev.generated) |*g| return &g.object;
        if (ev.hook.isRequest() or !ev.ready()) return null;
        return objPtr(lookup(ev.cf_map, "response"));
    }

    fn originKind(ev: *Event) ?*ObjectMap {
        const origin = objPtr(field(ev.request(), "origin"));
        if (objPtr(field(origin, "custom"))) |k| return k;
        return objPtr(field(origin, "s3"));
    }

    fn requestHookOnly(ev: *Event, comptime func: []const u8) Error!void {
        try ev.need();
        if (!ev.hook.isRequest())
            return argError(func ++ ": the request can only be changed in viewer-request and origin-request (this is {s})", .{ev.hook.name()});
        ev.changed = true;
    }

    /// The whole event as a std.json.Value (`{"Records":[{"cf":{...}}]}`), for anything the
    /// accessors do not cover (`.null` if the event cannot be read). Changes made through it are
    /// sent back. Prefer `getValue` / `setString`:
    /// `const cf = ev.root().object.get("Records").?.array.items[0];`
    pub fn root(ev: *Event) *Value {
        if (!ev.ready()) return &null_value;
        ev.changed = true;
        return &ev.parsed;
    }

    // -- the event --

    /// Which hook runs: `if (ev.eventType() == .origin_request) ...`
    pub fn eventType(ev: *const Event) Hook {
        return ev.hook;
    }

    /// The hook's AWS name: `edge.info("at {s}", .{ev.eventTypeName()});` logs "at viewer-request".
    pub fn eventTypeName(ev: *const Event) []const u8 {
        return ev.hook.name();
    }

    /// True in viewer-request / origin-request: `if (!ev.isRequestHook()) return;`
    pub fn isRequestHook(ev: *const Event) bool {
        return ev.hook.isRequest();
    }

    /// config.requestId (the X-Amz-Cf-Id value), or null:
    /// `if (ev.requestId()) |id| try ev.requestHeaders().set("X-Request-Id", id);`
    pub fn requestId(ev: *Event) ?[]const u8 {
        if (!ev.ready()) return null;
        return strField(objPtr(lookup(ev.cf_map, "config")), "requestId");
    }

    // -- the request --

    /// Path without query string: `if (std.mem.eql(u8, ev.uri(), "/")) try ev.setUri("/index.html");`
    pub fn uri(ev: *Event) []const u8 {
        return strField(ev.request(), "uri") orelse "";
    }

    /// "GET", "POST", ...: `if (std.mem.eql(u8, ev.method(), "POST")) ...`
    pub fn method(ev: *Event) []const u8 {
        return strField(ev.request(), "method") orelse "";
    }

    /// Raw query string without '?' ("a=1&b=2"; "" when absent): `if (ev.querystring().len == 0) ...`
    pub fn querystring(ev: *Event) []const u8 {
        return strField(ev.request(), "querystring") orelse "";
    }

    /// The viewer's IP ("203.0.113.178"): `edge.info("from {s}", .{ev.clientIp()});`
    pub fn clientIp(ev: *Event) []const u8 {
        return strField(ev.request(), "clientIp") orelse "";
    }

    /// The request's headers: `const ua = ev.requestHeaders().get("user-agent");`
    pub fn requestHeaders(ev: *Event) Headers {
        return .{ .ev = ev, .which = .request };
    }

    /// Change the URI (request hooks): `try ev.setUri("/index.html");`
    /// Must start with '/' and contain no control characters.
    pub fn setUri(ev: *Event, new_uri: []const u8) Error!void {
        try ev.requestHookOnly("setUri");
        try checkText("setUri", "uri", new_uri, .forbid);
        if (new_uri.len == 0 or new_uri[0] != '/')
            return argError("setUri: the uri must start with '/' (got \"{s}\")", .{clip(new_uri)});
        try putStr(ev.request().?, "uri", new_uri);
    }

    /// Change the query string (request hooks), without '?': `try ev.setQuerystring("v=2");`
    /// No spaces, control characters or '#'.
    pub fn setQuerystring(ev: *Event, qs: []const u8) Error!void {
        try ev.requestHookOnly("setQuerystring");
        try checkText("setQuerystring", "querystring", qs, .forbid);
        for (qs, 0..) |c, i| {
            if (c == ' ' or c == '#')
                return argError("setQuerystring: the query string may not contain '{c}' (byte {d})", .{ c, i });
        }
        try putStr(ev.request().?, "querystring", qs);
    }

    /// True if the event has a body (include-body associations): `if (!ev.hasBody()) return edge.fail("no body", .{});`
    pub fn hasBody(ev: *Event) bool {
        return field(ev.request(), "body") != null;
    }

    /// The body's decoded bytes (base64 is decoded for you), or null without a body.
    /// `const b = (try ev.body()) orelse "";`
    pub fn body(ev: *Event) Error!?[]const u8 {
        try ev.need();
        if (!ev.body_done) {
            const b = objPtr(field(ev.request(), "body"));
            if (strField(b, "data")) |data| {
                const enc = strField(b, "encoding");
                if (enc != null and same(enc.?, "text")) {
                    ev.body_cache = data;
                } else {
                    ev.body_cache = (try base64Decode(data)) orelse {
                        record(.event, error.InvalidEvent, "invalid event: Records[0].cf.request.body.data is not valid base64", .{});
                        return error.InvalidEvent;
                    };
                }
            }
            ev.body_done = true;
        }
        return ev.body_cache;
    }

    /// True if CloudFront truncated the body (body.inputTruncated): `if (ev.bodyTruncated()) edge.warn("partial", .{});`
    pub fn bodyTruncated(ev: *Event) bool {
        const t = field(objPtr(field(ev.request(), "body")), "inputTruncated") orelse return false;
        return t.* == .bool and t.bool;
    }

    /// Replace the body sent to the origin (action "replace", encoding "base64"):
    /// `try ev.setRequestBody("{}");`
    pub fn setRequestBody(ev: *Event, data: []const u8) Error!void {
        try ev.requestHookOnly("setRequestBody");
        const b = objPtr(field(ev.request(), "body")) orelse
            return argError("setRequestBody: the event has no body (enable include-body on the association)", .{});
        const b64 = try base64Encode(data);
        try putStr(b, "action", "replace");
        try putStr(b, "encoding", "base64");
        try putStr(b, "data", b64);
        ev.body_done = false;
    }

    /// Replace the body sent to the origin with UTF-8 text, sent as is (action "replace",
    /// encoding "text"): `try ev.setRequestBodyText("name=Jane&comment=edited");`
    pub fn setRequestBodyText(ev: *Event, text: []const u8) Error!void {
        try ev.requestHookOnly("setRequestBodyText");
        try checkText("setRequestBodyText", "the text", text, .allow);
        const b = objPtr(field(ev.request(), "body")) orelse
            return argError("setRequestBodyText: the event has no body (enable include-body on the association)", .{});
        try putStr(b, "action", "replace");
        try putStr(b, "encoding", "text");
        try putStr(b, "data", text);
        ev.body_done = false;
    }

    /// origin.custom.domainName or origin.s3.domainName (origin-request), else null:
    /// `if (ev.originDomain()) |d| edge.info("origin {s}", .{d});`
    pub fn originDomain(ev: *Event) ?[]const u8 {
        return strField(ev.originKind(), "domainName");
    }

    /// Change the origin's domain, for whichever origin kind the event has:
    /// `try ev.setOriginDomain("eu.example.com");`
    pub fn setOriginDomain(ev: *Event, domain: []const u8) Error!void {
        try ev.requestHookOnly("setOriginDomain");
        try checkText("setOriginDomain", "domain", domain, .forbid);
        const k = ev.originKind() orelse
            return argError("setOriginDomain: the event has no origin (only origin-request has one)", .{});
        if (domain.len == 0) return argError("setOriginDomain: the domain name is empty", .{});
        try putStr(k, "domainName", domain);
    }

    /// The origin's customHeaders (an empty handle without an origin):
    /// `try ev.originHeaders().set("X-Token", token);`
    pub fn originHeaders(ev: *Event) Headers {
        return .{ .ev = ev, .which = .origin };
    }

    // -- responses --

    /// Request hooks: answer without going to the cache/origin. Replaces any earlier
    /// `respond`. `description` null = the standard reason phrase.
    /// `try ev.respond(302, "Found"); try ev.responseHeaders().set("Location", url);`
    pub fn respond(ev: *Event, status_code: u16, description: ?[]const u8) Error!void {
        if (!ev.hook.isRequest())
            return argError("respond: responses are generated in viewer-request and origin-request; in {s} change the response with setStatus/responseHeaders().set/setBody", .{ev.hook.name()});
        try statusArgs("respond", status_code, description);
        var resp: ObjectMap = .empty;
        try putStatus(&resp, status_code, description);
        resp.put(arena(), "headers", .{ .object = .empty }) catch return error.OutOfMemory;
        ev.generated = .{ .object = resp };
    }

    /// The response being returned: the generated one (after `respond`) or, in response
    /// hooks, the origin's. An empty handle in a request hook without `respond`.
    /// `try ev.responseHeaders().set("X-Frame-Options", "DENY");`
    pub fn responseHeaders(ev: *Event) Headers {
        return .{ .ev = ev, .which = .response };
    }

    /// Response status as text ("200"), or null without a response:
    /// `edge.info("{s} {s}", .{ ev.status() orelse "-", ev.statusDescription() orelse "-" });`
    pub fn status(ev: *Event) ?[]const u8 {
        const v = field(ev.response(), "status") orelse return null;
        return switch (v.*) {
            .string, .number_string => |s| s,
            else => null,
        };
    }

    /// Response status as a number (0 without a response):
    /// `if (ev.statusCode() == 404) try ev.setStatus(200, null);`
    pub fn statusCode(ev: *Event) u16 {
        const s = ev.status() orelse return 0;
        var v: u32 = 0;
        for (s[0..@min(s.len, 4)]) |c| {
            if (c < '0' or c > '9') break;
            v = v * 10 + (c - '0');
        }
        return @intCast(@min(v, 9999));
    }

    /// The status description ("OK"), or null: `const d = ev.statusDescription() orelse "";`
    pub fn statusDescription(ev: *Event) ?[]const u8 {
        return strField(ev.response(), "statusDescription");
    }

    /// Change the status (200..599); `description` null = the reason phrase:
    /// `try ev.setStatus(404, "Not Found");`
    pub fn setStatus(ev: *Event, status_code: u16, description: ?[]const u8) Error!void {
        ev.changed = true;
        const resp = ev.response() orelse return ev.noResponse() orelse argError("setStatus: no response to change (in a request hook call respond first)", .{});
        try statusArgs("setStatus", status_code, description);
        try putStatus(resp, status_code, description);
    }

    /// Set a UTF-8 text body (no bodyEncoding, i.e. "text"): `try ev.setBody("<h1>Hi</h1>");`
    pub fn setBody(ev: *Event, text: []const u8) Error!void {
        ev.changed = true;
        const resp = ev.response() orelse return ev.noResponse() orelse argError("setBody: no response to change (in a request hook call respond first; setRequestBody replaces the request body)", .{});
        try checkText("setBody", "the body", text, .allow);
        try putStr(resp, "body", text);
        _ = resp.orderedRemove("bodyEncoding");
    }

    /// Set a binary body (base64-encoded for you, bodyEncoding "base64"): `try ev.setBodyBytes(gif);`
    pub fn setBodyBytes(ev: *Event, data: []const u8) Error!void {
        ev.changed = true;
        const resp = ev.response() orelse return ev.noResponse() orelse argError("setBodyBytes: no response to change (in a request hook call respond first)", .{});
        const b64 = try base64Encode(data);
        try putStr(resp, "body", b64);
        try putStr(resp, "bodyEncoding", "base64");
    }

    /// error.InvalidEvent if there is no response because the event cannot be read, else null.
    fn noResponse(ev: *Event) ?Error {
        return if (ev.state == .failed) error.InvalidEvent else null;
    }

    // -- any other field --

    fn walk(ev: *Event, path: []const u8) ?*Value {
        if (!ev.ready()) return null;
        var it = std.mem.splitScalar(u8, path, '.');
        var node: *Value = lookup(ev.cf_map, it.first()) orelse return null;
        while (it.next()) |seg| {
            node = switch (node.*) {
                .object => |*m| lookup(m, seg) orelse return null,
                .array => |*a| blk: {
                    const idx = std.fmt.parseUnsigned(usize, seg, 10) catch return null;
                    if (idx >= a.items.len) return null;
                    break :blk &a.items[idx];
                },
                else => return null,
            };
        }
        return node;
    }

    /// The std.json.Value at a dot-separated path relative to Records[0].cf (numbers index
    /// arrays), or null: `if (ev.getValue("request.origin.custom.sslProtocols")) |v| for (v.array.items) |p| ...`
    pub fn getValue(ev: *Event, path: []const u8) ?*Value {
        const v = ev.walk(path) orelse return null;
        ev.changed = true; // it may be changed through the pointer
        return v;
    }

    /// A string, number (as text) or "true"/"false" at a path relative to Records[0].cf;
    /// null if missing or an object/array:
    /// `const port = ev.get("request.origin.custom.port");` -> "443"
    pub fn get(ev: *Event, path: []const u8) ?[]const u8 {
        const v = ev.walk(path) orelse return null;
        return switch (v.*) {
            .string, .number_string => |s| s,
            .bool => |b| if (b) "true" else "false",
            .integer => |i| fmt("{d}", .{i}) catch null,
            .float => |f| fmt("{d}", .{f}) catch null,
            else => null,
        };
    }

    fn setPath(ev: *Event, comptime func: []const u8, path: []const u8, val: Value) Error!void {
        try guard(func, path, change(val));
        try ev.need();
        ev.changed = true;
        const dot = std.mem.lastIndexOfScalar(u8, path, '.');
        const parent: ?*ObjectMap = if (dot) |d| objPtr(ev.walk(path[0..d])) else ev.cf_map;
        const last = if (dot) |d| path[d + 1 ..] else path;
        const p = parent orelse
            return argError(func ++ ": \"{s}\" does not name a field of an existing object", .{path[0..@min(path.len, 128)]});
        if (last.len == 0)
            return argError(func ++ ": \"{s}\" does not name a field of an existing object", .{path[0..@min(path.len, 128)]});
        const container = val == .object or val == .array;
        if (!container) if (lookup(p, last)) |old| switch (old.*) {
            .object, .array => return argError(func ++ ": \"{s}\" is an object or array; set its fields instead (or replace it with setObject/setArray)", .{path[0..@min(path.len, 128)]}),
            else => {},
        };
        const k = try dupe(last);
        p.put(arena(), k, val) catch return error.OutOfMemory;
        ev.body_done = false; // the path may lead into request.body
    }

    /// Set a string field; the parent object must exist:
    /// `try ev.setString("request.origin.custom.path", "/v2");`
    pub fn setString(ev: *Event, path: []const u8, value: []const u8) Error!void {
        try checkText("setString", "value", value, .allow);
        try ev.setPath("setString", path, .{ .string = try dupe(value) });
    }

    /// Set a number field; the parent object must exist:
    /// `try ev.setNumber("request.origin.custom.port", 8443);`
    pub fn setNumber(ev: *Event, path: []const u8, value: i64) Error!void {
        try ev.setPath("setNumber", path, .{ .number_string = try fmt("{d}", .{value}) });
    }

    /// Set a boolean field; the parent object must exist:
    /// `try ev.setBool("request.body.x", true);`
    pub fn setBool(ev: *Event, path: []const u8, value: bool) Error!void {
        try ev.setPath("setBool", path, .{ .bool = value });
    }

    /// Put an empty object at path, replacing what is there; the parent object must exist:
    /// `try ev.setObject("request.origin"); try ev.setObject("request.origin.s3");`
    pub fn setObject(ev: *Event, path: []const u8) Error!void {
        try ev.setPath("setObject", path, .{ .object = .empty });
    }

    /// Put an empty array at path, replacing what is there; the parent object must exist:
    /// `try ev.setArray("request.origin.custom.sslProtocols");`
    pub fn setArray(ev: *Event, path: []const u8) Error!void {
        try ev.setPath("setArray", path, .{ .array = json.Array.init(arena()) });
    }

    /// Append a string to the array at path:
    /// `try ev.appendString("request.origin.custom.sslProtocols", "TLSv1.2");`
    pub fn appendString(ev: *Event, path: []const u8, value: []const u8) Error!void {
        try guard("appendString", path, .inside);
        try checkText("appendString", "value", value, .allow);
        try ev.need();
        ev.changed = true;
        const v = ev.walk(path) orelse
            return argError("appendString: \"{s}\" is not an array (create it with setArray)", .{path[0..@min(path.len, 128)]});
        switch (v.*) {
            .array => |*a| a.append(.{ .string = try dupe(value) }) catch return error.OutOfMemory,
            else => return argError("appendString: \"{s}\" is not an array (create it with setArray)", .{path[0..@min(path.len, 128)]}),
        }
    }

    /// Remove an object field or array element; true if removed, false if absent:
    /// `_ = try ev.delete("request.origin.custom");`
    pub fn delete(ev: *Event, path: []const u8) Error!bool {
        try guard("delete", path, .delete);
        try ev.need();
        ev.changed = true;
        const dot = std.mem.lastIndexOfScalar(u8, path, '.');
        const last = if (dot) |d| path[d + 1 ..] else path;
        var removed = false;
        if (dot == null) {
            removed = ev.cf_map.orderedRemove(last);
        } else if (ev.walk(path[0..dot.?])) |parent| switch (parent.*) {
            .object => |*m| removed = m.orderedRemove(last),
            .array => |*a| if (std.fmt.parseUnsigned(usize, last, 10)) |i| {
                if (i < a.items.len) {
                    _ = a.orderedRemove(i);
                    removed = true;
                }
            } else |_| {},
            else => {},
        };
        if (removed) ev.body_done = false;
        return removed;
    }
};

/// What a path setter does to the field it names (see `guard`).
const Change = enum { string, number, boolean, object, array, other, delete, inside };

fn change(v: Value) Change {
    return switch (v) {
        .string => .string,
        .number_string, .integer, .float => .number,
        .bool => .boolean,
        .object => .object,
        .array => .array,
        else => .other,
    };
}

/// Refuses changes that would break what the SDK holds or checked when it read the event:
/// config (read-only), the request / response objects themselves, and deleting or changing
/// the type of the fields every event has.
fn guard(comptime func: []const u8, path: []const u8, what: Change) Error!void {
    const bound = [_]struct { path: []const u8, kind: Change }{
        .{ .path = "request.uri", .kind = .string },      .{ .path = "request.method", .kind = .string },
        .{ .path = "request.querystring", .kind = .string }, .{ .path = "request.clientIp", .kind = .string },
        .{ .path = "request.headers", .kind = .object },  .{ .path = "response.status", .kind = .string },
        .{ .path = "response.headers", .kind = .object },
    };
    const shown = path[0..@min(path.len, 128)];
    if (path.len == 0) return argError(func ++ ": the path is empty", .{});
    if (same(path, "config") or std.mem.startsWith(u8, path, "config."))
        return argError(func ++ ": \"{s}\" is read-only (config cannot be changed)", .{shown});
    if (same(path, "request") or same(path, "response"))
        return argError(func ++ ": \"{s}\" itself cannot be replaced or deleted; change its fields", .{path});
    if (what == .inside) return;
    for (bound) |b| {
        if (!same(path, b.path)) continue;
        if (what == .delete) return argError(func ++ ": \"{s}\" cannot be deleted (every event has it)", .{path});
        const number_status = what == .number and same(path, "response.status");
        if (what != b.kind and !number_status)
            return argError(func ++ ": \"{s}\" must stay {s}", .{ path, if (b.kind == .string) "a string" else "an object" });
    }
}

fn statusArgs(comptime func: []const u8, status_code: u16, description: ?[]const u8) Error!void {
    if (status_code < 200 or status_code > 599)
        return argError(func ++ ": status {d} is outside 200..599 (CloudFront rejects it)", .{status_code});
    if (description) |d| try checkText(func, "the description", d, .forbid_but_tab);
}

fn putStatus(resp: *ObjectMap, status_code: u16, description: ?[]const u8) Error!void {
    try putStr(resp, "status", try fmt("{d}", .{status_code}));
    try putStr(resp, "statusDescription", description orelse reasonPhrase(status_code));
}

// ---- headers -------------------------------------------------------------------------------

/// A `name -> [{key, value}]` headers object (request, response or origin custom headers).
/// Names are matched case-insensitively; the map key is stored lowercase and the `key`
/// field keeps the name exactly as you pass it. A handle for a missing object (e.g.
/// `responseHeaders()` in a request hook before `respond`) reads as empty and its
/// setters fail with `error.InvalidArgument`.
pub const Headers = struct {
    ev: *Event,
    which: enum { request, response, origin },

    fn map(h: Headers) ?*ObjectMap {
        return switch (h.which) {
            .request => objPtr(field(h.ev.request(), "headers")),
            .response => objPtr(field(h.ev.response(), "headers")),
            .origin => objPtr(field(h.ev.originKind(), "customHeaders")),
        };
    }

    fn find(m: *ObjectMap, header_name: []const u8) ?usize {
        for (m.keys(), 0..) |k, i| {
            if (std.ascii.eqlIgnoreCase(k, header_name)) return i;
        }
        return null;
    }

    fn lines(h: Headers, header_name: []const u8) []Value {
        const m = h.map() orelse return &.{};
        const i = find(m, header_name) orelse return &.{};
        return switch (m.values()[i]) {
            .array => |a| a.items,
            else => &.{},
        };
    }

    /// True if the headers object exists: `if (!ev.responseHeaders().exists()) try ev.respond(200, null);`
    pub fn exists(h: Headers) bool {
        return h.map() != null;
    }

    /// First value or null: `const ua = h.get("User-Agent") orelse "";`
    pub fn get(h: Headers, header_name: []const u8) ?[]const u8 {
        return h.value(header_name, 0);
    }

    /// How many values a header has (Cookie may come as several lines): `const n = h.count("cookie");`
    pub fn count(h: Headers, header_name: []const u8) usize {
        return h.lines(header_name).len;
    }

    /// The i-th value (0-based) or null: `var i: usize = 0; while (h.value("cookie", i)) |c| : (i += 1) ...`
    pub fn value(h: Headers, header_name: []const u8, i: usize) ?[]const u8 {
        const ls = h.lines(header_name);
        if (i >= ls.len) return null;
        return strField(objPtr(&ls[i]), "value");
    }

    /// All values of a header: `var it = h.values("cookie"); while (it.next()) |c| edge.info("{s}", .{c});`
    pub fn values(h: Headers, header_name: []const u8) ValueIterator {
        return .{ .lines = h.lines(header_name) };
    }

    /// The original-case `key` of the header's first value: `h.key("user-agent")` -> "User-Agent".
    pub fn key(h: Headers, header_name: []const u8) ?[]const u8 {
        const ls = h.lines(header_name);
        if (ls.len == 0) return null;
        return strField(objPtr(&ls[0]), "key");
    }

    /// How many header names there are: `for (0..h.len()) |i| edge.info("{s}", .{h.name(i).?});`
    pub fn len(h: Headers) usize {
        const m = h.map() orelse return 0;
        return m.count();
    }

    /// The i-th header name (the lowercase map key), or null: `const first = h.name(0);`
    pub fn name(h: Headers, i: usize) ?[]const u8 {
        const m = h.map() orelse return null;
        if (i >= m.count()) return null;
        return m.keys()[i];
    }

    fn checkToken(comptime func: []const u8, comptime what: []const u8, token: []const u8) Error!void {
        if (token.len == 0) return argError(func ++ ": empty header " ++ what, .{});
        for (token) |c| {
            if (!isTchar(c)) return argError(func ++ ": invalid character 0x{x} in header " ++ what ++ " \"{s}\"", .{ c, clip(token) });
        }
        if (token.len > options.max_header_bytes) return argError(func ++ ": header " ++ what ++ " too long", .{});
    }

    /// The map, if it can be changed here and `header_name` is an HTTP token.
    fn checkName(h: Headers, comptime func: []const u8, header_name: []const u8) Error!*ObjectMap {
        h.ev.changed = true;
        const m = h.map() orelse return h.ev.noResponse() orelse argError(func ++ ": no headers object here (in a request hook call respond before using responseHeaders; originHeaders needs an origin with customHeaders)", .{});
        if (h.which == .request and !h.ev.hook.isRequest())
            return argError(func ++ ": request headers can only be changed in viewer-request and origin-request (this is {s})", .{h.ev.hook.name()});
        try checkToken(func, "name", header_name);
        return m;
    }

    fn check(h: Headers, comptime func: []const u8, header_name: []const u8, header_value: []const u8) Error!*ObjectMap {
        const m = try h.checkName(func, header_name);
        try checkText(func, "the header value", header_value, .forbid_but_tab);
        if (header_value.len > options.max_header_bytes)
            return argError(func ++ ": the value of {s} is above {d} bytes (max_header_bytes)", .{ clip(header_name), options.max_header_bytes });
        return m;
    }

    fn entry(header_name: []const u8, header_value: []const u8) Error!Value {
        var e: ObjectMap = .empty;
        try putStr(&e, "key", header_name);
        try putStr(&e, "value", header_value);
        return .{ .object = e };
    }

    /// Replace all values with one: `try h.set("X-Frame-Options", "DENY");`
    pub fn set(h: Headers, header_name: []const u8, header_value: []const u8) Error!void {
        const m = try h.check("Headers.set", header_name, header_value);
        var arr = json.Array.init(arena());
        arr.append(try entry(header_name, header_value)) catch return error.OutOfMemory;
        try replace(m, header_name, arr);
    }

    /// Replace all values with one whose `key` you choose (the lowercase name decides which
    /// header it is): `try h.setKeyed("last-modified", "X-Amz-Meta-Last-Modified", v);`
    pub fn setKeyed(h: Headers, header_name: []const u8, header_key: []const u8, header_value: []const u8) Error!void {
        const m = try h.check("Headers.setKeyed", header_name, header_value);
        try checkToken("Headers.setKeyed", "key", header_key);
        var arr = json.Array.init(arena());
        arr.append(try entry(header_key, header_value)) catch return error.OutOfMemory;
        try replace(m, header_name, arr);
    }

    /// Replace `to` with copies of all entries of `from`, keys kept (error.InvalidArgument if
    /// `from` is absent): `try h.copy("Last-Modified", "X-Amz-Meta-Last-Modified");`
    pub fn copy(h: Headers, to: []const u8, from: []const u8) Error!void {
        const m = try h.checkName("Headers.copy", to);
        const src: []const Value = if (find(m, from)) |i| switch (m.values()[i]) {
            .array => |a| a.items,
            else => &.{},
        } else &.{};
        if (src.len == 0) return argError("Headers.copy: there is no \"{s}\" header to copy", .{clip(from)});
        var arr = json.Array.init(arena());
        for (src) |e| arr.append(try deepCopy(e)) catch return error.OutOfMemory;
        try replace(m, to, arr);
    }

    /// Make `arr` all the values of `header_name`.
    fn replace(m: *ObjectMap, header_name: []const u8, arr: json.Array) Error!void {
        const lower = std.ascii.allocLowerString(arena(), header_name) catch return error.OutOfMemory;
        if (find(m, header_name)) |i| { // replace in place, collapsing differently-cased duplicates
            m.values()[i] = .{ .array = arr };
            var j = m.count();
            while (j > i + 1) {
                j -= 1;
                if (std.ascii.eqlIgnoreCase(m.keys()[j], header_name)) m.orderedRemoveAt(j);
            }
            if (!same(m.keys()[i], lower)) {
                m.keys()[i] = lower;
                m.reIndex(arena()) catch return error.OutOfMemory;
            }
            return;
        }
        m.put(arena(), lower, .{ .array = arr }) catch return error.OutOfMemory;
    }

    /// Append a value (a new header line): `try h.add("Set-Cookie", "a=1");`
    pub fn add(h: Headers, header_name: []const u8, header_value: []const u8) Error!void {
        const m = try h.check("Headers.add", header_name, header_value);
        const i = find(m, header_name) orelse return h.set(header_name, header_value);
        const e = try entry(header_name, header_value);
        switch (m.values()[i]) {
            .array => |*a| a.append(e) catch return error.OutOfMemory,
            else => return h.set(header_name, header_value),
        }
    }

    /// Remove a header; returns how many header names were removed (0 if absent):
    /// `_ = try h.remove("Server");`
    pub fn remove(h: Headers, header_name: []const u8) Error!usize {
        h.ev.changed = true;
        const m = h.map() orelse return h.ev.noResponse() orelse argError("Headers.remove: no headers object here", .{});
        if (h.which == .request and !h.ev.hook.isRequest())
            return argError("Headers.remove: request headers can only be changed in viewer-request and origin-request (this is {s})", .{h.ev.hook.name()});
        var removed: usize = 0;
        while (find(m, header_name)) |i| {
            m.orderedRemoveAt(i);
            removed += 1;
        }
        return removed;
    }
};

/// A copy of a JSON value that shares no containers with it (strings are shared: the SDK
/// never changes one in place).
fn deepCopy(v: Value) Error!Value {
    switch (v) {
        .object => |o| {
            var m: ObjectMap = .empty;
            for (o.keys(), o.values()) |k, x| m.put(arena(), k, try deepCopy(x)) catch return error.OutOfMemory;
            return .{ .object = m };
        },
        .array => |a| {
            var out = json.Array.init(arena());
            for (a.items) |x| out.append(try deepCopy(x)) catch return error.OutOfMemory;
            return .{ .array = out };
        },
        else => return v,
    }
}

/// Iterates the values of one header (see `Headers.values`).
pub const ValueIterator = struct {
    lines: []Value,
    i: usize = 0,

    /// The next value or null: `while (it.next()) |v| ...`
    pub fn next(it: *ValueIterator) ?[]const u8 {
        while (it.i < it.lines.len) {
            const l = &it.lines[it.i];
            it.i += 1;
            if (strField(objPtr(l), "value")) |v| return v;
        }
        return null;
    }
};

// ---- parsing (std.json.Scanner into std.json.Value) -----------------------------------------

fn parseError(input: []const u8, e: anyerror, offset: usize) Code {
    switch (e) {
        error.OutOfMemory => {
            if (err_code != .no_mem) record(.no_mem, error.OutOfMemory, "out of memory while parsing the event", .{});
            return .no_mem;
        },
        error.ValueTooLong => {
            record(.too_big, error.InvalidEvent, "event too large: a string at byte {d} is above the SDK's limit (max_event_bytes)", .{offset});
            return .too_big;
        },
        error.UnexpectedEndOfInput => {
            record(.json, error.InvalidEvent, "event is not valid JSON: unexpected end of input at byte {d}", .{input.len});
            return .json;
        },
        else => {},
    }
    // A syntax error. std.json.Scanner validates UTF-8 as it goes, so an invalid byte at or
    // before the error position is the cause; so is a lone surrogate \u escape.
    if (!std.unicode.utf8ValidateSlice(input)) {
        const at = firstInvalidUtf8(input);
        if (at <= offset) {
            record(.utf8, error.InvalidEvent, "event is not valid UTF-8: bad byte 0x{x} at byte {d}", .{ input[at], at });
            return .utf8;
        }
    }
    if (loneSurrogate(input, offset)) |at| {
        record(.utf8, error.InvalidEvent, "event is not valid UTF-8: lone surrogate escape at byte {d}", .{at});
        return .utf8;
    }
    if (offset >= input.len) {
        record(.json, error.InvalidEvent, "event is not valid JSON: unexpected end of input at byte {d}", .{input.len});
    } else {
        const c = input[offset];
        if (c >= 0x20 and c < 0x7f) {
            record(.json, error.InvalidEvent, "event is not valid JSON: unexpected character '{c}' at byte {d}", .{ c, offset });
        } else if (c < 0x20) {
            record(.json, error.InvalidEvent, "event is not valid JSON: unexpected control character 0x{x} at byte {d} (strings must escape it)", .{ c, offset });
        } else {
            record(.json, error.InvalidEvent, "event is not valid JSON: unexpected byte 0x{x} at byte {d}", .{ c, offset });
        }
    }
    return .json;
}

fn escapeAt(input: []const u8, j: usize) ?u16 {
    if (j + 6 > input.len or input[j] != '\\' or input[j + 1] != 'u') return null;
    return std.fmt.parseUnsigned(u16, input[j + 2 .. j + 6], 16) catch null;
}

/// The position of the unpaired surrogate escape the scanner stopped at (just before `offset`), if any.
fn loneSurrogate(input: []const u8, offset: usize) ?usize {
    var j = @min(offset, input.len);
    const stop = offset -| 12;
    while (j > stop) {
        j -= 1;
        const cp = escapeAt(input, j) orelse continue;
        if (cp >= 0xD800 and cp <= 0xDBFF) {
            const lo = escapeAt(input, j + 6);
            if (lo == null or lo.? < 0xDC00 or lo.? > 0xDFFF) return j;
            return null;
        }
        if (cp >= 0xDC00 and cp <= 0xDFFF) {
            const hi = if (j >= 6) escapeAt(input, j - 6) else null;
            if (hi == null or hi.? < 0xD800 or hi.? > 0xDBFF) return j;
            return null;
        }
        return null;
    }
    return null;
}

fn firstInvalidUtf8(s: []const u8) usize {
    var i: usize = 0;
    while (i < s.len) {
        const n = std.unicode.utf8ByteSequenceLength(s[i]) catch return i;
        if (i + n > s.len or !std.unicode.utf8ValidateSlice(s[i .. i + n])) return i;
        i += n;
    }
    return s.len;
}

const Frame = struct { value: Value, key: ?[]const u8 };

fn parse(input: []const u8) CodeError!Value {
    if (std.mem.trim(u8, input, " \t\r\n").len == 0) {
        record(.json, error.InvalidEvent, "event is not valid JSON: the event is empty", .{});
        return error.json;
    }
    var p: Parser = .{ .s = input };
    return p.document(arena()) catch |e| switch (e) {
        error.OutOfMemory => codeError(.no_mem),
        error.TooDeep => {
            record(.json, error.InvalidEvent, "event is not valid JSON: nested deeper than {d} levels at byte {d}", .{ options.max_depth, p.i });
            return error.json;
        },
        error.SyntaxError, error.UnexpectedEndOfInput => codeError(parseError(input, e, p.i)),
    };
}

/// The event's JSON into std.json.Values (strings without escapes are slices of the event).
/// It accepts and refuses exactly what std.json.Scanner does and stops at the same byte
/// (`i`), so parseError words every problem as before; it is several times cheaper in wasm,
/// where the Scanner's byte-at-a-time state machine cost ~90 instructions per byte.
const Parser = struct {
    s: []const u8,
    i: usize = 0,

    const Fail = error{ SyntaxError, UnexpectedEndOfInput, OutOfMemory, TooDeep };

    fn ws(p: *Parser) void {
        while (p.i < p.s.len and isWs(p.s[p.i])) p.i += 1;
    }

    /// The next byte after whitespace (not consumed).
    fn peek(p: *Parser) Fail!u8 {
        p.ws();
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        return p.s[p.i];
    }

    fn expect(p: *Parser, c: u8) Fail!void {
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        if (p.s[p.i] != c) return error.SyntaxError;
        p.i += 1;
    }

    fn document(p: *Parser, a: Allocator) Fail!Value {
        var stack: std.ArrayList(Frame) = .empty;
        var key: ?[]const u8 = null;
        while (true) {
            var v: Value = switch (try p.peek()) { // a value starts here
                '{', '[' => |open| blk: {
                    if (stack.items.len >= options.max_depth) return error.TooDeep;
                    p.i += 1;
                    const c: Value = if (open == '{') .{ .object = .empty } else .{ .array = json.Array.init(a) };
                    if ((try p.peek()) == @as(u8, if (open == '{') '}' else ']')) {
                        p.i += 1;
                        break :blk c;
                    }
                    try stack.append(a, .{ .value = c, .key = key });
                    key = if (open == '{') try p.memberKey(a) else null;
                    continue;
                },
                '"' => .{ .string = try p.string(a) },
                '-', '0'...'9' => .{ .number_string = try p.number() },
                't' => try p.literal("true", .{ .bool = true }),
                'f' => try p.literal("false", .{ .bool = false }),
                'n' => try p.literal("null", .null),
                else => return error.SyntaxError,
            };
            while (true) { // v is complete: into its container, closing the containers that end here
                if (stack.items.len == 0) {
                    p.ws();
                    if (p.i < p.s.len) return error.SyntaxError;
                    return v;
                }
                const top = &stack.items[stack.items.len - 1];
                switch (top.value) {
                    .object => |*m| {
                        const slot = try m.getOrPut(a, key.?);
                        if (slot.found_existing) duplicate_keys = true; // the later value wins, as with put
                        slot.value_ptr.* = v;
                    },
                    .array => |*arr| try arr.append(v),
                    else => unreachable,
                }
                const is_object = top.value == .object;
                const next = try p.peek();
                if (next == ',') {
                    p.i += 1;
                    if (is_object) {
                        p.ws();
                        key = try p.memberKey(a);
                    }
                    break;
                }
                if (next != @as(u8, if (is_object) '}' else ']')) return error.SyntaxError;
                p.i += 1;
                const f = stack.pop().?;
                v = f.value;
                key = f.key;
            }
        }
    }

    /// At a member's opening quote: its name, then the ':' after it.
    fn memberKey(p: *Parser, a: Allocator) Fail![]const u8 {
        try p.expect('"');
        p.i -= 1;
        const k = try p.string(a);
        p.ws();
        try p.expect(':');
        return k;
    }

    fn literal(p: *Parser, word: []const u8, v: Value) Fail!Value {
        for (word) |c| try p.expect(c);
        return v;
    }

    fn digit(p: *Parser) Fail!void {
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        if (p.s[p.i] < '0' or p.s[p.i] > '9') return error.SyntaxError;
        p.i += 1;
    }

    fn digits(p: *Parser) void {
        while (p.i < p.s.len and p.s[p.i] >= '0' and p.s[p.i] <= '9') p.i += 1;
    }

    fn number(p: *Parser) Fail![]const u8 {
        const start = p.i;
        if (p.s[p.i] == '-') p.i += 1;
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        switch (p.s[p.i]) {
            '0' => p.i += 1,
            '1'...'9' => p.digits(),
            else => return error.SyntaxError,
        }
        if (p.i < p.s.len and p.s[p.i] == '.') {
            p.i += 1;
            try p.digit();
            p.digits();
        }
        if (p.i < p.s.len and (p.s[p.i] == 'e' or p.s[p.i] == 'E')) {
            p.i += 1;
            if (p.i < p.s.len and (p.s[p.i] == '+' or p.s[p.i] == '-')) p.i += 1;
            try p.digit();
            p.digits();
        }
        return p.s[start..p.i];
    }

    /// At an opening quote: the string, a slice of the event unless it has escapes.
    fn string(p: *Parser, a: Allocator) Fail![]const u8 {
        p.i += 1;
        const start = p.i;
        while (true) {
            while (p.i + 8 <= p.s.len) { // plain ASCII, eight bytes at a time
                const x = load8(p.s, p.i);
                const m = eq8(x, '"') | eq8(x, '\\') | ((x -% ones8 *% 0x20) & ~x & high8) | (x & high8);
                if (m != 0) {
                    p.i += first8(m);
                    break;
                }
                p.i += 8;
            }
            if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
            const c = p.s[p.i];
            if (c == '"') {
                p.i += 1;
                return p.s[start .. p.i - 1];
            } else if (c == '\\') {
                break;
            } else if (c < 0x20) {
                return error.SyntaxError;
            } else if (c < 0x80) {
                p.i += 1;
            } else {
                try p.utf8();
            }
        }
        var out: std.ArrayList(u8) = .empty; // escapes: decoded into the arena
        try out.appendSlice(a, p.s[start..p.i]);
        while (true) {
            if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
            const c = p.s[p.i];
            if (c == '"') {
                p.i += 1;
                return out.items;
            } else if (c == '\\') {
                p.i += 1;
                try p.escape(a, &out);
            } else if (c < 0x20) {
                return error.SyntaxError;
            } else if (c < 0x80) {
                try out.append(a, c);
                p.i += 1;
            } else {
                const from = p.i;
                try p.utf8();
                try out.appendSlice(a, p.s[from..p.i]);
            }
        }
    }

    /// One UTF-8 sequence (the ranges std.json.Scanner accepts: no overlongs, surrogates or > U+10FFFF).
    fn utf8(p: *Parser) Fail!void {
        var lo: u8 = 0x80;
        var hi: u8 = 0xBF;
        const need: usize = switch (p.s[p.i]) {
            0xC2...0xDF => 1,
            0xE0 => blk: {
                lo = 0xA0;
                break :blk 2;
            },
            0xE1...0xEC, 0xEE...0xEF => 2,
            0xED => blk: {
                hi = 0x9F;
                break :blk 2;
            },
            0xF0 => blk: {
                lo = 0x90;
                break :blk 3;
            },
            0xF1...0xF3 => 3,
            0xF4 => blk: {
                hi = 0x8F;
                break :blk 3;
            },
            else => return error.SyntaxError,
        };
        var j = p.i + 1;
        for (0..need) |_| {
            if (j >= p.s.len) return error.UnexpectedEndOfInput;
            if (p.s[j] < lo or p.s[j] > hi) return error.SyntaxError; // reported from the sequence's start
            lo = 0x80;
            hi = 0xBF;
            j += 1;
        }
        p.i = j;
    }

    /// After a backslash.
    fn escape(p: *Parser, a: Allocator, out: *std.ArrayList(u8)) Fail!void {
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        const c: u8 = switch (p.s[p.i]) {
            '"', '\\', '/' => p.s[p.i],
            'b' => 0x08,
            'f' => 0x0c,
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                p.i += 1;
                var buf: [4]u8 = undefined;
                const n = std.unicode.utf8Encode(try p.codepoint(), &buf) catch unreachable;
                try out.appendSlice(a, buf[0..n]);
                return;
            },
            else => return error.SyntaxError,
        };
        p.i += 1;
        try out.append(a, c);
    }

    fn hex(p: *Parser) Fail!u21 {
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        const v = hexVal(p.s[p.i]) orelse return error.SyntaxError;
        p.i += 1;
        return v;
    }

    /// After "\u": the code point, a surrogate pair taken together (a lone half is an error).
    fn codepoint(p: *Parser) Fail!u21 {
        var cp: u21 = 0;
        for (0..4) |_| {
            const h = try p.hex();
            cp = cp << 4 | h;
        }
        if (cp >= 0xDC00 and cp <= 0xDFFF) return error.SyntaxError; // a low half first
        if (cp < 0xD800 or cp > 0xDBFF) return cp;
        try p.expect('\\');
        try p.expect('u');
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        if (p.s[p.i] != 'd' and p.s[p.i] != 'D') return error.SyntaxError;
        p.i += 1;
        if (p.i >= p.s.len) return error.UnexpectedEndOfInput;
        const d = p.s[p.i] | 0x20; // lowercase a letter
        if (d < 'c' or d > 'f') return error.SyntaxError;
        p.i += 1;
        const h2 = try p.hex();
        const h3 = try p.hex();
        const lo: u21 = 0xD000 | @as(u21, d - 'a' + 10) << 8 | h2 << 4 | h3;
        return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
};

const CodeError = error{ json, utf8, event, too_big, no_mem, arg, fail, ok };

fn codeError(c: Code) CodeError {
    if (c == .no_mem and err_code != .no_mem) record(.no_mem, error.OutOfMemory, "out of memory while parsing the event", .{});
    return switch (c) {
        .json => error.json,
        .utf8 => error.utf8,
        .event => error.event,
        .too_big => error.too_big,
        .no_mem => error.no_mem,
        .arg => error.arg,
        .fail => error.fail,
        .ok => error.ok,
    };
}

// ---- event binding and validation ------------------------------------------------------------

const Kind = enum { string, object, array, boolean };

fn kindName(k: Kind) []const u8 {
    return switch (k) {
        .string => "a string",
        .object => "an object",
        .array => "an array",
        .boolean => "a boolean",
    };
}

fn isKind(v: Value, k: Kind) bool {
    return switch (k) {
        .string => v == .string,
        .object => v == .object,
        .array => v == .array,
        .boolean => v == .bool,
    };
}

fn eventError(comptime f: []const u8, args: anytype) CodeError {
    record(.event, error.InvalidEvent, "invalid event: " ++ f, args);
    return error.event;
}

fn want(parent: *ObjectMap, key: []const u8, kind: Kind, path: []const u8, required: bool) CodeError!?*Value {
    const v = lookup(parent, key) orelse {
        if (!required) return null;
        return eventError("{s}.{s} is missing", .{ path, key });
    };
    if (!isKind(v.*, kind)) return eventError("{s}.{s} must be {s}", .{ path, key, kindName(kind) });
    return v;
}

fn checkHeaders(hv: ?*Value, path: []const u8) CodeError!void {
    const h = hv orelse return;
    if (h.* != .object) return eventError("{s} must be an object", .{path});
    var lines_total: usize = 0;
    for (h.object.keys(), h.object.values()) |name, *m| {
        const nl = clip(name);
        if (name.len > options.max_header_bytes) {
            record(.too_big, error.InvalidEvent, "event too large: {s} has a header name of {d} bytes, above the SDK's {d}-byte limit (max_header_bytes)", .{ path, name.len, options.max_header_bytes });
            return error.too_big;
        }
        if (m.* != .array) return eventError("{s}[\"{s}\"] must be an array of {{key, value}} objects", .{ path, nl });
        for (m.array.items, 0..) |*e, i| {
            const obj = objPtr(e) orelse return eventError("{s}[\"{s}\"][{d}] must be an object with a string value", .{ path, nl, i });
            const v = lookup(obj, "value");
            if (v == null or v.?.* != .string) return eventError("{s}[\"{s}\"][{d}] must be an object with a string value", .{ path, nl, i });
            if (lookup(obj, "key")) |k| if (k.* != .string) return eventError("{s}[\"{s}\"][{d}].key must be a string", .{ path, nl, i });
            if (v.?.string.len > options.max_header_bytes) {
                record(.too_big, error.InvalidEvent, "event too large: {s}[\"{s}\"][{d}].value is {d} bytes, above the SDK's {d}-byte limit (max_header_bytes)", .{ path, nl, i, v.?.string.len, options.max_header_bytes });
                return error.too_big;
            }
            lines_total += 1;
            if (lines_total > options.max_headers) {
                record(.too_big, error.InvalidEvent, "event too large: {s} has more than {d} header lines (max_headers)", .{ path, options.max_headers });
                return error.too_big;
            }
        }
    }
}

/// Checks the parsed event (ev.parsed) and points ev at its parts.
fn bind(ev: *Event) CodeError!void {
    const rp = "Records[0].cf.request";
    if (ev.parsed != .object) return eventError("the event must be a JSON object", .{});
    const records = (try want(&ev.parsed.object, "Records", .array, "event", true)).?;
    if (records.array.items.len == 0) return eventError("event.Records is empty", .{});
    const rec = objPtr(&records.array.items[0]) orelse return eventError("Records[0] must be an object", .{});
    const cf = &(try want(rec, "cf", .object, "Records[0]", true)).?.object;
    const config = &(try want(cf, "config", .object, "Records[0].cf", true)).?.object;
    const et = (try want(config, "eventType", .string, "Records[0].cf.config", true)).?.string;
    const hook: Hook = for ([_]Hook{ .viewer_request, .origin_request, .origin_response, .viewer_response }) |h| {
        if (same(et, h.name())) break h;
    } else return eventError("Records[0].cf.config.eventType \"{s}\" is not one of viewer-request, origin-request, origin-response, viewer-response", .{clip(et)});
    const req = &(try want(cf, "request", .object, "Records[0].cf", true)).?.object;
    _ = try want(req, "uri", .string, rp, true);
    _ = try want(req, "method", .string, rp, true);
    _ = try want(req, "querystring", .string, rp, true);
    _ = try want(req, "clientIp", .string, rp, true);
    try checkHeaders(try want(req, "headers", .object, rp, true), "Records[0].cf.request.headers");
    if (try want(req, "body", .object, rp, false)) |b| {
        _ = try want(&b.object, "data", .string, "Records[0].cf.request.body", true);
        _ = try want(&b.object, "encoding", .string, "Records[0].cf.request.body", false);
        _ = try want(&b.object, "inputTruncated", .boolean, "Records[0].cf.request.body", false);
    }
    if (try want(req, "origin", .object, rp, false)) |origin| {
        if (try want(&origin.object, "custom", .object, "Records[0].cf.request.origin", false)) |k|
            try checkHeaders(try want(&k.object, "customHeaders", .object, "Records[0].cf.request.origin.custom", false), "Records[0].cf.request.origin.custom.customHeaders");
        if (try want(&origin.object, "s3", .object, "Records[0].cf.request.origin", false)) |k|
            try checkHeaders(try want(&k.object, "customHeaders", .object, "Records[0].cf.request.origin.s3", false), "Records[0].cf.request.origin.s3.customHeaders");
    }
    if (!hook.isRequest()) {
        const sp = "Records[0].cf.response";
        const resp = &(try want(cf, "response", .object, "Records[0].cf", true)).?.object;
        const st = lookup(resp, "status") orelse return eventError("{s}.status is missing", .{sp});
        if (st.* != .string and st.* != .number_string) return eventError("{s}.status must be a string", .{sp});
        _ = try want(resp, "statusDescription", .string, sp, false);
        try checkHeaders(try want(resp, "headers", .object, sp, true), "Records[0].cf.response.headers");
    }
    ev.hook = hook;
    ev.cf_map = cf;
}

/// Parses and checks the whole event (the first time something needs it).
fn load(ev: *Event) CodeError!void {
    ev.parsed = try parse(event_input);
    try bind(ev);
}

// ---- one invocation ----------------------------------------------------------------------------

fn serialize(v: Value, size_hint: usize) CodeError![]u8 {
    // One pass into an arena buffer sized for the usual case (the result is about as large
    // as the event); it grows in place while it is the arena's last allocation.
    var w = std.Io.Writer.Allocating.initCapacity(arena(), size_hint + 4096) catch return codeError(.no_mem);
    json.Stringify.value(v, .{}, &w.writer) catch return codeError(.no_mem);
    return w.written();
}

fn codeOf(e: CodeError) Code {
    return switch (e) {
        error.json => .json,
        error.utf8 => .utf8,
        error.event => .event,
        error.too_big => .too_big,
        error.no_mem => .no_mem,
        error.arg => .arg,
        error.fail => .fail,
        error.ok => .fail,
    };
}

fn callHandler(comptime App: type, ev: *Event) CodeError!void {
    const H = @TypeOf(App.handle);
    const ret = @typeInfo(H).@"fn".return_type.?;
    switch (@typeInfo(ret)) {
        .error_union => {
            App.handle(ev) catch |e| {
                if (err_sticky) return codeError(err_code); // the event could not be read: that is the error
                const matched = err_tag != null and err_tag.? == @as(anyerror, e);
                if (!matched) {
                    const code: Code = if (@as(anyerror, e) == error.OutOfMemory) .no_mem else .fail;
                    record(code, error.Failed, "handle failed: error.{s}", .{@errorName(e)});
                }
                return codeError(err_code);
            };
        },
        .void => App.handle(ev),
        else => @compileError("handle must return void or !void, not " ++ @typeName(ret)),
    }
}

// ---- the event's own text ----------------------------------------------------------------------
// A short scan finds the hook (Records[0].cf.config.eventType comes first in the events the host
// builds) without parsing; it is not a check: anything unexpected on the way (a name with an
// escape, a missing field, a wrong type) hands over to the full parse, which reports it. The
// same scan finds the request or response text to send back when nothing changed.

// Eight bytes at a time: masks with the high bit set in matching bytes; the lowest set bit is
// always a true match (later ones may not be), so `first8` finds the first matching byte.
const ones8: u64 = 0x0101010101010101;
const high8: u64 = 0x8080808080808080;

fn load8(s: []const u8, i: usize) u64 {
    // One unaligned load (std.mem.readInt becomes a byte loop in ReleaseSmall).
    return std.mem.littleToNative(u64, @as(*align(1) const u64, @ptrCast(s[i..].ptr)).*);
}

fn eq8(x: u64, c: u8) u64 {
    const v = x ^ (ones8 *% c);
    return (v -% ones8) & ~v & high8;
}

fn first8(m: u64) usize {
    return @ctz(m) >> 3;
}

/// The index of the first '"' or '\\' at or after i, or null.
fn quoteOrBackslash(s: []const u8, from: usize) ?usize {
    var i = from;
    while (i + 8 <= s.len) : (i += 8) {
        const x = load8(s, i);
        const m = eq8(x, '"') | eq8(x, '\\');
        if (m != 0) return i + first8(m);
    }
    while (i < s.len) : (i += 1) {
        if (s[i] == '"' or s[i] == '\\') return i;
    }
    return null;
}

const Scan = struct {
    s: []const u8,
    i: usize = 0,

    fn ws(sc: *Scan) void {
        while (sc.i < sc.s.len and isWs(sc.s[sc.i])) sc.i += 1;
    }

    fn peek(sc: *Scan, c: u8) bool {
        return sc.i < sc.s.len and sc.s[sc.i] == c;
    }

    /// At a quote: the string's text if it has no escape.
    fn str(sc: *Scan) ?[]const u8 {
        const end = quoteOrBackslash(sc.s, sc.i + 1) orelse return null;
        if (sc.s[end] != '"') return null;
        defer sc.i = end + 1;
        return sc.s[sc.i + 1 .. end];
    }

    /// Skips one value; false if the input ends first.
    fn skip(sc: *Scan) bool {
        var depth: usize = 0;
        sc.ws();
        while (sc.i < sc.s.len) {
            switch (sc.s[sc.i]) {
                '"' => {
                    var j = sc.i + 1;
                    while (true) {
                        j = quoteOrBackslash(sc.s, j) orelse return false;
                        if (sc.s[j] == '"') break;
                        j += 2;
                    }
                    sc.i = j + 1;
                },
                '{', '[' => {
                    depth += 1;
                    sc.i += 1;
                    continue;
                },
                '}', ']' => {
                    if (depth == 0) return false;
                    depth -= 1;
                    sc.i += 1;
                },
                else => if (depth == 0) {
                    while (sc.i < sc.s.len) : (sc.i += 1) switch (sc.s[sc.i]) {
                        ' ', '\t', '\n', '\r', ',', '}', ']' => break,
                        else => {},
                    };
                } else {
                    sc.i += 1;
                },
            }
            if (depth == 0) return true;
        }
        return false;
    }

    /// At an object: moves to the value of its first member called `key`.
    fn member(sc: *Scan, key: []const u8) bool {
        sc.ws();
        if (!sc.peek('{')) return false;
        sc.i += 1;
        while (true) {
            sc.ws();
            if (!sc.peek('"')) return false;
            const name = sc.str() orelse return false;
            sc.ws();
            if (!sc.peek(':')) return false;
            sc.i += 1;
            sc.ws();
            if (same(name, key)) return true;
            if (!sc.skip()) return false;
            sc.ws();
            if (!sc.peek(',')) return false;
            sc.i += 1;
        }
    }

    /// At the start of the event: moves to Records[0].cf's member `key`.
    fn cfMember(sc: *Scan, key: []const u8) bool {
        if (!sc.member("Records") or !sc.peek('[')) return false;
        sc.i += 1;
        return sc.member("cf") and sc.member(key);
    }
};

fn isWs(c: u8) bool {
    return c == ' ' or c == '\t' or c == '\n' or c == '\r';
}

fn scanHook(event: []const u8) ?Hook {
    var sc: Scan = .{ .s = event };
    if (!sc.cfMember("config") or !sc.member("eventType") or !sc.peek('"')) return null;
    const name = sc.str() orelse return null;
    for ([_]Hook{ .viewer_request, .origin_request, .origin_response, .viewer_response }) |h| {
        if (same(name, h.name())) return h;
    }
    return null;
}

/// The text of Records[0].cf.<key> in the event, if it is exactly what `serialize` would write
/// for it: compact, with the escapes std.json.Stringify uses.
fn rawText(event: []const u8, key: []const u8) ?[]const u8 {
    var sc: Scan = .{ .s = event };
    if (!sc.cfMember(key)) return null;
    const start = sc.i;
    if (!sc.skip()) return null;
    const text = event[start..sc.i];
    var i: usize = 0;
    while (i < text.len) : (i += 1) {
        const c = text[i];
        if (isWs(c)) return null;
        if (c != '"') continue;
        while (true) {
            i = quoteOrBackslash(text, i + 1).?; // the text was parsed: the string ends
            if (text[i] == '"') break;
            i += 1;
            switch (text[i]) {
                '"', '\\', 'b', 'f', 'n', 'r', 't' => {},
                'u' => { // Stringify writes \u00xx (lowercase) for the other controls only
                    const cp = std.fmt.parseUnsigned(u16, text[i + 1 .. i + 5], 16) catch return null;
                    if (cp >= 0x20 or cp == 8 or cp == 9 or cp == 10 or cp == 12 or cp == 13) return null;
                    if (std.ascii.isUpper(text[i + 4])) return null;
                    i += 4;
                },
                else => return null,
            }
        }
    }
    return text;
}

/// The event as the host wrote it (valid during one invocation).
var event_input: []const u8 = &.{};
/// The parse saw an object with a repeated member name (then only the last value is kept).
var duplicate_keys = false;

fn run(comptime App: type, event: []const u8) CodeError![]const u8 {
    if (event.len > options.max_event_bytes) {
        record(.too_big, error.InvalidEvent, "event too large: {d} bytes, above the SDK's {d}-byte limit (max_event_bytes)", .{ event.len, options.max_event_bytes });
        return error.too_big;
    }
    event_input = event;
    current = .{ .hook = .viewer_request };
    if (scanHook(event)) |h| {
        current.hook = h;
    } else { // the hook is not where the host puts it: read the whole event now (and report its error)
        try load(&current);
        current.state = .ok;
    }
    const ev = &current;
    try callHandler(App, ev);
    if (ev.state == .failed) return codeError(err_code);
    if (ev.generated) |g| return serialize(g, event.len);
    if (!ev.ready()) return codeError(err_code); // the request or response goes back: it must be readable
    const key = if (ev.hook.isRequest()) "request" else "response";
    if (!ev.changed and !duplicate_keys) if (rawText(event, key)) |text| return text; // unchanged: the host's own text
    return serialize(ev.cf_map.get(key).?, event.len);
}

fn reset() void {
    arena_state.reset();
    err_code = .ok;
    err_tag = null;
    err_len = 0;
    err_sticky = false;
    duplicate_keys = false;
}

const keep_input: usize = 1 << 20;

/// The ABI exports for an app module (entry.zig exports them as `edge_abi_version`,
/// `edge_alloc` and `edge_handle`). `App` must declare `pub fn handle(ev: *edge.Event) !void`
/// and may declare `pub const edge_options: edge.Options`.
pub fn Reactor(comptime App: type) type {
    if (!@hasDecl(App, "handle"))
        @compileError("main.zig must declare `pub fn handle(ev: *edge.Event) !void`");
    const handle_info = @typeInfo(@TypeOf(App.handle));
    if (handle_info != .@"fn" or handle_info.@"fn".param_types.len != 1 or handle_info.@"fn".param_types[0] != *Event)
        @compileError("handle must be `pub fn handle(ev: *edge.Event) !void`, not " ++ @typeName(@TypeOf(App.handle)));
    const opts: Options = if (@hasDecl(App, "edge_options")) App.edge_options else .{};
    return struct {
        /// `edge_abi_version`: always `abi_version` (1).
        pub fn abiVersion() callconv(.c) i32 {
            return abi_version;
        }

        /// `edge_alloc(n)`: the event buffer (kept between invocations), or 0 above `max_event_bytes`.
        pub fn alloc(n: u32) callconv(.c) ?[*]u8 {
            options = opts;
            if (n > opts.max_event_bytes) {
                logf(.err, "event too large: {d} bytes, above the SDK's {d}-byte limit (max_event_bytes)", .{ n, opts.max_event_bytes });
                return null;
            }
            if (n <= static_event.len) return &static_event; // a larger buffer from an earlier call stays for the next large one
            const cap = input_buf.len;
            if (cap == 0 or n > cap or (cap > keep_input and n <= keep_input)) {
                if (cap != 0) std.heap.wasm_allocator.free(input_buf);
                input_buf = &.{};
                const want_cap = (Arena.pow2(@as(usize, n) + Arena.slack) orelse 0) - Arena.slack;
                input_buf = std.heap.wasm_allocator.alloc(u8, want_cap) catch {
                    log(.err, "out of memory: could not allocate the event buffer");
                    return null;
                };
            }
            return input_buf.ptr;
        }

        /// `edge_handle(ptr, n)`: `(result_ptr << 32) | result_len`, or a negative `Code` after an ERROR log.
        pub fn handle(ptr: [*]const u8, n: u32) callconv(.c) i64 {
            options = opts;
            reset(); // frees the previous invocation's event tree and result
            const out = run(App, ptr[0..n]) catch |e| {
                const code = if (err_code != .ok) err_code else codeOf(e);
                emit(.err, err_buf[0..err_len]);
                return @intFromEnum(code);
            };
            return @bitCast((@as(u64, @intFromPtr(out.ptr)) << 32) | @as(u64, @intCast(out.len)));
        }
    };
}
