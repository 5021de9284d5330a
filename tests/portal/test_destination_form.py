"""The Destination page's Clio module: instructions, the credentials form and its validation."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from mira.destinations.models import ClioConnection
from mira.destinations.oauth_state import SESSION_KEY
from tests.portal.conftest import make_connected

SECRET = "Zq8-secret-VALUE-xyz-7781"


def form_data(**overrides) -> dict:
    data = {
        "region": "us",
        "app_name": "MIRALink",
        "client_id": "7EuJbQdvAPPKEY",
        "client_secret": SECRET,
        "matter_statuses": ["Open", "Pending"],
    }
    data.update(overrides)
    return data


def add_to_clio(client, **overrides):
    return client.post(reverse("destinations:add_to_clio"), form_data(**overrides))


def test_page_shows_setup_instructions(admin_client, firm, settings):
    settings.MIRA_PUBLIC_BASE_URL = "https://portal.example.test"

    body = admin_client.get(reverse("destinations:page")).content.decode()

    assert 'value="https://portal.example.test/oauth/callback" readonly' in body
    assert 'id="copy-redirect-uri"' in body
    assert '<code id="instruction-website-url">https://portal.example.test</code>' in body
    assert 'href="https://developers.clio.com"' in body
    for line in [
        "Activities: Read&amp;Write",
        "Api: Read&amp;Write",
        "Billing: Read",
        "Contacts: Read",
        "Matters: Read",
        "Users: Read",
        "Client share permissions: Read",
    ]:
        assert line in body
    assert f'<code id="account-id">{firm.account_id}</code>' in body
    assert 'id="copy-account-id" data-copy-target="account-id"' in body


def test_form_opens_popup_on_submit(admin_client):
    response = admin_client.get(reverse("destinations:page"))
    body = response.content.decode()

    # Django's default same-origin policy would cut the page off from its popup once it visits Clio.
    assert response["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"

    assert 'target="clio_authorize"' in body
    assert "data-clio-popup" in body
    assert 'id="add-to-clio"' in body


def test_sandbox_region_only_when_configured(admin_client, settings):
    settings.MIRA_SANDBOX_URL = ""
    assert 'value="sandbox"' not in admin_client.get(reverse("destinations:page")).content.decode()

    settings.MIRA_SANDBOX_URL = "http://127.0.0.1:8001"
    body = admin_client.get(reverse("destinations:page")).content.decode()
    assert 'value="sandbox"' in body
    assert 'data-portal-url="http://127.0.0.1:8001/developers/"' in body


def test_sandbox_region_rejected_when_not_configured(admin_client, settings):
    settings.MIRA_SANDBOX_URL = ""

    response = add_to_clio(admin_client, region="sandbox")

    assert response.status_code == 400
    assert "Region sandbox is not available" in response.content.decode()
    assert not ClioConnection.objects.exists()


def test_valid_form_redirects_popup_to_clio(admin_client, firm, settings):
    settings.MIRA_PUBLIC_BASE_URL = "https://portal.example.test"

    response = add_to_clio(admin_client)

    assert response.status_code == 302
    url = urlsplit(response.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://app.clio.com/oauth/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == ["7EuJbQdvAPPKEY"]
    assert query["redirect_uri"] == ["https://portal.example.test/oauth/callback"]
    assert query["response_type"] == ["code"]
    assert query["state"][0] in admin_client.session[SESSION_KEY]

    connection = ClioConnection.objects.get(firm=firm)
    assert connection.client_secret == SECRET
    assert connection.matter_statuses == ["Open", "Pending"]
    assert connection.status == ClioConnection.Status.CONFIGURED


def test_secret_stored_encrypted(admin_client, firm):
    from django.db import connection as db

    add_to_clio(admin_client)

    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM destinations_clioconnection")
        (raw,) = cursor.fetchone()
    assert raw
    assert SECRET not in raw


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"client_id": "7EuJ bQdv"}, "Client ID contains spaces"),
        ({"client_id": ""}, "Client ID is missing"),
        ({"client_secret": ""}, "Client Secret is missing"),
        ({"client_secret": "abc def"}, "Client Secret contains spaces"),
        ({"client_id": "clé-123"}, "Client ID contains characters Clio never uses"),
        ({"app_name": "  "}, "App name is missing"),
        ({"matter_statuses": []}, "Choose at least one matter status to sync"),
        ({"matter_statuses": ["Archived"]}, "Matter status Archived is not one of Open, Pending or Closed"),
        ({"region": "mars"}, "Region mars is not available"),
    ],
)
def test_invalid_form_explains_in_popup(admin_client, overrides, expected):
    response = add_to_clio(admin_client, **overrides)

    assert response.status_code == 400
    body = response.content.decode()
    assert expected in body
    assert 'id="popup-close"' in body
    assert 'data-outcome="invalid"' in body
    assert not ClioConnection.objects.exists()


def test_invalid_form_errors_shown_on_main_page_once(admin_client):
    add_to_clio(admin_client, client_id="7EuJ bQdv")

    module = admin_client.get(reverse("destinations:clio_module")).content.decode()
    assert 'id="error-client-id"' in module
    assert "Client ID contains spaces" in module
    assert 'value="7EuJ bQdv"' in module
    assert SECRET not in module

    again = admin_client.get(reverse("destinations:clio_module")).content.decode()
    assert "Client ID contains spaces" not in again


def test_secret_never_rendered(admin_client, firm):
    add_to_clio(admin_client)
    add_to_clio(admin_client, client_id="bad id")
    pages = [
        admin_client.get(reverse("destinations:page")),
        admin_client.get(reverse("destinations:clio_module")),
        admin_client.get(reverse("destinations:clio_module") + "?edit=1"),
        add_to_clio(admin_client, client_id="bad id"),
        add_to_clio(admin_client, matter_statuses=[]),
    ]

    for response in pages:
        assert SECRET not in response.content.decode()


def test_secret_shown_masked(admin_client, firm):
    add_to_clio(admin_client)

    body = admin_client.get(reverse("destinations:page")).content.decode()

    assert '<span class="mono" id="client-secret-masked">••••••••81</span>' in body
    assert 'name="client_secret" id="id_client_secret" value=""' in body


def test_blank_secret_keeps_stored_one(admin_client, firm):
    add_to_clio(admin_client)

    response = add_to_clio(admin_client, client_secret="", app_name="MIRA Timekeeping")

    assert response.status_code == 302
    connection = ClioConnection.objects.get(firm=firm)
    assert connection.client_secret == SECRET
    assert connection.app_name == "MIRA Timekeeping"


def test_changed_client_id_clears_tokens(admin_client, firm, settings):
    settings.MIRA_SANDBOX_URL = ""
    make_connected(firm, region="sandbox", client_id="OLDclientID", client_secret=SECRET)

    # With no sandbox URL the old region is unavailable, so revoking is skipped (best effort) and
    # the tokens must still be cleared.
    response = add_to_clio(admin_client, client_id="NEWclientID", client_secret="")

    assert response.status_code == 302
    connection = ClioConnection.objects.get(firm=firm)
    assert connection.access_token == ""
    assert connection.refresh_token == ""
    assert connection.status == ClioConnection.Status.CONFIGURED
    assert connection.clio_user_id is None
    assert connection.client_secret == SECRET


def test_unchanged_credentials_keep_tokens(admin_client, firm):
    make_connected(firm, region="us", client_id="7EuJbQdvAPPKEY", client_secret=SECRET)
    # Unchanged credentials keep the tokens, so nothing is revoked and no request leaves this machine.

    add_to_clio(admin_client, client_secret="", matter_statuses=["Closed", "Open"])

    connection = ClioConnection.objects.get(firm=firm)
    assert connection.access_token == "access-token-VALUE-never-shown"
    assert connection.status == ClioConnection.Status.CONNECTED
    assert connection.matter_statuses == ["Open", "Closed"]
