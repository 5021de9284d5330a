"""Tokens of a Clio connection: where they are stored, how they are refreshed, and the client built on them.

`save_tokens` is the one function that writes tokens. Everything that talks to Clio for a firm gets
its client from `open_clio_client`, which refreshes the access token a little before it expires.
"""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.utils import timezone

from mira.clio import (
    AppCredentials,
    ClioClient,
    OAuthError,
    Region,
    TokenSet,
    build_http_client,
    get_region,
    refresh_tokens,
)
from mira.destinations.models import ClioConnection

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires, so a request never starts with a token that
# dies on the way.
REFRESH_MARGIN_SECONDS = 5 * 60

REAUTHORIZE_MESSAGE = (
    "Clio no longer accepts MIRA's authorization: it was revoked in Clio, it expired, or the app's "
    "credentials changed. On the Destination page, click Add to Clio to authorize again."
)


def region_for(connection: ClioConnection) -> Region:
    """Return the Clio region of the connection; the sandbox region uses MIRA_SANDBOX_URL."""
    return get_region(connection.region, settings.MIRA_SANDBOX_URL or None)


def credentials_for(connection: ClioConnection) -> AppCredentials:
    return AppCredentials(client_id=connection.client_id, client_secret=connection.client_secret)


def save_tokens(connection: ClioConnection, token_set: TokenSet) -> None:
    """Store a new token set on the connection, saving only the token fields.

    Clio's refresh response usually carries no refresh token, so an empty one keeps the stored one.
    """
    connection.access_token = token_set.access_token
    if token_set.refresh_token:
        connection.refresh_token = token_set.refresh_token
    connection.token_expires_at = token_set.expires_at

    connection.save(update_fields=["access_token", "refresh_token", "token_expires_at", "updated_at"])


class ConnectionTokenSource:
    """The access token of one connection, refreshed 5 minutes before expiry and whenever Clio returns 401.

    Implements the TokenSource protocol of `mira.clio.ClioClient`.
    """

    def __init__(self, connection: ClioConnection, http: httpx.Client) -> None:
        self.connection = connection
        self.http = http

    def access_token(self) -> str:
        expires_at = self.connection.token_expires_at
        refresh_due = expires_at is None or expires_at - timedelta(seconds=REFRESH_MARGIN_SECONDS) <= timezone.now()
        if refresh_due and self.connection.refresh_token:
            return self.refresh_access_token()
        return self.connection.access_token

    def refresh_access_token(self) -> str:
        connection = self.connection

        # Another process (a web request, a job that outlived its lane) may have refreshed already.
        # Its token is good, so reuse it instead of sending Clio a second refresh.
        if self._adopt_newer_stored_token():
            return connection.access_token

        try:
            token_set = refresh_tokens(self.http, region_for(connection), credentials_for(connection), connection.refresh_token)
        except OAuthError as error:
            if error.needs_reauthorization:
                self._mark_needs_reconnect(error)
            raise

        save_tokens(connection, token_set)
        logger.info(
            "clio.token.refreshed firm_id=%s connection_id=%s expires_at=%s",
            connection.firm_id,
            connection.pk,
            token_set.expires_at.isoformat() if token_set.expires_at else "unknown",
        )
        return connection.access_token

    def _adopt_newer_stored_token(self) -> bool:
        connection = self.connection
        fresh = (
            ClioConnection.objects.only("access_token", "refresh_token", "token_expires_at")
            .filter(pk=connection.pk)
            .first()
        )
        if fresh is None or fresh.access_token == connection.access_token:
            return False

        still_fresh = fresh.token_expires_at and fresh.token_expires_at - timedelta(
            seconds=REFRESH_MARGIN_SECONDS
        ) > timezone.now()
        connection.access_token = fresh.access_token
        connection.refresh_token = fresh.refresh_token
        connection.token_expires_at = fresh.token_expires_at
        return bool(still_fresh)

    def _mark_needs_reconnect(self, error: OAuthError) -> None:
        connection = self.connection
        connection.status = ClioConnection.Status.NEEDS_RECONNECT
        connection.record_error(REAUTHORIZE_MESSAGE)
        connection.save(update_fields=["status", "last_error", "last_error_at", "updated_at"])
        logger.warning(
            "clio.token.refresh_rejected firm_id=%s connection_id=%s oauth_error=%s",
            connection.firm_id,
            connection.pk,
            error.error,
        )


def open_clio_client(connection: ClioConnection, *, http: httpx.Client | None = None, **client_options) -> ClioClient:
    """Return a ClioClient acting for the connection, with tokens refreshed as needed.

    Pass `http` to reuse a client (tests pass one with their own transport); the caller closes it.
    `client_options` go to ClioClient as they are (`max_retries`, `sleep`). Without `max_retries`,
    the setting MIRA_CLIO_MAX_RETRIES applies when defined (tests set 0), else ClioClient's default.
    """
    http = http or build_http_client()
    max_retries = getattr(settings, "MIRA_CLIO_MAX_RETRIES", None)
    if max_retries is not None:
        client_options.setdefault("max_retries", max_retries)
    return ClioClient(
        region_for(connection),
        ConnectionTokenSource(connection, http),
        http=http,
        api_version=settings.MIRA_CLIO_API_VERSION,
        **client_options,
    )
