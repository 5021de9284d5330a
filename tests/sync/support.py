"""Fixtures and helpers for tests that sync from, or deliver to, the running Clio sandbox.

A connected connection is made the way a firm admin makes one: sign in to the sandbox's developer
portal, create the app, press ALLOW ACCESS on its consent page, then exchange the code with
mira.clio.exchange_code.
"""

import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from mira.accounts.models import Firm, User
from mira.clio import AppCredentials, build_http_client, exchange_code, get_region
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import save_tokens
from mira.sandbox.control import ControlClient
from tests.sandbox.helpers import authorize_params, browser, code_from, consent, create_app, sign_in

CHOSEN_STATUSES = ["Open", "Pending"]


def redirect_uri() -> str:
    return f"{settings.MIRA_PUBLIC_BASE_URL}/oauth/callback"


def connect_firm(base_url: str, firm: Firm, *, permissions: dict | None = None) -> ClioConnection:
    """Create a sandbox app, authorize it over HTTP and store a connected ClioConnection for `firm`."""
    with browser(base_url) as portal:
        assert sign_in(portal).status_code == 302
        app = create_app(portal, name="MIRALink", redirect_uris=redirect_uri(), permissions=permissions)
        code = code_from(consent(portal, authorize_params(app, redirect_uri=redirect_uri())))

    connection = ClioConnection.objects.create(
        firm=firm,
        region="sandbox",
        client_id=app.client_id,
        client_secret=app.client_secret,
        matter_statuses=list(CHOSEN_STATUSES),
    )
    with build_http_client() as http:
        token_set = exchange_code(
            http, get_region("sandbox", base_url), AppCredentials(app.client_id, app.client_secret), code, redirect_uri()
        )
    save_tokens(connection, token_set)

    connection.status = ClioConnection.Status.CONNECTED
    connection.connected_at = timezone.now()
    connection.save(update_fields=["status", "connected_at"])
    return connection


@pytest.fixture
def clio_settings(settings, sandbox):
    settings.MIRA_SANDBOX_URL = sandbox.base_url
    # Paging every record costs more requests than Clio's 50 per minute.
    settings.MIRA_SANDBOX_RATE_LIMIT = 10_000
    # A retryable failure should end the run at once instead of sleeping through ClioClient's backoff.
    settings.MIRA_CLIO_MAX_RETRIES = 0
    return settings


@pytest.fixture
def firm(transactional_db) -> Firm:
    return Firm.objects.create(name="Harbor & Vale LLP")


@pytest.fixture
def connection(clio_settings, sandbox, firm) -> ClioConnection:
    return connect_firm(sandbox.base_url, firm)


@pytest.fixture
def timekeeper(firm) -> User:
    # The sandbox's Amelia Ortiz, with the email in another case to prove matching ignores case.
    return User.objects.create_user(
        "Amelia.Ortiz@HarborVale.test", "a-long-password", firm=firm, role=User.Role.TIMEKEEPER,
        first_name="Amelia", last_name="Ortiz",
    )


@pytest.fixture
def sandbox_control(sandbox) -> Iterator[ControlClient]:
    """Yield a client for the sandbox's control API, with no fault rules and zeroed request counts.

    Rules and counts live in the sandbox module's memory, shared by every server in this process,
    so they are cleared before and after each test. Clearing also releases responses held by "timeout".
    """
    control = ControlClient(sandbox.base_url, timeout=10.0)
    control.call("DELETE", "faults")
    control.call("DELETE", "stats")
    try:
        yield control
    finally:
        control.call("DELETE", "faults")
        control.call("DELETE", "stats")
        control.close()


def endpoint_statuses(control: ControlClient, endpoint: str) -> dict[str, int]:
    """Return the sandbox's response counts by status for one endpoint, like "GET /api/v4/matters.json"."""
    stats = control.call("GET", "stats")
    return (stats["endpoints"].get(endpoint) or {}).get("statuses", {})


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing listens (the port was bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport that records each request and can rewrite it before sending.

    `page_limit` replaces the `limit` query parameter of API listings, so a test can page through
    the sandbox's records a few at a time. `redirect` (a callable given the request count) may
    return a base URL to send the request to instead, to make Clio unreachable part-way through.
    """

    def __init__(self, *, page_limit: int | None = None, redirect: Callable[[list[httpx.Request]], str | None] | None = None):
        self.inner = httpx.HTTPTransport()
        self.page_limit = page_limit
        self.redirect = redirect
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if self.page_limit and "limit" in url.params:
            url = url.copy_set_param("limit", str(self.page_limit))
        target = self.redirect(self.requests) if self.redirect else None
        if target:
            target_url = httpx.URL(target)
            url = url.copy_with(host=target_url.host, port=target_url.port)

        request.url = url
        self.requests.append(request)
        return self.inner.handle_request(request)

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]

    def close(self) -> None:
        self.inner.close()
