import socket
from datetime import date

import pytest

from mira.clio import (
    ClioAuthenticationError,
    ClioClient,
    ClioOutcomeUnknownError,
    ClioPermissionError,
    ClioRateLimitedError,
    ClioRequestError,
    ClioServerError,
    ClioTransportError,
    StaticTokenSource,
    get_region,
)
from tests.clio.conftest import RecordingTokenSource, make_http_client
from tests.clio.server import ScriptedServer

MATTER = {"data": {"id": 1203456789, "display_number": "00042-Harbor"}}
SERVER_ERROR = {"error": {"type": "ServiceUnavailable", "message": "try again"}}
RATE_LIMITED = {"error": {"type": "RateLimited", "message": "Too many requests"}}


def create_entry(client: ClioClient) -> dict:
    return client.create_time_entry(
        user_id=345001, matter_id=1203456789, date=date(2025, 3, 3), quantity_seconds=5400, note="Review lease"
    )


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_request_sends_bearer_and_api_version(clio_server, make_client):
    clio_server.reply(200, MATTER)
    client = make_client(StaticTokenSource("token-abc"))

    body = client.get("matters/1203456789.json", params={"fields": "id,display_number"})

    assert body == MATTER
    [received] = clio_server.received
    assert received.method == "GET"
    assert received.path == "/api/v4/matters/1203456789.json"
    assert received.query == {"fields": ["id,display_number"]}
    assert received.header("Authorization") == "Bearer token-abc"
    assert received.header("X-API-VERSION") == "4.0.9"
    assert received.header("User-Agent") == "MIRA/0.1 (+https://admin.miranow.ai)"


def test_request_sends_chosen_api_version(clio_server, region, http_client):
    clio_server.reply(200, MATTER)
    client = ClioClient(region, StaticTokenSource("t"), http=http_client, api_version="4.0.10")

    client.get("matters/1.json")

    assert clio_server.received[0].header("X-API-VERSION") == "4.0.10"


def test_401_refreshes_once_and_retries(clio_server, make_client):
    clio_server.reply(401, {"error": "invalid_token", "error_description": "expired"})
    clio_server.reply(200, MATTER)
    tokens = RecordingTokenSource("old-token", "new-token")

    body = make_client(tokens).get("matters/1.json")

    assert body == MATTER
    assert tokens.refresh_count == 1
    assert [r.header("Authorization") for r in clio_server.received] == ["Bearer old-token", "Bearer new-token"]


def test_second_401_raises_authentication_error(clio_server, make_client):
    clio_server.reply(401, {"error": "invalid_token", "error_description": "revoked"})
    clio_server.reply(401, {"error": "invalid_token", "error_description": "revoked"}, headers={"X-Request-Id": "r-2"})
    tokens = RecordingTokenSource("old-token", "new-token", "never-used")

    with pytest.raises(ClioAuthenticationError) as raised:
        make_client(tokens).get("matters/1.json")

    assert tokens.refresh_count == 1
    assert len(clio_server.received) == 2
    error = raised.value
    assert error.status_code == 401
    assert error.error_type == "invalid_token"
    assert error.request_id == "r-2"
    assert error.retryable is False


def test_static_token_source_401_raises(clio_server, make_client):
    clio_server.reply(401, {"error": "invalid_token", "error_description": "revoked"})

    with pytest.raises(ClioAuthenticationError):
        make_client(StaticTokenSource("t")).get("matters/1.json")

    assert len(clio_server.received) == 1


def test_403_raises_permission_error_without_retry(clio_server, make_client, fake_time):
    clio_server.reply(403, {"error": {"type": "ForbiddenError", "message": "missing Activities scope"}})

    with pytest.raises(ClioPermissionError) as raised:
        make_client().get("activities.json")

    assert raised.value.error_message == "missing Activities scope"
    assert fake_time.sleeps == []
    assert len(clio_server.received) == 1


def test_422_raises_request_error_without_retry(clio_server, make_client, fake_time):
    clio_server.reply(422, {"error": {"type": "ArgumentError", "message": "Quantity is invalid"}})

    with pytest.raises(ClioRequestError) as raised:
        create_entry(make_client())

    assert raised.value.status_code == 422
    assert raised.value.method == "POST"
    assert raised.value.path == "/api/v4/activities.json"
    assert fake_time.sleeps == []


def test_get_retried_on_503_then_succeeds(clio_server, make_client, fake_time):
    clio_server.reply(503, SERVER_ERROR)
    clio_server.reply(503, SERVER_ERROR)
    clio_server.reply(200, MATTER)

    body = make_client().get("matters/1.json")

    assert body == MATTER
    assert len(clio_server.received) == 3
    assert len(fake_time.sleeps) == 2
    # Jittered exponential backoff: the first retry waits 0.5-1 s, the second 1-2 s.
    assert 0.5 <= fake_time.sleeps[0] <= 1.0
    assert 1.0 <= fake_time.sleeps[1] <= 2.0


def test_get_gives_up_after_max_retries(clio_server, make_client, fake_time):
    for _ in range(4):
        clio_server.reply(503, SERVER_ERROR, headers={"X-Request-Id": "r-last"})

    with pytest.raises(ClioServerError) as raised:
        make_client(max_retries=3).get("matters/1.json")

    assert len(clio_server.received) == 4
    assert len(fake_time.sleeps) == 3
    assert raised.value.status_code == 503
    assert raised.value.error_type == "ServiceUnavailable"
    assert clio_server.unscripted == []


def test_backoff_is_capped_at_60_seconds(clio_server, make_client, fake_time):
    for _ in range(10):
        clio_server.reply(500, SERVER_ERROR)

    with pytest.raises(ClioServerError):
        make_client(max_retries=9).get("matters/1.json")

    assert len(fake_time.sleeps) == 9
    assert max(fake_time.sleeps) <= 60.0
    assert fake_time.sleeps[-1] >= 30.0


def test_get_retried_on_dropped_connection(clio_server, make_client, fake_time):
    clio_server.reply(drop_connection=True)
    clio_server.reply(200, MATTER)

    assert make_client().get("matters/1.json") == MATTER
    assert len(fake_time.sleeps) == 1


def test_429_waits_retry_after_then_retries(clio_server, make_client, fake_time):
    clio_server.reply(429, RATE_LIMITED, headers={"Retry-After": "17"})
    clio_server.reply(200, MATTER)

    assert make_client().get("matters/1.json") == MATTER
    assert fake_time.sleeps == [17.0]
    assert len(clio_server.received) == 2


def test_429_without_retry_after_waits_for_reset(clio_server, make_client, fake_time):
    reset_at = fake_time.now + 25
    clio_server.reply(429, RATE_LIMITED, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)})
    clio_server.reply(200, MATTER)

    make_client().get("matters/1.json")

    # One wait only: the retry waits for the reset, and the pacer must not wait a second time.
    assert fake_time.sleeps == [25.0]


def test_429_with_long_retry_after_raises(clio_server, make_client, fake_time):
    clio_server.reply(429, RATE_LIMITED, headers={"Retry-After": "3600"})

    with pytest.raises(ClioRateLimitedError) as raised:
        make_client().get("matters/1.json")

    assert raised.value.retry_after == 3600.0
    assert raised.value.retryable is True
    assert fake_time.sleeps == []


def test_pacing_waits_when_no_requests_remain(clio_server, make_client, fake_time):
    reset_at = fake_time.now + 42
    clio_server.reply(200, MATTER, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)})
    clio_server.reply(200, MATTER, headers={"X-RateLimit-Remaining": "49", "X-RateLimit-Reset": str(reset_at + 60)})
    clio_server.reply(200, MATTER, headers={"X-RateLimit-Remaining": "48", "X-RateLimit-Reset": str(reset_at + 60)})
    client = make_client()

    client.get("matters/1.json")
    assert fake_time.sleeps == []

    client.get("matters/1.json")
    assert fake_time.sleeps == [42.0]

    client.get("matters/1.json")
    assert fake_time.sleeps == [42.0]


def test_pacing_ignores_reset_in_past(clio_server, make_client, fake_time):
    clio_server.reply(200, MATTER, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(fake_time.now - 5)})
    clio_server.reply(200, MATTER)
    client = make_client()

    client.get("matters/1.json")
    client.get("matters/1.json")

    assert fake_time.sleeps == []


def test_post_read_timeout_raises_outcome_unknown(clio_server, region, fake_time):
    clio_server.reply(201, {"data": {"id": 1}}, delay_seconds=0.6)
    http = make_http_client(timeout=0.2)
    client = ClioClient(region, StaticTokenSource("t"), http=http, sleep=fake_time.sleep, clock=fake_time.clock)

    try:
        with pytest.raises(ClioOutcomeUnknownError) as raised:
            create_entry(client)
    finally:
        http.close()

    assert len(clio_server.received) == 1
    assert fake_time.sleeps == []
    assert raised.value.retryable is False
    assert "ReadTimeout" in str(raised.value)


def test_get_read_timeout_is_retried(clio_server, region, fake_time):
    clio_server.reply(200, MATTER, delay_seconds=0.6)
    clio_server.reply(200, MATTER)
    http = make_http_client(timeout=0.2)
    client = ClioClient(region, StaticTokenSource("t"), http=http, sleep=fake_time.sleep, clock=fake_time.clock)

    try:
        assert client.get("matters/1.json") == MATTER
    finally:
        http.close()

    assert len(fake_time.sleeps) == 1


def test_post_dropped_connection_raises_outcome_unknown(clio_server, make_client, fake_time):
    clio_server.reply(drop_connection=True)

    with pytest.raises(ClioOutcomeUnknownError):
        create_entry(make_client())

    assert len(clio_server.received) == 1
    assert fake_time.sleeps == []


def test_post_500_raises_outcome_unknown(clio_server, make_client, fake_time):
    clio_server.reply(500, {"error": {"type": "InternalServerError", "message": "oops"}})

    with pytest.raises(ClioOutcomeUnknownError) as raised:
        create_entry(make_client())

    assert raised.value.status_code == 500
    assert len(clio_server.received) == 1
    assert fake_time.sleeps == []


def test_post_429_is_retried(clio_server, make_client, fake_time):
    clio_server.reply(429, RATE_LIMITED, headers={"Retry-After": "3"})
    clio_server.reply(201, {"data": {"id": 2200334455, "type": "TimeEntry"}})

    entry = create_entry(make_client())

    assert entry == {"id": 2200334455, "type": "TimeEntry"}
    assert fake_time.sleeps == [3.0]
    assert [r.method for r in clio_server.received] == ["POST", "POST"]
    assert clio_server.received[0].json == clio_server.received[1].json


def test_post_connect_error_is_retried_then_raises(fake_time, http_client):
    # Nothing listens on this port, so every connection attempt is refused before sending.
    region = get_region("sandbox", sandbox_url=f"http://127.0.0.1:{unused_port()}")
    client = ClioClient(
        region, StaticTokenSource("t"), http=http_client, max_retries=2, sleep=fake_time.sleep, clock=fake_time.clock
    )

    with pytest.raises(ClioTransportError) as raised:
        create_entry(client)

    assert len(fake_time.sleeps) == 2
    assert "ConnectError" in str(raised.value)


def test_absolute_url_on_other_host_is_refused(clio_server, make_client):
    # A second local server is the "other host": a different origin that must never get the token.
    other_server = ScriptedServer()
    other_server.start()
    client = make_client(StaticTokenSource("secret-token"))

    try:
        with pytest.raises(ClioRequestError, match="rejected a URL outside"):
            client.get(f"{other_server.url}/api/v4/matters.json?page_token=x")
    finally:
        other_server.stop()

    assert other_server.received == []
    assert clio_server.received == []


@pytest.mark.parametrize(
    "path",
    [
        "{base}/oauth/token",
        "{base}/api/v4/../oauth/token",
        "{base}/api/v4/%2e%2e/oauth/token",
        "{base}/api/v4evil/matters.json",
        "http://user:pw@{host}/api/v4/matters.json",
        "https://{host}/api/v4/matters.json",
    ],
)
def test_absolute_url_outside_api_is_refused(clio_server, make_client, path):
    base = clio_server.url
    host = base.removeprefix("http://")

    with pytest.raises(ClioRequestError):
        make_client().get(path.format(base=base, host=host))

    assert clio_server.received == []


def test_absolute_url_under_api_is_allowed(clio_server, make_client):
    clio_server.reply(200, MATTER)

    make_client().get(f"{clio_server.url}/api/v4/matters.json?page_token=abc")

    assert clio_server.received[0].query == {"page_token": ["abc"]}


def test_request_logs_no_token_or_query(clio_server, make_client, caplog):
    clio_server.reply(200, MATTER, headers={"X-RateLimit-Remaining": "12"})
    clio_server.reply(503, SERVER_ERROR)
    clio_server.reply(200, MATTER)
    client = make_client(StaticTokenSource("secret-token-value"))

    with caplog.at_level("DEBUG", logger="mira.clio"):
        client.get(f"{clio_server.url}/api/v4/matters.json?page_token=secret-page-token")
        client.get("matters.json")

    text = caplog.text
    assert "secret-token-value" not in text
    assert "secret-page-token" not in text
    assert "page_token" not in text
    assert "clio.request method=GET path=/api/v4/matters.json status=200" in text
    assert "ratelimit_remaining=12" in text
    assert "clio.retry" in text
