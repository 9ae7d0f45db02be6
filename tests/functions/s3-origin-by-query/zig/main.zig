//! Custom origin -> S3 origin by query string (origin-request) — AWS example "Using an
//! origin-request trigger to change from a custom origin to an Amazon S3 origin", the Zig port
//! of ../main.c: useS3Origin=true (given once) sends the request to the bucket my-bucket.
const std = @import("std");
const edge = @import("edge");

pub fn handle(ev: *edge.Event) !void {
    var use_s3: ?[]const u8 = null;
    var seen: usize = 0;
    var it = edge.form(ev.querystring());
    while (try it.next()) |f| {
        if (std.mem.eql(u8, f.name, "useS3Origin")) {
            use_s3 = f.value;
            seen += 1;
        }
    }
    if (seen == 1 and std.mem.eql(u8, use_s3.?, "true")) {
        const s3_domain = "my-bucket.s3.amazonaws.com";
        try ev.setObject("request.origin");
        try ev.setObject("request.origin.s3");
        try ev.setString("request.origin.s3.domainName", s3_domain);
        try ev.setString("request.origin.s3.region", "");
        try ev.setString("request.origin.s3.authMethod", "none");
        try ev.setString("request.origin.s3.path", "");
        try ev.setObject("request.origin.s3.customHeaders");
        try ev.requestHeaders().set("host", s3_domain); // key "host", as in the original
    }
}
