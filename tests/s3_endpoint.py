"""A small S3-compatible endpoint for tests: path-style GET/HEAD of objects held in memory,
and, when given credentials, SigV4 verification as S3 does it (every x-amz-* header signed,
the signature recomputed from the request as received)."""

from __future__ import annotations

import hashlib
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .conftest import ServerThread

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<cred>[^,]+), ?SignedHeaders=(?P<signed>[^,]+), ?Signature=(?P<sig>[0-9a-f]+)")


def _error(status: int, code: str) -> Response:
    return Response(f"<Error><Code>{code}</Code></Error>", status_code=status, media_type="application/xml")


class S3Endpoint:
    def __init__(self, objects: dict[str, bytes | tuple[bytes, dict[str, str]]], *, access_key: str | None = None, secret: str | None = None,
                 region: str = "us-east-1") -> None:
        self.objects = objects  # "bucket/key" -> bytes, or (bytes, metadata headers such as x-amz-meta-*)
        self.access_key, self.secret, self.region = access_key, secret, region
        self.requests: list[dict] = []
        self.server = ServerThread(Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "HEAD"])]))
        self.url = self.server.url

    async def handle(self, request: Request) -> Response:
        self.requests.append({"path": request.url.path, "headers": dict(request.headers)})
        if self.secret is not None:
            refusal = self._verify(request)
            if refusal is not None:
                return refusal
        stored = self.objects.get(request.url.path.lstrip("/"))
        if stored is None:
            return _error(404, "NoSuchKey")
        body, metadata = stored if isinstance(stored, tuple) else (stored, {})
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        return Response(body, media_type="application/octet-stream", headers={"ETag": etag, **metadata})

    def _verify(self, request: Request) -> Response | None:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        match = _AUTH.match(request.headers.get("authorization", ""))
        if match is None:
            return _error(403, "AccessDenied")
        access_key, _, region, service, _ = match["cred"].split("/")
        signed = match["signed"].split(";")
        if access_key != self.access_key or region != self.region or service != "s3":
            return _error(403, "InvalidAccessKeyId")
        unsigned = [h for h in request.headers if h.startswith("x-amz-") and h not in signed]
        if unsigned or "host" not in signed:
            return _error(403, "AccessDenied")  # S3: "There were headers present in the request which were not signed"
        url = f"http://{request.headers['host']}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
        check = AWSRequest(method=request.method, url=url, headers={h: request.headers[h] for h in signed})
        check.context["timestamp"] = request.headers["x-amz-date"]
        auth = S3SigV4Auth(Credentials(self.access_key, self.secret), "s3", self.region)
        expected = auth.signature(auth.string_to_sign(check, auth.canonical_request(check)), check)
        if expected != match["sig"]:
            return _error(403, "SignatureDoesNotMatch")
        return None
