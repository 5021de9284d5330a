"""OAuth 2.0 flow of the sandbox over real HTTP: authorize, consent, token, refresh, deauthorize."""

import html
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from mira.sandbox.models import AuthorizationCode
from tests.sandbox.helpers import (
    REDIRECT_URI,
    Api,
    authorize_params,
    browser,
    code_from,
    connect,
    consent,
    create_app,
    exchange_code,
    form_token,
    sign_in,
)


@pytest.fixture
def client(sandbox):
    with browser(sandbox.base_url) as client:
        assert sign_in(client).status_code == 302
        yield client


@pytest.fixture
def app(client):
    return create_app(client)


def test_full_flow_from_consent_to_deauthorize(sandbox, client, app):
    params = authorize_params(app)
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200
    assert "Benjamin Lee" in page.text
    assert "Third party application MIRA would like to connect with your Clio account:" in page.text
    assert "Granting access to this app will allow it to:" in page.text
    assert "Activities: Read/Write" in page.text
    assert "Matters: Read" in page.text
    assert "https://mira.example.test" in page.text
    assert "ALLOW ACCESS" in page.text
    assert "DENY ACCESS" in page.text

    allowed = client.post("/oauth/authorize", data={**params, "form_token": form_token(page.text), "decision": "allow"})
    location = urlsplit(allowed.headers["location"])
    assert allowed.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert parse_qs(location.query)["state"] == ["state-123"]

    tokens = exchange_code(client, app, code_from(allowed))
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 2592000
    assert body["access_token"] and body["refresh_token"]
    assert tokens.headers["cache-control"] == "no-store"

    api = Api(sandbox.base_url, body["access_token"])
    assert api.get("/users/who_am_i.json", fields="id,name").json()["data"]["name"] == "Benjamin Lee"

    refreshed = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"],
        "client_id": app.client_id, "client_secret": app.client_secret,
    })
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()
    new_access = refreshed.json()["access_token"]
    assert new_access != body["access_token"]
    assert Api(sandbox.base_url, new_access).get("/users/who_am_i.json").status_code == 200

    # The refresh token stays valid after use, as Clio Manage's does.
    again = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"],
        "client_id": app.client_id, "client_secret": app.client_secret,
    })
    assert again.status_code == 200

    deauthorized = client.post("/oauth/deauthorize", headers={"Authorization": f"Bearer {new_access}"})
    assert deauthorized.status_code == 200
    assert Api(sandbox.base_url, new_access).get("/users/who_am_i.json").status_code == 401
    assert Api(sandbox.base_url, body["access_token"]).get("/users/who_am_i.json").status_code == 401
    after = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"],
        "client_id": app.client_id, "client_secret": app.client_secret,
    })
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"


def test_deauthorize_unknown_token(sandbox, client):
    response = client.post("/oauth/deauthorize", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_authorize_signed_out_redirects_back(sandbox, app):
    params = authorize_params(app)
    with browser(sandbox.base_url) as fresh:
        first = fresh.get("/oauth/authorize", params=params)
        assert first.status_code == 302
        sign_in_url = urlsplit(first.headers["location"])
        assert sign_in_url.path == "/session/sign-in"
        next_url = parse_qs(sign_in_url.query)["next"][0]
        assert next_url.startswith("/oauth/authorize?")

        signed_in = sign_in(fresh, next_url=next_url)
        assert signed_in.status_code == 302
        assert signed_in.headers["location"] == next_url
        assert "ALLOW ACCESS" in fresh.get(next_url).text


@pytest.mark.parametrize("change, expected", [
    ({"client_id": "unknown-client"}, "not the App Key of any app"),
    ({"client_id": ""}, "client_id parameter is missing"),
    ({"redirect_uri": "http://127.0.0.1:9999/elsewhere"}, "is not registered for MIRA"),
    ({"redirect_uri": REDIRECT_URI + "/"}, "is not registered for MIRA"),
    ({"response_type": "token"}, "response_type 'token' is not supported"),
])
def test_authorize_rejects_bad_requests(client, app, change, expected):
    response = client.get("/oauth/authorize", params={**authorize_params(app), **change})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert expected in html.unescape(response.text)


def test_deny_redirects_when_redirect_on_decline(client, app):
    response = consent(client, authorize_params(app, redirect_on_decline="true"), decision="deny")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["state-123"]
    assert "code" not in query


def test_deny_without_redirect_shows_page(client, app):
    response = consent(client, authorize_params(app), decision="deny")
    assert response.status_code == 200
    assert "You denied MIRA access" in response.text


def test_consent_post_without_form_token_rejected(client, app):
    response = client.post("/oauth/authorize", data={**authorize_params(app), "decision": "allow"})
    assert response.status_code == 403
    assert "location" not in response.headers


def token_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]


def test_token_wrong_secret_is_invalid_client(client, app):
    code = code_from(consent(client, authorize_params(app)))
    response = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": app.client_id,
        "client_secret": "wrong", "redirect_uri": REDIRECT_URI,
    })
    token_error(response, 401, "invalid_client")


def test_token_unknown_client_is_invalid_client(client, app):
    response = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": "x", "client_id": "nobody",
        "client_secret": "x", "redirect_uri": REDIRECT_URI,
    })
    token_error(response, 401, "invalid_client")


def test_token_reused_code_revokes_tokens(sandbox, client, app):
    code = code_from(consent(client, authorize_params(app)))
    first = exchange_code(client, app, code)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    assert Api(sandbox.base_url, access_token).get("/users/who_am_i.json").status_code == 200

    token_error(exchange_code(client, app, code), 400, "invalid_grant")
    assert Api(sandbox.base_url, access_token).get("/users/who_am_i.json").status_code == 401


def test_token_expired_code_is_invalid_grant(client, app):
    code = code_from(consent(client, authorize_params(app)))
    # Codes live 10 minutes; age the stored code instead of waiting.
    AuthorizationCode.objects.update(expires_at=timezone.now())
    token_error(exchange_code(client, app, code), 400, "invalid_grant")


def test_token_unknown_code_is_invalid_grant(client, app):
    token_error(exchange_code(client, app, "no-such-code"), 400, "invalid_grant")


def test_token_code_of_other_client_is_invalid_grant(client, app):
    other = create_app(client, name="Other app")
    code = code_from(consent(client, authorize_params(app)))
    token_error(exchange_code(client, other, code), 400, "invalid_grant")


def test_token_redirect_uri_mismatch_is_invalid_grant(client):
    second_uri = "http://127.0.0.1:8000/other/callback"
    app = create_app(client, redirect_uris=f"{REDIRECT_URI}\n{second_uri}")
    code = code_from(consent(client, authorize_params(app)))
    token_error(exchange_code(client, app, code, redirect_uri=second_uri), 400, "invalid_grant")


def test_token_unknown_refresh_token_is_invalid_grant(client, app):
    response = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": "nope",
        "client_id": app.client_id, "client_secret": app.client_secret,
    })
    token_error(response, 400, "invalid_grant")


def test_token_unsupported_grant_type(client, app):
    response = client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app.client_id, "client_secret": app.client_secret,
    })
    token_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("missing", ["grant_type", "client_id", "client_secret", "code", "redirect_uri"])
def test_token_missing_parameter_is_invalid_request(client, app, missing):
    data = {
        "grant_type": "authorization_code", "code": "some-code", "client_id": app.client_id,
        "client_secret": app.client_secret, "redirect_uri": REDIRECT_URI,
    }
    del data[missing]
    response = client.post("/oauth/token", data=data)
    token_error(response, 400, "invalid_request")
    assert missing in response.json()["error_description"]


def test_token_lifetime_from_setting_and_expiry(sandbox, settings):
    settings.MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS = 1
    connection = connect(sandbox.base_url)
    api = Api(sandbox.base_url, connection.access_token)
    time.sleep(1.2)

    response = api.get("/users/who_am_i.json")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
