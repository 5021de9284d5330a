from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from mira.clio import (
    AppCredentials,
    ClioServerError,
    OAuthError,
    TokenSet,
    build_authorize_url,
    deauthorize,
    exchange_code,
    get_region,
    refresh_tokens,
)

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
CREDENTIALS = AppCredentials(client_id="app-key-123", client_secret="app-secret-456")
REDIRECT_URI = "https://admin.miranow.ai/oauth/clio/callback"


def test_authorize_url_has_all_parameters():
    url = build_authorize_url(get_region("eu"), "app-key-123", REDIRECT_URI, "state-abc")

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://eu.app.clio.com/oauth/authorize"
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["app-key-123"],
        "redirect_uri": [REDIRECT_URI],
        "state": ["state-abc"],
        "redirect_on_decline": ["true"],
    }


def test_authorize_url_requires_state():
    with pytest.raises(ValueError, match="state"):
        build_authorize_url(get_region("us"), "app-key-123", REDIRECT_URI, "")


def test_exchange_code_returns_tokens(clio_server, region, http_client):
    clio_server.reply(
        200,
        {"token_type": "bearer", "access_token": "at-1", "refresh_token": "rt-1", "expires_in": 2592000},
    )

    tokens = exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert tokens.access_token == "at-1"
    assert tokens.refresh_token == "rt-1"
    assert tokens.expires_at == NOW + timedelta(seconds=2592000)
    assert tokens.token_type == "bearer"

    [received] = clio_server.received
    assert received.method == "POST"
    assert received.path == "/oauth/token"
    assert received.header("Content-Type") == "application/x-www-form-urlencoded"
    assert received.form == {
        "grant_type": "authorization_code",
        "code": "code-xyz",
        "client_id": "app-key-123",
        "client_secret": "app-secret-456",
        "redirect_uri": REDIRECT_URI,
    }


def test_exchange_code_honours_short_expires_in(clio_server, region, http_client):
    clio_server.reply(200, {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 604800})

    tokens = exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert tokens.expires_at == NOW + timedelta(days=7)


def test_exchange_code_invalid_grant(clio_server, region, http_client):
    clio_server.reply(
        400,
        {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"},
        headers={"X-Request-Id": "req-77"},
    )

    with pytest.raises(OAuthError) as raised:
        exchange_code(http_client, region, CREDENTIALS, "used-code", REDIRECT_URI, now=NOW)

    error = raised.value
    assert error.error == "invalid_grant"
    assert error.description == "The provided authorization grant is invalid"
    assert error.needs_reauthorization is True
    assert error.status_code == 400
    assert error.path == "/oauth/token"
    assert error.request_id == "req-77"
    assert "used-code" not in str(error)


def test_exchange_code_invalid_client(clio_server, region, http_client):
    clio_server.reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})

    with pytest.raises(OAuthError) as raised:
        exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert raised.value.error == "invalid_client"
    assert raised.value.needs_reauthorization is True
    assert "App Key" in raised.value.user_message


def test_exchange_code_invalid_request_needs_no_reauthorization(clio_server, region, http_client):
    clio_server.reply(400, {"error": "invalid_request", "error_description": "redirect_uri mismatch"})

    with pytest.raises(OAuthError) as raised:
        exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert raised.value.error == "invalid_request"
    assert raised.value.needs_reauthorization is False


@pytest.mark.parametrize(
    "body",
    [
        {"refresh_token": "rt-1", "expires_in": 2592000},
        {"access_token": "at-1", "expires_in": 2592000},
        {"access_token": "at-1", "refresh_token": "rt-1"},
        {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": "soon"},
        {"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 60, "token_type": "mac"},
        ["not", "an", "object"],
    ],
    ids=["no-access-token", "no-refresh-token", "no-expires-in", "bad-expires-in", "not-bearer", "list"],
)
def test_exchange_code_malformed_success_body(clio_server, region, http_client, body):
    clio_server.reply(200, body)

    with pytest.raises(OAuthError) as raised:
        exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert raised.value.error == "invalid_response"
    assert raised.value.needs_reauthorization is False
    assert "at-1" not in str(raised.value)
    assert "rt-1" not in str(raised.value)


def test_token_endpoint_4xx_without_json(clio_server, region, http_client):
    clio_server.reply(404)

    with pytest.raises(OAuthError) as raised:
        exchange_code(http_client, region, CREDENTIALS, "code-xyz", REDIRECT_URI, now=NOW)

    assert raised.value.error == "invalid_response"
    assert raised.value.status_code == 404


def test_token_endpoint_5xx_is_server_error(clio_server, region, http_client):
    clio_server.reply(502, {"error": {"type": "BadGateway", "message": "upstream"}})

    with pytest.raises(ClioServerError) as raised:
        refresh_tokens(http_client, region, CREDENTIALS, "rt-1", now=NOW)

    assert raised.value.retryable is True


def test_refresh_keeps_old_refresh_token_when_none_returned(clio_server, region, http_client):
    clio_server.reply(200, {"token_type": "bearer", "access_token": "at-2", "expires_in": 2592000})

    tokens = refresh_tokens(http_client, region, CREDENTIALS, "rt-original", now=NOW)

    assert tokens.access_token == "at-2"
    assert tokens.refresh_token == "rt-original"
    assert tokens.expires_at == NOW + timedelta(days=30)
    assert clio_server.received[0].form == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-original",
        "client_id": "app-key-123",
        "client_secret": "app-secret-456",
    }


def test_refresh_uses_new_refresh_token_when_returned(clio_server, region, http_client):
    clio_server.reply(200, {"access_token": "at-2", "refresh_token": "rt-new", "expires_in": 86400})

    tokens = refresh_tokens(http_client, region, CREDENTIALS, "rt-original", now=NOW)

    assert tokens.refresh_token == "rt-new"


def test_refresh_revoked_needs_reauthorization(clio_server, region, http_client):
    clio_server.reply(400, {"error": "invalid_grant", "error_description": "revoked"})

    with pytest.raises(OAuthError) as raised:
        refresh_tokens(http_client, region, CREDENTIALS, "rt-revoked", now=NOW)

    assert raised.value.needs_reauthorization is True
    assert "rt-revoked" not in str(raised.value)


def test_deauthorize_sends_bearer(clio_server, region, http_client):
    clio_server.reply(200, {})

    deauthorize(http_client, region, "at-to-revoke")

    [received] = clio_server.received
    assert received.method == "POST"
    assert received.path == "/oauth/deauthorize"
    assert received.header("Authorization") == "Bearer at-to-revoke"


def test_deauthorize_already_revoked_is_not_error(clio_server, region, http_client):
    clio_server.reply(401, {"error": "invalid_token", "error_description": "revoked"})

    deauthorize(http_client, region, "at-already-revoked")

    assert len(clio_server.received) == 1


def test_deauthorize_server_error_raises(clio_server, region, http_client):
    clio_server.reply(500, {"error": {"type": "InternalError", "message": "boom"}})

    with pytest.raises(ClioServerError):
        deauthorize(http_client, region, "at-to-revoke")


def test_token_set_expires_within():
    tokens = TokenSet("at", "rt", expires_at=NOW + timedelta(minutes=10))

    assert tokens.expires_within(900, now=NOW) is True
    assert tokens.expires_within(300, now=NOW) is False
    assert tokens.expires_within(0, now=NOW + timedelta(minutes=11)) is True


def test_token_set_requires_aware_expiry():
    with pytest.raises(ValueError, match="timezone-aware"):
        TokenSet("at", "rt", expires_at=datetime(2025, 1, 1))


def test_credentials_and_tokens_repr_mask_secrets():
    tokens = TokenSet("secret-access", "secret-refresh", expires_at=NOW)

    for text in (repr(CREDENTIALS), str(CREDENTIALS)):
        assert "app-secret-456" not in text
        assert "app-key-123" in text
    for text in (repr(tokens), str(tokens)):
        assert "secret-access" not in text
        assert "secret-refresh" not in text
        assert "2025-03-03" in text
