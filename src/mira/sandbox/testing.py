"""Run the sandbox server in a background thread, for tests and scripts."""

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator

from mira.sandbox.server import make_server

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunningSandbox:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def running_sandbox(host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningSandbox]:
    """Start the sandbox on host:port (0 = a free port) in a thread; stop it on exit.

    Each request thread opens its own database connection, so tests need a database they can see
    from other connections (pytest-django's transactional_db).
    """
    server = make_server(host, port)
    bound_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name=f"clio-sandbox-{bound_port}", daemon=True)
    thread.start()
    logger.info("Started the Clio sandbox on http://%s:%s", host, bound_port)
    try:
        yield RunningSandbox(host=host, port=bound_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        logger.info("Stopped the Clio sandbox on http://%s:%s", host, bound_port)
