"""A minimal blocking HTTP/1.1 client for single timed requests (cold start, deploy-to-serve):
one keep-alive socket, no library between the clock and the wire, so the figures are the
server's and the loopback's, not a client's."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from .load import check_loopback


class Connection:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        check_loopback(base_url)
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def get(self, path: str) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, milliseconds from sending to the last body byte)."""
        sock = self.sock or self._connect()
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
        started = time.perf_counter()
        try:
            sock.sendall(request)
            status, headers, body = self._read_response(sock)
        except (OSError, ValueError):
            self.close()
            raise
        elapsed = (time.perf_counter() - started) * 1000
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body, elapsed

    def _read_response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._recv(sock)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._recv(sock)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def _recv(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed by the server")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""
