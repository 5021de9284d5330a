"""Token refresh of a connection, against the sandbox's real token endpoint."""

import time
from datetime import timedelta

from django.utils import timezone

from mira.clio import build_http_client
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import REAUTHORIZE_MESSAGE, ConnectionTokenSource
from mira.sandbox.models import AccessToken, Grant
from mira.sync.job import SyncOutcome, run_sync
from mira.sync.models import SyncRun
from tests.sync.support import connect_firm


def test_token_near_expiry_refreshed_before_sync(clio_settings, sandbox, firm):
    # Tokens that live 60 s are inside the 5-minute refresh margin from the start.
    clio_settings.MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS = 60
    connection = connect_firm(sandbox.base_url, firm)
    first_access, first_refresh = connection.access_token, connection.refresh_token

    with build_http_client() as http:
        outcome = run_sync(connection.pk, SyncRun.Trigger.MANUAL, http=http)

    connection.refresh_from_db()
    assert outcome is SyncOutcome.SUCCEEDED
    assert connection.access_token != first_access
    # The sandbox, like Clio, returns no new refresh token, so the stored one stays.
    assert connection.refresh_token == first_refresh
    assert connection.token_expires_at > timezone.now()


def test_expired_token_refreshed_after_401(clio_settings, sandbox, firm):
    clio_settings.MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS = 1
    connection = connect_firm(sandbox.base_url, firm)
    first_access = connection.access_token
    # MIRA's record says the token is valid for a day, but Clio expired it, so only the 401 reveals it.
    ClioConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + timedelta(days=1))
    time.sleep(1.5)
    clio_settings.MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS = 3600

    with build_http_client() as http:
        outcome = run_sync(connection.pk, SyncRun.Trigger.MANUAL, http=http)

    connection.refresh_from_db()
    assert outcome is SyncOutcome.SUCCEEDED
    assert connection.access_token != first_access
    assert connection.status == ClioConnection.Status.CONNECTED


def test_fresh_token_not_refreshed(connection):
    with build_http_client() as http:
        token = ConnectionTokenSource(connection, http).access_token()

    assert token == ClioConnection.objects.get(pk=connection.pk).access_token
    assert AccessToken.objects.count() == 1


def test_revoked_grant_needs_reconnect_without_retry(connection):
    Grant.objects.update(revoked=True)
    AccessToken.objects.update(revoked=True)

    with build_http_client() as http:
        outcome = run_sync(connection.pk, SyncRun.Trigger.MANUAL, http=http)

    connection.refresh_from_db()
    run = SyncRun.objects.get(connection=connection)
    assert outcome is SyncOutcome.NEEDS_ACTION
    assert connection.status == ClioConnection.Status.NEEDS_RECONNECT
    assert connection.last_error == REAUTHORIZE_MESSAGE
    assert "Add to Clio" in connection.last_error
    assert run.status == SyncRun.Status.FAILED
    assert run.error == REAUTHORIZE_MESSAGE
