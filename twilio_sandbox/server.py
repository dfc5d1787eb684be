"""``SandboxServer``: a threaded HTTP/1.1 server that adds no latency of its own.

Two details keep a request at about a millisecond: TCP_NODELAY on every
accepted socket, and status line + headers + body written in ONE sendall.
Writing headers and body separately with Nagle on meets the client's delayed
ACK and costs ~40 ms per request (measured with http.server and twilio 9.13).
"""

import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .app import Sandbox, error_response
from .errors import ApiError, DropConnection
from .wire import Request, Response, to_json

MAX_LINE = 65536
# Twilio requests are small forms; a larger body is refused before any buffer is allocated for it.
MAX_BODY = 16 * 1024 * 1024


@dataclass
class Exchange:
    """One recorded request/response pair (contract tests validate these)."""
    method: str
    path: str
    query_string: str
    request_headers: dict
    request_body: bytes
    status: int
    response_headers: dict
    response_body: bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TwilioSandbox"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_one_request(self):
        """Read one request, answer it; our own parser keeps the hot path short."""
        try:
            parsed = self._read_request()
        except ApiError as error:
            # The request's framing is unknown, so nothing more can be read from this connection.
            self.close_connection = True
            head, payload = _encode(error_response(error), keep_alive=False)
            self._send(head + payload)
            return
        if parsed is None:
            self.close_connection = True
            return
        method, target, headers, body, keep_alive = parsed
        self.close_connection = not keep_alive
        split = urlsplit(target)
        request = Request(
            method=method, path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            form=_parse_form(headers, body), headers=headers, body=body)
        try:
            response = self.server.sandbox.handle(request)
        except DropConnection:
            self._drop()
            return
        head, payload = _encode(response, keep_alive)
        # Recorded before sending, so a test sees the exchange as soon as its call returns.
        self._record(request, split.query, response, payload)
        self._send(head + payload)

    def _send(self, data: bytes):
        try:
            self.wfile.write(data)  # unbuffered socket writer: one sendall
        except OSError:
            self.close_connection = True

    def _read_request(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if not line or len(line) > MAX_LINE:
            return None
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            return None
        method, target, version = parts
        headers = {}
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = _content_length(headers.get("content-length"))
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ApiError(400, 20001, f"Content-Length is {length} but the request body has {len(body)} bytes")
        connection = headers.get("connection", "").lower()
        keep_alive = version == "HTTP/1.1" and connection != "close" or connection == "keep-alive"
        return method.upper(), target, headers, body, keep_alive

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _record(self, request: Request, query_string: str, response: Response, payload: bytes):
        log = self.server.sandbox.exchange_log
        if log is None:
            return
        log.append(Exchange(
            method=request.method, path=request.path, query_string=query_string,
            request_headers=dict(request.headers), request_body=request.body,
            status=response.status,
            response_headers={"content-type": "application/json", **{k.lower(): v for k, v in response.headers.items()}},
            response_body=payload))

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # quiet: tests and benchmarks would drown in access logs


def _content_length(value: str | None) -> int:
    """The declared body size (no header: no body); an unusable value raises ApiError 400, too large 413."""
    if value is None:
        return 0
    # Digits only: int() would also take "-1", "+5", "1_0" and non-ASCII digits.
    if not (value.isascii() and value.isdigit()):
        raise ApiError(400, 20001, f"Invalid Content-Length: {value!r}")
    length = int(value)
    if length > MAX_BODY:
        raise ApiError(413, 20001, f"Content-Length {length} exceeds the sandbox's limit of {MAX_BODY} bytes")
    return length


def _encode(response: Response, keep_alive: bool) -> tuple[bytes, bytes]:
    """Status line + headers, and the body; sent together in one write."""
    payload = b"" if response.body is None else _json(response.body)
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
    if response.body is not None:
        lines.append("Content-Type: application/json; charset=utf-8")
    lines.append(f"Content-Length: {len(payload)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    lines.extend(f"{name}: {value}" for name, value in response.headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), payload


def _json(body) -> bytes:
    if isinstance(body, bytes):
        return body  # encoded by the handler
    return to_json(body).encode("utf-8")


def _parse_form(headers: dict, body: bytes) -> dict[str, list[str]]:
    if not body or "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
        return {}
    return parse_qs(body.decode("utf-8"), keep_blank_values=True)


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sandbox: Sandbox | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 **sandbox_options):
        self.sandbox = sandbox or Sandbox(**sandbox_options)
        super().__init__((host, port), Handler)
        self.sandbox.url = self.url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SandboxServer":
        """Serve in a background thread and start message delivery."""
        self.sandbox.start()
        self._thread = threading.Thread(target=self.serve_forever, name="twilio-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.sandbox.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
