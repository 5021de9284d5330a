"""Drive the Clio sandbox's sign-in and consent pages over HTTP, as the popup's browser would."""

import re
import secrets
from html import unescape
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

from mira.sandbox.models import DeveloperApp, SandboxUser

SANDBOX_PASSWORD = "clio-sandbox"
OWNER_EMAIL = "benjamin.lee@harborvale.test"
ALL_PERMISSIONS = {
    "activities": "read_write",
    "api": "read_write",
    "billing": "read",
    "contacts": "read",
    "matters": "read",
    "users": "read",
    "client_share_permissions": "read",
}
_HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def create_app(permissions: dict | None = None, name: str = "MIRALink") -> DeveloperApp:
    """Create an app in the sandbox's developer portal registry, registered for this portal's callback."""
    return DeveloperApp.objects.create(
        owner=SandboxUser.objects.get(email=OWNER_EMAIL),
        name=name,
        website_url="https://portal.example.test",
        redirect_uris=[settings.MIRA_PUBLIC_BASE_URL + "/oauth/callback"],
        permissions=ALL_PERMISSIONS if permissions is None else permissions,
        client_id=secrets.token_hex(12),
        client_secret=secrets.token_hex(20),
    )


def consent(authorize_url: str, decision: str = "allow") -> str:
    """Sign in at the sandbox, submit its consent page with `decision`, and return the callback path with its query."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorize_url)
        assert response.status_code == 302, response.text
        sign_in_url = urljoin(authorize_url, response.headers["location"])

        sign_in_page = browser.get(sign_in_url)
        fields = _hidden_fields(sign_in_page.text)
        response = browser.post(
            urljoin(authorize_url, "/session/sign-in"),
            data={**fields, "email": OWNER_EMAIL, "password": SANDBOX_PASSWORD},
        )
        assert response.status_code == 302, response.text

        consent_page = browser.get(authorize_url)
        assert "ALLOW ACCESS" in consent_page.text
        response = browser.post(
            urljoin(authorize_url, "/oauth/authorize"),
            data={**_hidden_fields(consent_page.text), "decision": decision},
        )
        assert response.status_code == 302, response.text

    callback = urlsplit(response.headers["location"])
    assert callback.path == "/oauth/callback"
    return f"{callback.path}?{callback.query}"


def _hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in _HIDDEN_INPUT.findall(html)}
