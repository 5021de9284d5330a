"""Finish Add to Clio: exchange the code, confirm who the tokens act as, then store the connection.

Nothing is stored until Clio has confirmed the tokens with who_am_i, so a failure at any step
leaves the connection as it was before the admin clicked Add to Clio.
"""

import logging
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mira.clio import (
    ClioClient,
    ClioError,
    ClioTransportError,
    OAuthError,
    Region,
    StaticTokenSource,
    TokenSet,
    UnknownRegionError,
    build_http_client,
    exchange_code,
)
from mira.destinations import messages
from mira.destinations.models import ClioConnection
from mira.destinations.revoking import revoke_quietly
from mira.destinations.tokens import credentials_for, region_for, save_tokens

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/oauth/callback"


class AuthorizationFailed(Exception):
    """Add to Clio did not finish. `message` is the plain explanation for the admin, with the next step."""

    def __init__(self, message: str, *, event: str) -> None:
        super().__init__(message)
        self.message = message
        self.event = event


@dataclass(frozen=True)
class ClioIdentity:
    """The Clio user and account the new tokens act as, from who_am_i."""

    user_id: int | None
    user_name: str
    user_email: str
    account_id: int | None
    account_name: str


def redirect_uri() -> str:
    """Return the OAuth redirect URI that the admin registers on the app in Clio's developer portal."""
    return settings.MIRA_PUBLIC_BASE_URL + CALLBACK_PATH


def complete_authorization(connection: ClioConnection, code: str, *, http: httpx.Client | None = None) -> ClioIdentity:
    """Exchange `code` for tokens, confirm them with who_am_i, and store the connection as connected.

    Raises AuthorizationFailed with a plain message; nothing is stored then.
    """
    region = _region_of(connection)
    owns_http = http is None
    http = http or build_http_client()
    try:
        token_set = _exchange(http, region, connection, code)
        identity = _confirm_or_revoke(http, region, connection, token_set)
    finally:
        if owns_http:
            http.close()

    _store_connected(connection, token_set, identity)
    return identity


def record_failure(connection: ClioConnection, failure: AuthorizationFailed) -> None:
    """Save the failure's message as the connection's last error, touching no other field."""
    connection.record_error(messages.for_page(failure.message))
    connection.save(update_fields=["last_error", "last_error_at", "updated_at"])


def _region_of(connection: ClioConnection) -> Region:
    try:
        return region_for(connection)
    except UnknownRegionError:
        raise AuthorizationFailed(messages.REGION_UNAVAILABLE, event="region_unavailable") from None


def _exchange(http: httpx.Client, region: Region, connection: ClioConnection, code: str) -> TokenSet:
    try:
        return exchange_code(http, region, credentials_for(connection), code, redirect_uri())
    except OAuthError as error:
        raise _failure_for_oauth_error(error) from error
    except ClioTransportError as error:
        raise AuthorizationFailed(messages.CLIO_UNREACHABLE, event="token_unreachable") from error
    except ClioError as error:
        raise AuthorizationFailed(error.user_message, event="token_failed") from error


def _failure_for_oauth_error(error: OAuthError) -> AuthorizationFailed:
    if error.error == "invalid_client":
        return AuthorizationFailed(messages.INVALID_CLIENT, event="invalid_client")
    if error.error == "invalid_grant":
        return AuthorizationFailed(messages.INVALID_GRANT, event="invalid_grant")
    return AuthorizationFailed(messages.token_request_failed(error.error), event="token_rejected")


def _confirm_or_revoke(
    http: httpx.Client, region: Region, connection: ClioConnection, token_set: TokenSet
) -> ClioIdentity:
    client = ClioClient(
        region,
        StaticTokenSource(token_set.access_token),
        http=http,
        api_version=settings.MIRA_CLIO_API_VERSION,
        max_retries=1,
    )
    try:
        profile = client.who_am_i()
    except ClioError as error:
        # Clio granted tokens that MIRA will not keep, so give them back instead of leaving a live grant.
        revoke_quietly(http, region, token_set.access_token, connection)
        if isinstance(error, ClioTransportError):
            raise AuthorizationFailed(messages.CLIO_UNREACHABLE, event="who_am_i_unreachable") from error
        raise AuthorizationFailed(error.user_message, event="who_am_i_failed") from error

    return _identity_from(profile)


def _identity_from(profile: dict) -> ClioIdentity:
    account = profile.get("account") or {}
    return ClioIdentity(
        user_id=profile.get("id"),
        user_name=profile.get("name") or "",
        user_email=profile.get("email") or "",
        account_id=account.get("id"),
        account_name=account.get("name") or "",
    )


def _store_connected(connection: ClioConnection, token_set: TokenSet, identity: ClioIdentity) -> None:
    # NOTE: re-authorizing with unchanged credentials replaces the stored tokens without revoking the
    # old grant in Clio, because it is not known whether Clio's deauthorize would also end the new one.
    with transaction.atomic():
        save_tokens(connection, token_set)

        connection.clio_user_id = identity.user_id
        connection.clio_user_name = identity.user_name
        connection.clio_user_email = identity.user_email
        connection.clio_account_id = identity.account_id
        connection.clio_account_name = identity.account_name
        connection.connected_at = timezone.now()
        connection.status = ClioConnection.Status.CONNECTED
        connection.clear_error()
        connection.save(
            update_fields=[
                "clio_user_id",
                "clio_user_name",
                "clio_user_email",
                "clio_account_id",
                "clio_account_name",
                "connected_at",
                "status",
                "last_error",
                "last_error_at",
                "updated_at",
            ]
        )
