"""A webhook subscriber for tests: a real HTTP server on 127.0.0.1 that records every POST it receives."""

import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class Subscriber:
    """A subscriber that echoes X-Hook-Secret on handshakes (unless echo_secret is off) and replies to events with queued statuses."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.echo_secret = True
        # Statuses for the next event deliveries, used in order; 200 once they run out.
        self.event_statuses: list[int] = []
        self._lock = threading.Lock()
        self.url = ""

    def handshakes(self) -> list[Received]:
        with self._lock:
            return [item for item in self.received if "x-hook-secret" in item.headers]

    def events(self) -> list[Received]:
        with self._lock:
            return [item for item in self.received if "x-hook-signature" in item.headers]

    def wait_for_events(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events()
            if len(events) >= count:
                return events
            time.sleep(0.02)
        raise AssertionError(f"expected {count} webhook events within {timeout} s, got {len(self.events())}")

    def wait_for_handshakes(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            handshakes = self.handshakes()
            if len(handshakes) >= count:
                return handshakes
            time.sleep(0.02)
        raise AssertionError(f"expected {count} handshakes within {timeout} s, got {len(self.handshakes())}")

    def _record(self, item: Received) -> int:
        with self._lock:
            self.received.append(item)
            if "x-hook-secret" in item.headers:
                return 200
            return self.event_statuses.pop(0) if self.event_statuses else 200


def _handler_for(subscriber: Subscriber) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = subscriber._record(Received(self.path, headers, self.rfile.read(length)))
            self.send_response(status)
            secret = headers.get("x-hook-secret")
            if secret and subscriber.echo_secret:
                self.send_header("X-Hook-Secret", secret)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:
            return

    return Handler


@contextlib.contextmanager
def running_subscriber(path: str = "/hooks/clio") -> Iterator[Subscriber]:
    subscriber = Subscriber()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(subscriber))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    subscriber.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield subscriber
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
