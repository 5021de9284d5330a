"""The sandbox's developer portal over real HTTP: sign-in, app creation, editing and deletion."""

import html

import pytest

from mira.sandbox.models import DeveloperApp
from tests.sandbox.helpers import (
    PASSWORD,
    app_form_data,
    browser,
    create_app,
    element_text,
    form_token,
    sign_in,
)


@pytest.fixture
def client(sandbox):
    with browser(sandbox.base_url) as client:
        yield client


def test_home_links_to_developer_portal(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/developers/"' in response.text


def test_developers_requires_sign_in(client):
    response = client.get("/developers/")
    assert response.status_code == 302
    assert response.headers["location"] == "/session/sign-in?next=%2Fdevelopers%2F"


def test_sign_in_sets_only_sandbox_cookie(client):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["location"] == "/developers/"
    cookie_names = {cookie.name for cookie in client.cookies.jar}
    assert cookie_names == {"clio_sandbox_session"}

    listing = client.get("/developers/")
    assert listing.status_code == 200
    assert "Developer Apps" in listing.text
    assert 'id="new-app"' in listing.text
    assert "Benjamin Lee" in listing.text


def test_sign_in_wrong_password(client):
    response = sign_in(client, password="wrong")
    assert response.status_code == 400
    assert "incorrect" in response.text
    assert client.get("/developers/").status_code == 302


def test_sign_in_disabled_user(client):
    response = sign_in(client, email="olafur.sigurdsson@harborvale.test", password=PASSWORD)
    assert response.status_code == 400
    assert "disabled" in html.unescape(response.text)


def test_sign_in_without_form_token_rejected(client):
    client.get("/session/sign-in")
    response = client.post("/session/sign-in", data={"email": "benjamin.lee@harborvale.test", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_in_ignores_offsite_next(client):
    response = sign_in(client, next_url="https://elsewhere.example/steal")
    assert response.headers["location"] == "/developers/"


def test_create_app_shows_credentials(client):
    sign_in(client)
    app = create_app(client, name="MIRA sandbox app")
    record = DeveloperApp.objects.get(pk=app.app_id)
    assert app.client_id == record.client_id
    assert app.client_secret == record.client_secret
    assert record.redirect_uris == ["http://127.0.0.1:8000/clio/callback"]
    assert record.permissions["activities"] == "read_write"

    detail = client.get(f"/developers/apps/{app.app_id}").text
    assert "Client id" in detail
    assert "Client secret" in detail
    assert 'id="edit-app"' in detail
    assert 'id="delete-app"' in detail
    assert "MIRA sandbox app" in client.get("/developers/").text


@pytest.mark.parametrize("field, value, message", [
    ("redirect_uris", "not a url", "Redirect URI on line 1 ('not a url') is not an absolute http(s) URL"),
    ("redirect_uris", "https://ok.example/cb\nftp://files.example/cb", "line 2"),
    ("redirect_uris", "", "Redirect URIs are required"),
    ("website_url", "example.com", "Website URL 'example.com' is not an absolute http(s) URL"),
    ("name", "", "Name is required"),
])
def test_create_app_validation_errors(client, field, value, message):
    sign_in(client)
    data = app_form_data(client)
    data[field] = value
    response = client.post("/developers/apps/new", data=data)
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert not DeveloperApp.objects.exists()


def test_edit_app(client):
    sign_in(client)
    app = create_app(client)
    page = client.get(f"/developers/apps/{app.app_id}/edit")
    assert 'value="MIRA"' in page.text
    data = {
        "form_token": form_token(page.text), "name": "MIRA renamed", "website_url": "https://mira.example.test",
        "redirect_uris": "http://127.0.0.1:8000/clio/callback\nhttp://localhost:8000/clio/callback",
        "permission_matters": "read",
    }
    response = client.post(f"/developers/apps/{app.app_id}/edit", data=data)
    assert response.status_code == 302
    record = DeveloperApp.objects.get(pk=app.app_id)
    assert record.name == "MIRA renamed"
    assert len(record.redirect_uris) == 2
    assert record.permissions == {"matters": "read"}
    assert record.client_id == app.client_id


def test_delete_app(client):
    sign_in(client)
    app = create_app(client)
    page = client.get(f"/developers/apps/{app.app_id}/delete")
    response = client.post(f"/developers/apps/{app.app_id}/delete", data={"form_token": form_token(page.text)})
    assert response.status_code == 302
    assert not DeveloperApp.objects.filter(pk=app.app_id).exists()
    assert client.get(f"/developers/apps/{app.app_id}").status_code == 404


def test_other_users_app_not_visible(sandbox, client):
    sign_in(client)
    app = create_app(client)
    with browser(sandbox.base_url) as other:
        sign_in(other, email="amelia.ortiz@harborvale.test")
        assert other.get(f"/developers/apps/{app.app_id}").status_code == 404
        assert "MIRA" not in element_text(other.get("/developers/").text, "no-apps")


def test_sign_out(client):
    sign_in(client)
    page = client.get("/developers/")
    response = client.post("/session/sign-out", data={"form_token": form_token(page.text)})
    assert response.status_code == 302
    assert client.get("/developers/").status_code == 302
