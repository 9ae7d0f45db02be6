//! Override a response header (origin-response) — AWS example "Overriding a response header",
//! the Zig port of ../main.c: X-Amz-Meta-Last-Modified's entry is copied whole (key kept)
//! under the name last-modified.
const edge = @import("edge");

pub fn handle(ev: *edge.Event) !void {
    const headers = ev.responseHeaders();
    const src = "X-Amz-Meta-Last-Modified";
    const dst = "Last-Modified";
    if (headers.get(src) != null) {
        try headers.copy(dst, src);
        edge.info("Response header \"{s}\" was set to \"{s}\"", .{ dst, headers.get(dst).? });
    }
}
