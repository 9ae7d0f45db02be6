//! S3 bucket by viewer country (origin-request, S3 origin) — AWS example "Using an
//! origin-request trigger to change the Amazon S3 origin Region", the Zig port of ../main.c.
const std = @import("std");
const edge = @import("edge");

const country_to_region = [_][2][]const u8{
    .{ "DE", "eu-central-1" }, .{ "IE", "eu-west-1" },      .{ "GB", "eu-west-2" },
    .{ "FR", "eu-west-3" },    .{ "JP", "ap-northeast-1" }, .{ "IN", "ap-south-1" },
};

pub fn handle(ev: *edge.Event) !void {
    const headers = ev.requestHeaders();
    const country = headers.get("cloudfront-viewer-country") orelse return;
    const region = for (country_to_region) |pair| {
        if (std.mem.eql(u8, country, pair[0])) break pair[1];
    } else return;
    const domain = try edge.fmt("my-bucket-in-{s}.s3.amazonaws.com", .{region});
    // the original would throw on request.origin.s3 being undefined
    if (ev.get("request.origin.s3.domainName") == null)
        return edge.fail("the origin of {s} is not an S3 origin", .{ev.uri()});
    try ev.setString("request.origin.s3.region", region);
    try ev.setString("request.origin.s3.domainName", domain);
    try headers.set("host", domain);
}
