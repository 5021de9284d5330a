"""Rendering helpers for the sandbox's HTML pages: session cookie, form token and sign-in redirects."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from mira.sandbox import session as sandbox_session
from mira.sandbox.session import SandboxSession


def render_page(
    request: HttpRequest, session: SandboxSession, template: str, context: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a sandbox page with the signed-in user and a form token, keeping the session cookie set."""
    page_context = {
        "signed_in_user": sandbox_session.signed_in_user(session),
        "form_token": sandbox_session.form_token(session),
        "form_token_field": sandbox_session.FORM_TOKEN_FIELD,
    }
    page_context.update(context or {})
    response = render(request, template, page_context, status=status)
    response["Cache-Control"] = "no-store"
    if session.is_new:
        sandbox_session.save_session(response, session)
    return response


def redirect_to_sign_in(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/session/sign-in?" + urlencode({"next": request.get_full_path()}))


def safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    """Return the post-sign-in target if it stays on this server, else the developer portal."""
    if candidate and candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return "/developers/"


def rejected_form(request: HttpRequest, session: SandboxSession) -> HttpResponse:
    """Return the page for a form post whose token is missing or stale."""
    return render_page(
        request, session, "sandbox/message.html",
        {"title": "Form expired", "message": "This form has expired or was opened in another session. "
         "Go back, reload the page and submit it again."},
        status=403,
    )
