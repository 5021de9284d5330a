"""OAuth 2.0 authorization-code flow against Clio Manage: authorize URL, tokens, deauthorization.

An access token expires after the `expires_in` seconds given in its token response, which is used
as given instead of an assumed lifetime. A Clio Manage refresh token is reusable, and a refresh
response may omit it, in which case the old one stays valid.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from mira.clio.errors import OAuthError
from mira.clio.mapping import error_from_exception, error_from_response, oauth_error_from_response
from mira.clio.regions import Region

logger = logging.getLogger(__name__)

MASK = "***"


@dataclass(frozen=True)
class AppCredentials:
    """A firm's Clio developer app: its App Key (the OAuth client_id) and App Secret."""

    client_id: str
    client_secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"AppCredentials(client_id={self.client_id!r}, client_secret={MASK!r})"


@dataclass(frozen=True)
class TokenSet:
    """An access token, the refresh token that renews it, and when the access token expires."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    token_type: str = "bearer"

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            raise ValueError("TokenSet.expires_at must be timezone-aware (UTC).")

    def __repr__(self) -> str:
        return (
            f"TokenSet(access_token={MASK!r}, refresh_token={MASK!r}, "
            f"expires_at={self.expires_at.isoformat()!r}, token_type={self.token_type!r})"
        )

    def expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        """Return True if the access token expires within `seconds` from now, or already has."""
        current = _aware_now(now)
        return self.expires_at - current <= timedelta(seconds=seconds)


def build_authorize_url(region: Region, client_id: str, redirect_uri: str, state: str) -> str:
    """Return the URL that sends a firm admin to Clio to approve the app.

    With redirect_on_decline=true, Clio sends a declining user back to redirect_uri with
    error=access_denied instead of leaving them on Clio's page.
    """
    for name, value in (("client_id", client_id), ("redirect_uri", redirect_uri), ("state", state)):
        if not value:
            raise ValueError(f"build_authorize_url needs a non-empty {name}.")

    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "redirect_on_decline": "true",
        }
    )
    return f"{region.authorize_url}?{query}"


def exchange_code(
    http: httpx.Client,
    region: Region,
    credentials: AppCredentials,
    code: str,
    redirect_uri: str,
    now: datetime | None = None,
) -> TokenSet:
    """Exchange an authorization code from the callback for tokens.

    Raises OAuthError when Clio rejects the code or the credentials, or returns an unusable body.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "redirect_uri": redirect_uri,
    }
    response = _post_token_request(http, region, form)
    return _token_set_from(response, now=now, previous_refresh_token=None)


def refresh_tokens(
    http: httpx.Client,
    region: Region,
    credentials: AppCredentials,
    refresh_token: str,
    now: datetime | None = None,
) -> TokenSet:
    """Get a new access token with the refresh token, keeping the old refresh token if none comes back.

    Raises OAuthError; its `needs_reauthorization` is True when the refresh token was revoked.
    """
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    response = _post_token_request(http, region, form)
    return _token_set_from(response, now=now, previous_refresh_token=refresh_token)


def deauthorize(http: httpx.Client, region: Region, access_token: str) -> None:
    """Revoke MIRA's access in Clio. A 401 means the token was already revoked, which is fine."""
    try:
        response = http.post(region.deauthorize_url, headers={"Authorization": f"Bearer {access_token}"})
    except httpx.HTTPError as exc:
        raise error_from_exception(exc, repeatable=True) from exc

    logger.debug("clio.oauth.deauthorize status=%s", response.status_code)

    if response.status_code == 401:
        logger.info("clio.oauth.deauthorize: token already invalid in Clio, nothing to revoke")
        return
    if not response.is_success:
        raise error_from_response(response, repeatable=True)


def _post_token_request(http: httpx.Client, region: Region, form: dict[str, str]) -> httpx.Response:
    try:
        response = http.post(region.token_url, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        # Resending is safe for a refresh. A resent code gets invalid_grant, so the admin authorizes again.
        raise error_from_exception(exc, repeatable=True) from exc

    logger.debug(
        "clio.oauth.token grant_type=%s status=%s elapsed_ms=%d",
        form["grant_type"],
        response.status_code,
        response.elapsed.total_seconds() * 1000,
    )

    if not response.is_success:
        raise oauth_error_from_response(response)
    return response


def _token_set_from(
    response: httpx.Response, *, now: datetime | None, previous_refresh_token: str | None
) -> TokenSet:
    """Build a TokenSet from a 2xx token response, or raise OAuthError("invalid_response")."""
    context = {
        "status_code": response.status_code,
        "method": response.request.method,
        "path": response.request.url.path,
    }

    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise OAuthError("invalid_response", "token response is not a JSON object", **context)

    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("invalid_response", "token response has no access_token", **context)

    refresh_token = body.get("refresh_token") or previous_refresh_token
    if not isinstance(refresh_token, str) or not refresh_token:
        raise OAuthError("invalid_response", "token response has no refresh_token", **context)

    expires_in = _positive_seconds(body.get("expires_in"))
    if expires_in is None:
        raise OAuthError("invalid_response", "token response has no valid expires_in", **context)

    token_type = body.get("token_type") or "bearer"
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise OAuthError("invalid_response", "token response has a token_type other than bearer", **context)

    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=_aware_now(now) + timedelta(seconds=expires_in),
        token_type=token_type.lower(),
    )


def _positive_seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 < seconds < float("inf") else None


def _aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC).")
    return now
