"""The sandbox's own HTTP server: a WSGI handler with its own short middleware chain and URLconf.

It must not run the portal's middleware: the portal's session, auth and CSRF cookies would be read
and written here too, because browsers share cookies across ports on one host.
"""

import logging
import signal
import threading
from collections.abc import Callable

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware

from mira.sandbox.faults import CONTROL_PREFIX, DROP_CONNECTION_KEY, FaultInjector
from mira.sandbox.stats import StatsRecorder

logger = logging.getLogger(__name__)

URLCONF = "mira.sandbox.urls"
CONTROL_URLCONF = "mira.sandbox.control_urls"


class SandboxUrlconfMiddleware:
    """Route every request through the sandbox's URLconf instead of ROOT_URLCONF.

    Paths under /_sandbox/ go to the control API's URLconf, so the API's URLconf stays free of it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        control = request.path_info.startswith(CONTROL_PREFIX) or request.path_info == CONTROL_PREFIX.rstrip("/")
        request.urlconf = CONTROL_URLCONF if control else URLCONF
        return self.get_response(request)


# Outermost first.
SANDBOX_MIDDLEWARE = [SandboxUrlconfMiddleware, CommonMiddleware]


class SandboxWSGIHandler(WSGIHandler):
    """A WSGIHandler whose middleware chain is SANDBOX_MIDDLEWARE, ignoring settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []

        handler = convert_exception_to_response(self._get_response)
        for middleware in reversed(SANDBOX_MIDDLEWARE):
            handler = convert_exception_to_response(middleware(handler))
        self._middleware_chain = handler


def make_application() -> SandboxWSGIHandler:
    """Return the sandbox's Django WSGI application; Django must already be set up."""
    return SandboxWSGIHandler()


def make_served_application() -> StatsRecorder:
    """Return the application the server runs: request counting around fault injection around Django."""
    return StatsRecorder(FaultInjector(make_application()))


# Marks the threads that serve one client connection of the sandbox server (see keep_database_connection).
_serving_thread = threading.local()


def keep_database_connection(sender: type, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """Keep a database connection opened by a sandbox request thread open until its client disconnects.

    With CONN_MAX_AGE 0, Django closes the connection after every request, and reopening it (with
    SQLite's schema read and a cold page cache) took about 2 ms of a 10 ms page of 200 matters
    (measured in process on 2 cores).
    ThreadedWSGIServer closes the thread's connections when the client's connection closes, and
    Django still closes one that a request left outside autocommit or unusable after an error.
    """
    if getattr(_serving_thread, "active", False):
        connection.close_at = None


connection_created.connect(keep_database_connection, dispatch_uid="mira.sandbox.server.keep_database_connection")


class SandboxRequestHandler(WSGIRequestHandler):
    """Log each request's method, path and status without its query string, and let faults drop the connection."""

    # wsgiref sends the headers and the body in separate writes. With Nagle's algorithm on, a
    # keep-alive client's delayed ACK then added about 40 ms to every response (measured locally).
    disable_nagle_algorithm = True

    def handle(self) -> None:
        # ThreadingMixIn runs each client connection in a new thread, so the mark ends with it.
        _serving_thread.active = True
        super().handle()

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ[DROP_CONNECTION_KEY] = self.mark_for_closing
        return environ

    def mark_for_closing(self) -> None:
        # handle() stops reading requests on this connection and shuts it down once the current
        # request returns, so the client gets no response at all.
        self.close_connection = True

    def log_message(self, format: str, *args) -> None:
        request_line = getattr(self, "requestline", "")
        method, _, rest = request_line.partition(" ")
        path = rest.split(" ")[0].split("?")[0]
        status = args[1] if len(args) > 1 else ""
        logger.info("%s %s %s %s", self.client_address[0], method, path, status)


def make_server(host: str, port: int) -> ThreadedWSGIServer:
    """Bind a threaded WSGI server serving the sandbox; port 0 picks a free port."""
    server = ThreadedWSGIServer((host, port), SandboxRequestHandler, ipv6=":" in host, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(make_served_application())
    return server


def serve(host: str, port: int) -> None:
    """Serve the sandbox until SIGTERM, SIGINT or KeyboardInterrupt."""
    server = make_server(host, port)
    bound_host, bound_port = server.server_address[:2]
    previous_handlers = _install_stop_handlers(server)
    logger.info("Clio sandbox listening on http://%s:%s", bound_host, bound_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("Clio sandbox interrupted")
    finally:
        server.server_close()
        _restore_handlers(previous_handlers)
        logger.info("Clio sandbox on http://%s:%s stopped", bound_host, bound_port)


def _install_stop_handlers(server: ThreadedWSGIServer) -> dict:
    # Signal handlers can only be set from the main thread; elsewhere the caller stops the server.
    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop(signum: int, frame) -> None:
        logger.info("Clio sandbox received %s; stopping", signal.Signals(signum).name)
        # shutdown() waits for serve_forever() to return, which runs on this same thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    return {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}


def _restore_handlers(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
