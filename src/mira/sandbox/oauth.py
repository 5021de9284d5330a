"""OAuth 2.0 authorization-code grants as Clio Manage issues them.

Codes are single use and expire after 10 minutes. Access tokens expire (30 days by default, as Clio
Manage); refresh tokens stay valid until revoked, and a refresh returns no new refresh token.
Codes and tokens are stored only as sha256 digests.
"""

import dataclasses
import datetime
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mira.sandbox.models import AccessToken, AuthorizationCode, DeveloperApp, Grant, SandboxUser, hash_token

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=10)
DEFAULT_TOKEN_LIFETIME_SECONDS = 2592000


class OAuthError(Exception):
    """An OAuth 2.0 error response: the error code, its description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclasses.dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None


def token_lifetime_seconds() -> int:
    return int(getattr(settings, "MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS", DEFAULT_TOKEN_LIFETIME_SECONDS))


def issue_code(app: DeveloperApp, user: SandboxUser, redirect_uri: str) -> str:
    """Create a single-use authorization code for the user's consent and return it."""
    code = secrets.token_urlsafe(32)
    AuthorizationCode.objects.create(
        app=app, user=user, code_hash=hash_token(code), redirect_uri=redirect_uri,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    logger.info("Issued an authorization code for app %s to user %s", app.pk, user.pk)
    return code


def authenticate_client(client_id: str, client_secret: str) -> DeveloperApp:
    """Return the app with this client id and secret; raise invalid_client (401) otherwise."""
    app = DeveloperApp.objects.filter(client_id=client_id).first()
    if app is None or not secrets.compare_digest(app.client_secret, client_secret):
        raise OAuthError("invalid_client", "Client authentication failed: unknown client_id or wrong client_secret.", 401)
    return app


def exchange_code(app: DeveloperApp, code: str, redirect_uri: str) -> IssuedTokens:
    """Trade an authorization code for tokens; a reused code also revokes what it issued before."""
    record = AuthorizationCode.objects.select_related("user").filter(code_hash=hash_token(code)).first()
    if record is None or record.app_id != app.pk:
        raise OAuthError("invalid_grant", "The authorization code is invalid or was issued to another client.")

    claimed = AuthorizationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        revoked = _revoke_grants(Grant.objects.filter(authorization_code=record))
        logger.warning("Authorization code for app %s was reused; revoked %s grant(s)", app.pk, revoked)
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    if record.expires_at <= timezone.now():
        raise OAuthError("invalid_grant", "The authorization code has expired; start the authorization again.")
    if record.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the one used in the authorization request.")
    if not record.user.enabled:
        raise OAuthError("invalid_grant", "The user who authorized this code is disabled.")

    return _create_grant(app, record.user, record)


def refresh(app: DeveloperApp, refresh_token: str) -> IssuedTokens:
    """Issue a new access token under an existing grant; the refresh token stays the same."""
    grant = Grant.objects.filter(refresh_token_hash=hash_token(refresh_token), app=app, revoked=False).first()
    if grant is None:
        raise OAuthError("invalid_grant", "The refresh token is invalid, revoked or was issued to another client.")

    access_token = _create_access_token(grant)
    logger.info("Refreshed an access token for grant %s (app %s)", grant.pk, app.pk)
    return IssuedTokens(access_token=access_token, expires_in=token_lifetime_seconds(), refresh_token=None)


def find_access_token(token: str) -> AccessToken | None:
    """Return the stored access token for a bearer value, whether or not it is still usable."""
    return (
        AccessToken.objects.select_related("grant__app", "grant__user__account")
        .filter(token_hash=hash_token(token))
        .first()
    )


def access_token_problem(record: AccessToken | None) -> str | None:
    """Return why a token cannot be used (unknown, revoked, expired, disabled user), or None if it can."""
    if record is None:
        return "The access token is invalid."
    if record.revoked or record.grant.revoked:
        return "The access token has been revoked."
    if record.expires_at <= timezone.now():
        return "The access token has expired; refresh it."
    if not record.grant.user.enabled:
        return "The user who authorized this token is disabled."
    return None


def deauthorize(record: AccessToken) -> None:
    """Revoke the grant behind an access token, with all its access tokens and its refresh token."""
    _revoke_grants(Grant.objects.filter(pk=record.grant_id))
    logger.info("Deauthorized grant %s (app %s)", record.grant_id, record.grant.app_id)


def _create_grant(app: DeveloperApp, user: SandboxUser, code: AuthorizationCode) -> IssuedTokens:
    refresh_token = secrets.token_urlsafe(32)
    with transaction.atomic():
        grant = Grant.objects.create(
            app=app, user=user, authorization_code=code, refresh_token_hash=hash_token(refresh_token)
        )
        access_token = _create_access_token(grant)
    logger.info("Issued tokens for grant %s (app %s, user %s)", grant.pk, app.pk, user.pk)
    return IssuedTokens(access_token=access_token, expires_in=token_lifetime_seconds(), refresh_token=refresh_token)


def _create_access_token(grant: Grant) -> str:
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        grant=grant, token_hash=hash_token(token),
        expires_at=timezone.now() + datetime.timedelta(seconds=token_lifetime_seconds()),
    )
    return token


def _revoke_grants(grants) -> int:
    grant_ids = list(grants.values_list("pk", flat=True))
    AccessToken.objects.filter(grant_id__in=grant_ids).update(revoked=True)
    return Grant.objects.filter(pk__in=grant_ids).update(revoked=True)
