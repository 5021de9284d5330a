"""Drive the sandbox over HTTP the way a developer and a browser would, validating API traffic."""

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.clio_spec.validation import validate_clio_request, validate_clio_response

PASSWORD = "clio-sandbox"
OWNER_EMAIL = "benjamin.lee@harborvale.test"
REDIRECT_URI = "http://127.0.0.1:8000/clio/callback"
ALL_PERMISSIONS = {
    "activities": "read_write", "api": "read_write", "billing": "read", "contacts": "read",
    "matters": "read", "users": "read", "client_share_permissions": "read",
}
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(html: str) -> str:
    match = FORM_TOKEN.search(html)
    assert match, "page has no form_token field"
    return match.group(1)


def element_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"page has no element with id {element_id!r}"
    return match.group(1).strip()


def browser(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)


def sign_in(client: httpx.Client, email: str = OWNER_EMAIL, password: str = PASSWORD, next_url: str = "/developers/") -> httpx.Response:
    page = client.get("/session/sign-in", params={"next": next_url})
    assert page.status_code == 200
    return client.post("/session/sign-in", data={
        "form_token": form_token(page.text), "email": email, "password": password, "next": next_url,
    })


def app_form_data(client: httpx.Client, name: str = "MIRA", redirect_uris: str = REDIRECT_URI,
                  website_url: str = "https://mira.example.test", permissions: dict | None = None) -> dict:
    page = client.get("/developers/apps/new")
    assert page.status_code == 200
    data = {"form_token": form_token(page.text), "name": name, "website_url": website_url, "redirect_uris": redirect_uris}
    for key, level in (ALL_PERMISSIONS if permissions is None else permissions).items():
        data[f"permission_{key}"] = level
    return data


@dataclasses.dataclass
class App:
    app_id: int
    client_id: str
    client_secret: str


def create_app(client: httpx.Client, **kwargs) -> App:
    """Create an app through the portal form (the client must be signed in) and read its credentials."""
    response = client.post("/developers/apps/new", data=app_form_data(client, **kwargs))
    assert response.status_code == 302, response.text
    detail = client.get(response.headers["location"])
    assert detail.status_code == 200
    return App(
        app_id=int(element_text(detail.text, "app-id")),
        client_id=element_text(detail.text, "client-id"),
        client_secret=element_text(detail.text, "client-secret"),
    )


def authorize_params(app: App, redirect_uri: str = REDIRECT_URI, state: str = "state-123", **extra) -> dict:
    return {"response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri, "state": state, **extra}


def consent(client: httpx.Client, params: dict, decision: str = "allow") -> httpx.Response:
    """Open the consent page for the params and press ALLOW ACCESS or DENY ACCESS."""
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    return client.post("/oauth/authorize", data={**params, "form_token": form_token(page.text), "decision": decision})


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0]


def exchange_code(client: httpx.Client, app: App, code: str, redirect_uri: str = REDIRECT_URI) -> httpx.Response:
    return client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": app.client_id,
        "client_secret": app.client_secret, "redirect_uri": redirect_uri,
    })


@dataclasses.dataclass
class Connection:
    app: App
    access_token: str
    refresh_token: str


def connect(base_url: str, permissions: dict | None = None, email: str = OWNER_EMAIL) -> Connection:
    """Run the whole portal and OAuth flow for a new app and return its tokens."""
    with browser(base_url) as client:
        assert sign_in(client, email=email).status_code == 302
        app = create_app(client, permissions=permissions)
        code = code_from(consent(client, authorize_params(app)))
        tokens = exchange_code(client, app, code)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Connection(app=app, access_token=body["access_token"], refresh_token=body["refresh_token"])


class Api:
    """An API v4 client that validates every request body and every response against Clio's spec."""

    def __init__(self, base_url: str, access_token: str | None, version: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        if version:
            headers["X-API-VERSION"] = version
        self.client = httpx.Client(base_url=base_url + "/api/v4", headers=headers, timeout=10)

    def request(
        self, method: str, path: str, allow_undeclared_error: bool = False, validate_body: bool = True, **kwargs
    ) -> httpx.Response:
        """Send a request; validate_body=False sends a body the spec rejects, to test the server's checks."""
        request = self.client.build_request(method, path, **kwargs)
        if "json" in kwargs and validate_body:
            validate_clio_request(request)
        response = self.client.send(request)
        validate_clio_response(response, allow_undeclared_error=allow_undeclared_error)
        return response

    def get(self, path: str, **params) -> httpx.Response:
        return self.request("GET", path, params=params)

    def get_url(self, url: str) -> httpx.Response:
        return self.request("GET", url)

    def close(self) -> None:
        self.client.close()
