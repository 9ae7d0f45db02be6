"""The admin API's client for the CLI: server URL and token from flags or the environment,
and every failure turned into one clear line and a non-zero exit.

httpx is imported when a client is made, not with this module: every command's options are
declared from here, and `edge --help` or `edge serve` should not load an HTTP client."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import click

from .. import names
from ..tokens import bearer_token_problem

if TYPE_CHECKING:
    import httpx

DEFAULT_SERVER = "http://127.0.0.1:8081"
SERVER_ENV = "EDGE_SERVER"
TOKEN_ENV = "EDGE_ADMIN_TOKEN"
# The default is found, not fixed (edge/cli/project.py): --help says how, not one address.
SERVER_HELP = (f"Admin API URL [env {SERVER_ENV}]. Default: the project's (edge.toml's server, else its admin_port "
               "or port + 1), else the edge serve running from this project or directory (found by its "
               f".edge/serve.json, here or in a parent), else {DEFAULT_SERVER}.")


class NameParam(click.ParamType):
    """A function or alias name argument, checked whole by edge/names.py before anything is sent."""

    def __init__(self, kind: str, check: Callable[[object], str]) -> None:
        self.name = kind
        self._check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return self._check(value)
        except names.BadName as exc:
            self.fail(str(exc), param, ctx)


FUNCTION_NAME = NameParam("function name", names.check_function)
ALIAS_NAME = NameParam("alias name", names.check_alias)
# deleting: a stored alias whose name was reserved later (`latest`) must stay removable
STORED_ALIAS_NAME = NameParam("alias name", lambda n: n if names.is_alias_syntax(n) else names.check_alias(n))
QUALIFIER = NameParam("version or alias", names.check_qualifier)


def api_path(*segments: str | int) -> str:
    """`/v1/...` from segments, each percent-escaped whole (edge/names.py, `segment`)."""
    return "/v1/" + "/".join(names.segment(part) for part in segments)


class AdminError(click.ClickException):
    """The server refused the request or could not be reached: exit status 1, one line.
    `code` is the API's error code when the server answered with one (`store_unavailable`)."""

    exit_code = 1

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def token_problem(token: str) -> str | None:
    """Why `token` cannot be a bearer token (sent in an HTTP header and compared whole), or None."""
    problem = bearer_token_problem(token)
    if problem is not None and "whitespace" in problem and token.strip():
        problem += " (the server would never see it: remove it)"
    return problem


class ServerURLError(click.ClickException):
    """--server (or EDGE_SERVER, or edge.toml) that is not an http:// or https:// URL: bad
    input, one line, exit status 2."""

    exit_code = 2


def check_server_url(server: str) -> str:
    """`server` if it is an http:// or https:// URL; `localhost:8081` (no scheme) was sent as
    a URL of the protocol `localhost`."""
    scheme, sep, rest = server.partition("://")
    if sep and scheme.lower() in ("http", "https") and rest.strip("/"):
        return server
    if not sep:
        raise ServerURLError(f"the admin API address {server!r} (--server, EDGE_SERVER or edge.toml) has no "
                             f"http:// or https://: write http://{server.lstrip('/')}")
    if not rest.strip("/"):
        raise ServerURLError(f"the admin API address {server!r} (--server, EDGE_SERVER or edge.toml) has no host: "
                             "write http://HOST:PORT")
    raise ServerURLError(f"the admin API address {server!r} (--server, EDGE_SERVER or edge.toml) is not an http:// "
                         f"or https:// URL: write http://{rest}")


def _plain_http(exc: httpx.HTTPError) -> bool:
    """An https:// request answered by a plain-HTTP listener (OpenSSL: WRONG_VERSION_NUMBER,
    or a record too long to be TLS)."""
    text = str(exc)
    return "WRONG_VERSION_NUMBER" in text or "wrong version number" in text or "record layer failure" in text


def sent_errors() -> tuple[type[Exception], ...]:
    """Failures after the connection was made and the request (or part of it) written: unlike a
    connection refused, the server may have received the request and acted on it."""
    import httpx

    return (httpx.ReadError, httpx.ReadTimeout, httpx.WriteError, httpx.WriteTimeout, httpx.RemoteProtocolError)


def unknown_outcome(method: str, path: str) -> str:
    """What a request cut off after it was sent may have done, and the command that tells."""
    if method.upper() in ("GET", "HEAD", "OPTIONS"):
        return "it only reads: try again"
    parts = [unquote(part) for part in path.partition("?")[0].split("/")[2:]]  # after /v1/
    kind, name, rest = (parts + ["", ""])[0], (parts + ["", ""])[1], parts[2:]
    if kind == "functions" and name:
        versions = f"check `edge versions {name}`"
        if rest[-1:] == ["invoke"]:
            return "the function may or may not have run"
        if rest[:1] == ["aliases"]:
            return f"the alias change may or may not have been made: {versions}"
        if method.upper() == "POST" and rest == ["versions"]:
            return f"the deploy may or may not have been made: {versions}"
        if method.upper() == "DELETE":
            return f"the delete may or may not have been made: {versions if rest else 'check `edge functions`'}"
    if kind in ("behaviors", "origins", "config"):
        return "the change may or may not have been made: check `edge config`"
    if kind == "invalidations":
        return "the invalidation may or may not have been made: sending it again is harmless"
    if kind == "nodes":
        return "the change may or may not have been made: check `edge nodes`"
    return "the change may or may not have been made: check before trying again"


class AdminClient:
    def __init__(self, server: str, token: str | None, timeout: float = 120.0) -> None:
        import httpx

        self.server = check_server_url(server).rstrip("/")
        # a token no header can carry is refused at the first request, saying why (httpx would fail
        # with UnicodeEncodeError or "Illegal header value", read as the server being unreachable)
        self.token_problem = token_problem(token) if token else None
        headers = {"Authorization": f"Bearer {token}"} if token and self.token_problem is None else {}
        # Certificates are loaded only for an https:// server: making the verifying context costs
        # 30-150 ms of a CLI command, and a plain-HTTP admin API (the default) never uses it (the
        # client follows no redirects, so no request can move to https).
        secure = self.server.lower().startswith("https://")
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout, verify=secure)
        self.unreachable_hint = ""  # how the address was chosen, when nothing named it (admin_options)

    def _check_token(self) -> None:
        if self.token_problem is not None:
            raise AdminError(f"the admin token (--token or {TOKEN_ENV}) {self.token_problem}; nothing was sent")

    def request(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        self._check_token()
        try:
            response = self.http.request(method, path, **kw)
        except httpx.ConnectError as exc:
            self._refuse_plain_http(exc)
            raise AdminError(f"cannot reach the admin API at {self.server}: {exc}; is `edge serve` running? "
                             f"Point at it with --server, EDGE_SERVER or edge.toml{self.unreachable_hint}") from None
        except sent_errors() as exc:
            # the server was reached and (some of) the request sent: it may have acted on it
            if isinstance(exc, httpx.ReadTimeout):
                why = f"no answer within {self.http.timeout.read:g} s"
            else:
                why = str(exc) or type(exc).__name__
            raise AdminError(f"the connection to the admin API at {self.server} was lost during the request "
                             f"({why}); {unknown_outcome(method, path)}") from None
        except httpx.HTTPError as exc:
            raise AdminError(f"cannot reach the admin API at {self.server}: {exc}") from None
        return self._decode(response)

    def _refuse_plain_http(self, exc: httpx.HTTPError) -> None:
        if self.server.lower().startswith("https://") and _plain_http(exc):
            raise AdminError(f"{self.server} speaks plain HTTP, not HTTPS (its answer to the TLS handshake was not "
                             f"TLS): write http://{self.server.partition('://')[2]} (the admin API uses HTTPS only "
                             "when edge serve has --certfile and the admin address is not loopback)") from None

    def _decode(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        edge_port = "x-amz-cf-id" in response.headers or response.headers.get("x-cache", "").endswith(" from edge")
        if edge_port:  # the viewer listener answers every path with a CloudFront-style page
            raise AdminError(f"{self.server} is the edge (viewer) listener, not the admin API: the admin API has "
                             f"its own port, by default the edge port + 1 ({_next_port(self.server)}); "
                             "use --server, EDGE_SERVER or edge.toml")
        error = body.get("error") if isinstance(body, dict) else None
        if response.is_success and (body is not None or not response.content):
            return body
        if not isinstance(error, dict):  # not an edge admin API at all
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise AdminError(f"{self.server} answered {response.status_code} ({kind}), not as an edge admin API "
                             "does; check --server, EDGE_SERVER or edge.toml")
        message = printable(str(error.get("message") or response.reason_phrase))
        if response.status_code == 401:
            message += (" (the server needs its admin token: pass it with --token or EDGE_ADMIN_TOKEN)"
                        if "missing" in message else " (check --token or EDGE_ADMIN_TOKEN)")
        elif error.get("code") == "store_unavailable":
            message += " (this node is cut off from the fleet's database; another node may answer: --server)"
        elif response.status_code == 413 and message.startswith("the module is larger than"):
            message += " (the server's limit, set by `edge serve --max-upload-mb`)"
        raise AdminError(f"{response.status_code}: {message}", code=error.get("code"))

    def stream_lines(self, path: str, **kw: Any) -> Iterator[dict[str, Any]]:
        """NDJSON records from a streaming endpoint (blank keepalive lines skipped)."""
        import httpx

        self._check_token()
        try:
            with self.http.stream("GET", path, timeout=httpx.Timeout(10.0, read=None), **kw) as response:
                if not response.is_success:
                    response.read()
                    self._decode(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.HTTPError as exc:
            self._refuse_plain_http(exc)
            raise AdminError(f"lost the admin API at {self.server}: {exc}") from None

    def close(self) -> None:
        self.http.close()


def printable(text: str) -> str:
    """`text` with control characters (C0, DEL, C1) and lone surrogates shown as escapes
    (`\\x1b`, `\\u009b`): what the server stored is printed, never acted on by the terminal
    (an OSC sequence in a description would retitle it, others move the cursor or clear it)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _next_port(server: str) -> str:
    import httpx

    url = httpx.URL(server)
    port = url.port or (443 if url.scheme == "https" else 80)
    return str(url.copy_with(port=port + 1)).rstrip("/")


NOT_FOUND_HINT = (f" ({DEFAULT_SERVER} is the default: nothing names a server, and no running `edge serve` "
                  "recorded itself in .edge/serve.json of this directory or a parent; one started with "
                  "another --state-dir is not found)")


def admin_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--server, --token and --json for a command; passes `client` and `as_json`."""

    @click.option("--server", envvar=SERVER_ENV, default=DEFAULT_SERVER, help=SERVER_HELP)
    @click.option("--token", envvar=TOKEN_ENV, default=None, help=f"Admin bearer token [env {TOKEN_ENV}].")
    @click.option("--json", "as_json", is_flag=True, help="Print the server's JSON answer (for scripts).")
    @functools.wraps(func)
    def wrapper(*args: Any, server: str, token: str | None, as_json: bool, **kwargs: Any) -> Any:
        client = AdminClient(server, token)
        if click.get_current_context().get_parameter_source("server") == click.core.ParameterSource.DEFAULT:
            client.unreachable_hint = NOT_FOUND_HINT
        try:
            return func(*args, client=client, as_json=as_json, **kwargs)
        finally:
            client.close()

    return wrapper


def warn_not_everywhere(result: Any) -> None:
    """A change the server answered before every worker of its node applied it (it waits 2 s at
    most): which ones still serve the previous state, on stderr (with --json too)."""
    workers = result.get("workers") if isinstance(result, dict) else None
    if not isinstance(workers, dict) or workers.get("converged", True):
        return
    if workers.get("error"):
        click.echo(f"warning: applied by the worker that answered; whether the node's other workers have it yet is "
                   f"unknown ({printable(str(workers['error']))})", err=True)
        return
    behind = workers.get("behind") or []
    which = ", ".join(f"pid {w.get('pid')} at revision {w.get('applied_revision')}" for w in behind)
    click.echo(f"warning: {len(behind)} of {workers.get('live')} workers had not applied it (revision "
               f"{workers.get('revision')}) after {float(workers.get('waited_ms') or 0) / 1000:.1f} s ({which}): "
               "they serve the previous state until they do (edge nodes shows them)", err=True)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def echo_err(line: str) -> None:
    click.echo(line, err=True)


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
