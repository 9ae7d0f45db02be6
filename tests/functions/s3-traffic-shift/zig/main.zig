//! Gradual traffic shift between S3 buckets (origin-request, S3 origin) — AWS example "Using an
//! origin-request trigger to gradually transfer traffic from one Amazon S3 bucket to another",
//! the Zig port of ../main.c: 80 in 100 requests go to blue-bucket.
const edge = @import("edge");

const blue_traffic_percentage = 80;

/// Math.floor(Math.random() * (max - min + 1)) + min: inclusive of min and max.
fn randomInt(min: u32, max: u32) u32 {
    return @as(u32, @intFromFloat(edge.random() * @as(f64, @floatFromInt(max - min + 1)))) + min;
}

pub fn handle(ev: *edge.Event) !void {
    if (randomInt(1, 100) <= blue_traffic_percentage) {
        const domain = "blue-bucket.s3.amazonaws.com";
        // the original would throw on request.origin.s3 being undefined
        if (ev.get("request.origin.s3.domainName") == null)
            return edge.fail("the origin of {s} is not an S3 origin", .{ev.uri()});
        try ev.setString("request.origin.s3.domainName", domain);
        try ev.requestHeaders().set("host", domain);
    }
}
