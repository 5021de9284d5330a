"""A tiny real HTTP server on 127.0.0.1 that replays scripted replies and records each request.

Tests drive the Clio library through a real httpx client against it, then assert on what the
server received. Replies are served in the order they were queued, whatever the path.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    drop_connection: bool = False


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode(), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[ReceivedRequest] = []
        self.unscripted: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval lets shutdown() return quickly at the end of each test.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply(
        self,
        status: int = 200,
        json: Any = None,
        *,
        headers: dict[str, str] | None = None,
        delay_seconds: float = 0.0,
        drop_connection: bool = False,
    ) -> None:
        """Queue one reply for the next request."""
        self.replies.append(Reply(status, json, headers or {}, delay_seconds, drop_connection))

    def _next_reply(self, request: ReceivedRequest) -> Reply | None:
        with self._lock:
            self.received.append(request)
            if self.replies:
                return self.replies.popleft()
            self.unscripted.append(request)
            return None


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PATCH(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            request = ReceivedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            reply = server._next_reply(request)
            if reply is None:
                reply = Reply(599, {"error": {"type": "Unscripted", "message": "no reply queued"}})

            if reply.delay_seconds:
                time.sleep(reply.delay_seconds)
            if reply.drop_connection:
                self.close_connection = True
                return

            body = b"" if reply.json is None else json.dumps(reply.json).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up first (the timeout tests do this on purpose).
                self.close_connection = True

    return Handler
