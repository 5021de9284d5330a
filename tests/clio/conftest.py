"""Fixtures for the Clio library tests: a scripted server, a region pointing at it, and clients."""

import httpx
import pytest

from mira.clio import ClioClient, StaticTokenSource, build_http_client, get_region
from tests.clio.server import ScriptedServer


class FakeTime:
    """An injected clock and sleep: sleeping records the wait and moves the clock, without real delay.

    ClioClient takes `sleep` and `clock` for this, so the backoff and pacing tests stay fast.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingTokenSource:
    """Hands out tokens in order: the first as the current token, the next on each refresh."""

    def __init__(self, *tokens: str) -> None:
        self._tokens = list(tokens)
        self.current = self._tokens.pop(0)
        self.refresh_count = 0

    def access_token(self) -> str:
        return self.current

    def refresh_access_token(self) -> str:
        self.refresh_count += 1
        self.current = self._tokens.pop(0)
        return self.current


@pytest.fixture
def clio_server():
    server = ScriptedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def region(clio_server):
    return get_region("sandbox", sandbox_url=clio_server.url)


def make_http_client(timeout: float = 5.0) -> httpx.Client:
    # An explicit transport keeps httpx from routing 127.0.0.1 through a proxy set in the environment.
    return build_http_client(timeout=timeout, transport=httpx.HTTPTransport())


@pytest.fixture
def http_client():
    client = make_http_client()
    yield client
    client.close()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(region, http_client, fake_time):
    def make(tokens=None, *, max_retries: int = 4, http: httpx.Client | None = None) -> ClioClient:
        return ClioClient(
            region,
            tokens or StaticTokenSource("access-token-1"),
            http=http or http_client,
            max_retries=max_retries,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
        )

    return make
