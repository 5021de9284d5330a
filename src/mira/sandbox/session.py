"""The sandbox UI's own sign-in session and form tokens.

The sandbox runs without Django's session, auth and CSRF middleware (those cookies belong to the
MIRA portal, and browsers share cookies across ports on one host). The session is a signed cookie
holding a random nonce and the signed-in user's id; forms carry a signed copy of that nonce.
"""

import dataclasses
import secrets

from django.core import signing
from django.http import HttpRequest, HttpResponse

from mira.sandbox.models import SandboxUser

COOKIE_NAME = "clio_sandbox_session"
SESSION_SALT = "mira.sandbox.session"
FORM_TOKEN_SALT = "mira.sandbox.form-token"
SESSION_MAX_AGE_SECONDS = 12 * 60 * 60
FORM_TOKEN_FIELD = "form_token"


@dataclasses.dataclass
class SandboxSession:
    nonce: str
    user_id: int | None = None
    is_new: bool = False


def load_session(request: HttpRequest) -> SandboxSession:
    """Return the request's session, or a new anonymous one if the cookie is missing, expired or forged."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if raw:
        try:
            payload = signing.loads(raw, salt=SESSION_SALT, max_age=SESSION_MAX_AGE_SECONDS)
            return SandboxSession(nonce=payload["n"], user_id=payload.get("u"))
        except (signing.BadSignature, KeyError, TypeError):
            pass
    return SandboxSession(nonce=secrets.token_urlsafe(16), is_new=True)


def signed_in_user(session: SandboxSession) -> SandboxUser | None:
    """Return the session's user if it still exists and is enabled."""
    if session.user_id is None:
        return None
    return SandboxUser.objects.select_related("account").filter(pk=session.user_id, enabled=True).first()


def sign_in(session: SandboxSession, user: SandboxUser) -> SandboxSession:
    """Return a fresh session for the user; the nonce changes so tokens from before sign-in stop working."""
    return SandboxSession(nonce=secrets.token_urlsafe(16), user_id=user.pk, is_new=True)


def save_session(response: HttpResponse, session: SandboxSession) -> HttpResponse:
    """Set the session cookie on the response."""
    value = signing.dumps({"n": session.nonce, "u": session.user_id}, salt=SESSION_SALT)
    response.set_cookie(
        COOKIE_NAME, value, max_age=SESSION_MAX_AGE_SECONDS, httponly=True, samesite="Lax", path="/"
    )
    return response


def clear_session(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(COOKIE_NAME, path="/", samesite="Lax")
    return response


def form_token(session: SandboxSession) -> str:
    """Return the hidden-field token that ties a form post to this session."""
    return signing.dumps(session.nonce, salt=FORM_TOKEN_SALT)


def form_token_is_valid(request: HttpRequest, session: SandboxSession) -> bool:
    """Check the posted form token against the session cookie's nonce."""
    if session.is_new:
        return False
    try:
        nonce = signing.loads(request.POST.get(FORM_TOKEN_FIELD, ""), salt=FORM_TOKEN_SALT)
    except signing.BadSignature:
        return False
    return secrets.compare_digest(str(nonce), session.nonce)
