/* HTTP redirect (viewer-request or origin-request) — AWS example "Generating an HTTP
 * Redirect (Generated Response)".
 *
 * This one is a plain WASI *command* module: no SDK, just main(), stdin and stdout
 * (docs/abi.md, section 2). Any language that targets WASI can be deployed the same way.
 * The event arrives on stdin (not needed here: every request is redirected) and the
 * result JSON is written to stdout. The toolchain builds it with
 * -mexec-model=command because this file defines main(). */
#include <stdio.h>

static const char response[] =
    "{\"status\":\"302\","
    "\"statusDescription\":\"Found\","
    "\"headers\":{\"location\":[{\"key\":\"Location\","
    "\"value\":\"https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html\"}]}}";

int main(void) {
    char buf[4096];
    /* Drain the event so the host sees it consumed. */
    while (fread(buf, 1, sizeof buf, stdin) > 0) {
    }
    if (fputs(response, stdout) == EOF || fflush(stdout) != 0) {
        fputs("could not write the result to stdout\n", stderr);
        return 1;
    }
    return 0;
}
