"""Add to Clio end to end against the real sandbox server: the popup's POST, Clio's consent, the callback."""

import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection as db
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from mira.clio import AppCredentials, build_http_client, exchange_code, get_region
from mira.destinations import messages
from mira.destinations.models import ClioConnection
from mira.destinations.oauth_state import SESSION_KEY
from mira.sandbox.models import AuthorizationCode, Grant
from tests.portal.sandbox_flow import consent, create_app
from tests.sandbox.fixtures import sandbox  # noqa: F401  (fixture)


@pytest.fixture
def clio_app(sandbox, settings):  # noqa: F811
    settings.MIRA_SANDBOX_URL = sandbox.base_url
    return create_app()


def start(admin_client, app, **overrides) -> str:
    """Submit the Clio form as the popup would and return the authorize URL it is sent to."""
    data = {
        "region": "sandbox",
        "app_name": app.name,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "matter_statuses": ["Open", "Pending"],
    }
    data.update(overrides)
    response = admin_client.post(reverse("destinations:add_to_clio"), data)
    assert response.status_code == 302, response.content.decode()
    return response.url


def raw_column(name: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM destinations_clioconnection")
        return cursor.fetchone()[0]


def assert_not_connected(firm) -> ClioConnection:
    connection = ClioConnection.objects.get(firm=firm)
    assert connection.status != ClioConnection.Status.CONNECTED
    assert connection.access_token == ""
    assert connection.refresh_token == ""
    assert connection.clio_user_id is None
    return connection


def test_connect_success_stores_connection(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))

    response = admin_client.get(callback)

    body = response.content.decode()
    assert response.status_code == 200
    assert '<p class="status" id="popup-status">Connection successful</p>' in body
    assert 'id="popup-close"' in body
    assert 'window.opener.postMessage({type: "mira:clio-connection"' in body
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"

    connection = ClioConnection.objects.get(firm=firm)
    assert connection.status == ClioConnection.Status.CONNECTED
    assert connection.clio_user_name == "Benjamin Lee"
    assert connection.clio_user_email == "benjamin.lee@harborvale.test"
    assert connection.clio_user_id is not None
    assert connection.clio_account_id is not None
    assert connection.clio_account_name
    assert connection.connected_at is not None
    assert connection.token_expires_at is not None
    assert connection.last_error == ""


def test_connect_success_encrypts_tokens(admin_client, firm, clio_app):
    admin_client.get(consent(start(admin_client, clio_app)))
    connection = ClioConnection.objects.get(firm=firm)

    for column, plaintext in [
        ("access_token", connection.access_token),
        ("refresh_token", connection.refresh_token),
        ("client_secret", clio_app.client_secret),
    ]:
        assert plaintext
        raw = raw_column(column)
        assert raw
        assert plaintext not in raw


def test_connect_success_queues_first_sync(admin_client, firm, clio_app):
    admin_client.get(consent(start(admin_client, clio_app)))

    queued = DBTaskResult.objects.filter(task_path__endswith="sync_connection")
    assert queued.count() == 1
    assert queued.get().args_kwargs["kwargs"]["trigger"] == "connected"


def test_connected_module_and_no_secret_anywhere(admin_client, firm, clio_app):
    popup = admin_client.get(consent(start(admin_client, clio_app)))
    connection = ClioConnection.objects.get(firm=firm)
    secrets_to_hide = [clio_app.client_secret, connection.access_token, connection.refresh_token]

    module = admin_client.get(reverse("destinations:clio_module"))
    pages = [
        popup,
        module,
        admin_client.get(reverse("destinations:page")),
        admin_client.get(reverse("destinations:clio_module") + "?edit=1"),
    ]

    for page in pages:
        for secret in secrets_to_hide:
            assert secret not in page.content.decode()
    body = module.content.decode()
    assert 'id="clio-user">Benjamin Lee (benjamin.lee@harborvale.test)</dd>' in body
    assert 'data-check="authorized" data-done="true"' in body
    assert 'id="sync-now"' in body
    assert 'id="disconnect"' in body


def test_state_reused_is_rejected(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))
    admin_client.get(callback)
    first = ClioConnection.objects.get(firm=firm)

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.STATE_INVALID) in response.content.decode()
    again = ClioConnection.objects.get(firm=firm)
    assert again.connected_at == first.connected_at
    assert again.access_token == first.access_token


def test_state_mismatch_is_rejected(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))
    query = parse_qs(urlsplit(callback).query)

    response = admin_client.get(reverse("oauth:callback"), {"code": query["code"][0], "state": "not-the-state"})

    assert response.status_code == 400
    assert escape(messages.STATE_INVALID) in response.content.decode()
    assert_not_connected(firm)


def test_state_from_another_session_is_rejected(admin_client, admin_user, firm, clio_app):
    from django.test import Client

    callback = consent(start(admin_client, clio_app))
    other_browser = Client()
    other_browser.force_login(admin_user)

    response = other_browser.get(callback)

    assert response.status_code == 400
    assert escape(messages.STATE_INVALID) in response.content.decode()
    assert_not_connected(firm)


def test_state_expired_is_rejected(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))
    session = admin_client.session
    pending = session[SESSION_KEY]
    for entry in pending.values():
        entry["created_at"] = time.time() - 11 * 60
    session[SESSION_KEY] = pending
    session.save()

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.STATE_INVALID) in response.content.decode()
    assert_not_connected(firm)


def test_deny_access_explains(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app), decision="deny")

    response = admin_client.get(callback)

    body = response.content.decode()
    assert response.status_code == 400
    assert escape(messages.ACCESS_DENIED) in body
    assert 'id="popup-close"' in body
    connection = assert_not_connected(firm)
    assert connection.last_error == messages.for_page(messages.ACCESS_DENIED)
    assert escape(messages.for_page(messages.ACCESS_DENIED)) in admin_client.get(reverse("destinations:clio_module")).content.decode()


def test_wrong_secret_is_invalid_client(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app, client_secret="wrong-secret-0000"))

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.INVALID_CLIENT) in response.content.decode()
    connection = assert_not_connected(firm)
    assert connection.last_error == messages.for_page(messages.INVALID_CLIENT)


def test_reused_code_is_invalid_grant(admin_client, firm, clio_app, sandbox, settings):  # noqa: F811
    callback = consent(start(admin_client, clio_app))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # Someone else redeems the code first, so the portal's exchange reuses it.
    with build_http_client() as http:
        exchange_code(
            http,
            get_region("sandbox", sandbox.base_url),
            AppCredentials(clio_app.client_id, clio_app.client_secret),
            code,
            settings.MIRA_PUBLIC_BASE_URL + "/oauth/callback",
        )

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.INVALID_GRANT) in response.content.decode()
    assert_not_connected(firm)


def test_expired_code_is_invalid_grant(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))
    AuthorizationCode.objects.filter(app=clio_app).update(expires_at="2000-01-01T00:00:00Z")

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.INVALID_GRANT) in response.content.decode()
    assert_not_connected(firm)


def test_who_am_i_failure_leaves_nothing(admin_client, firm, sandbox, settings):  # noqa: F811
    settings.MIRA_SANDBOX_URL = sandbox.base_url
    # Without the Users permission Clio rejects who_am_i with 403, after it has issued tokens.
    app = create_app(permissions={"activities": "read_write", "matters": "read"})
    callback = consent(start(admin_client, app))

    response = admin_client.get(callback)

    body = response.content.decode()
    assert response.status_code == 400
    assert "lacks a permission" in body
    connection = assert_not_connected(firm)
    assert "lacks a permission" in connection.last_error
    assert connection.token_expires_at is None
    grant = Grant.objects.get(app=app)
    assert grant.revoked, "the tokens issued before who_am_i failed were not given back to Clio"


def test_clio_unreachable_explains(admin_client, firm, clio_app, settings):
    callback = consent(start(admin_client, clio_app))
    settings.MIRA_SANDBOX_URL = f"http://127.0.0.1:{_closed_port()}"

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.CLIO_UNREACHABLE) in response.content.decode()
    assert_not_connected(firm)


def test_changed_credentials_during_flow(admin_client, firm, clio_app):
    callback = consent(start(admin_client, clio_app))
    ClioConnection.objects.filter(firm=firm).update(client_id="SOMEoTHERid")

    response = admin_client.get(callback)

    assert response.status_code == 400
    assert escape(messages.CREDENTIALS_CHANGED) in response.content.decode()


def test_signed_out_callback_explains(client, db):
    response = client.get(reverse("oauth:callback"), {"code": "abc", "state": "xyz"})

    assert response.status_code == 403
    assert "You are not signed in to MIRA" in response.content.decode()


def test_disconnect_revokes_and_clears(admin_client, firm, clio_app):
    admin_client.get(consent(start(admin_client, clio_app)))

    response = admin_client.post(reverse("destinations:disconnect"))

    assert response.status_code == 302
    connection = assert_not_connected(firm)
    assert connection.status == ClioConnection.Status.CONFIGURED
    assert connection.client_secret == clio_app.client_secret
    assert Grant.objects.get(app=clio_app).revoked


def test_sync_now_queues_manual_sync(admin_client, firm, clio_app):
    admin_client.get(consent(start(admin_client, clio_app)))
    DBTaskResult.objects.all().delete()

    response = admin_client.post(reverse("destinations:sync_now"), follow=True)

    assert "Sync started" in response.content.decode()
    queued = DBTaskResult.objects.get(task_path__endswith="sync_connection")
    assert queued.args_kwargs["kwargs"]["trigger"] == "manual"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sync_now_when_already_queued(admin_client, firm, clio_app):
    admin_client.get(consent(start(admin_client, clio_app)))

    response = admin_client.post(reverse("destinations:sync_now"), follow=True)

    assert "A sync is already queued or running" in response.content.decode()
    assert DBTaskResult.objects.filter(task_path__endswith="sync_connection").count() == 1
