//! Modify a form body (viewer-request or origin-request, with include-body) — AWS example
//! "Using a request trigger to modify an HTML form", the Zig port of ../main.c: a POST form
//! gets new-param-name=new-param-value and replaces the body as text, written the way Node's
//! querystring.stringify writes what querystring.parse read.
const std = @import("std");
const edge = @import("edge");

const Field = struct { name: []const u8, values: std.ArrayList([]const u8) };

/// querystring.escape: percent-encode all but A-Z a-z 0-9 - _ . ! ~ * ' ( ).
fn escape(out: *std.ArrayList(u8), s: []const u8) !void {
    for (s) |c| {
        if (std.ascii.isAlphanumeric(c) or std.mem.indexOfScalar(u8, "-_.!~*'()", c) != null) {
            try out.append(edge.arena(), c);
        } else {
            try out.print(edge.arena(), "%{X:0>2}", .{c});
        }
    }
}

fn find(fields: []Field, name: []const u8) ?*Field {
    for (fields) |*f| if (std.mem.eql(u8, f.name, name)) return f;
    return null;
}

pub fn handle(ev: *edge.Event) !void {
    const a = edge.arena();
    if (!std.mem.eql(u8, ev.method(), "POST")) return;
    const body = (try ev.body()) orelse
        return edge.fail("POST without a body: enable include-body on this association", .{});

    var fields: std.ArrayList(Field) = .empty;
    var it = edge.form(body);
    while (try it.next()) |pair| {
        const f = find(fields.items, pair.name) orelse blk: {
            try fields.append(a, .{ .name = pair.name, .values = .empty });
            break :blk &fields.items[fields.items.len - 1];
        };
        try f.values.append(a, pair.value);
    }

    // params['new-param-name'] = 'new-param-value'; (replaces earlier values in place)
    const added = find(fields.items, "new-param-name") orelse blk: {
        try fields.append(a, .{ .name = "new-param-name", .values = .empty });
        break :blk &fields.items[fields.items.len - 1];
    };
    added.values.clearRetainingCapacity();
    try added.values.append(a, "new-param-value");

    var out: std.ArrayList(u8) = .empty;
    for (fields.items) |f| {
        for (f.values.items) |v| {
            if (out.items.len > 0) try out.append(a, '&');
            try escape(&out, f.name);
            try out.append(a, '=');
            try escape(&out, v);
        }
    }
    try ev.setRequestBodyText(out.items);
}
