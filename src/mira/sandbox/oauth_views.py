"""OAuth 2.0 endpoints of the sandbox: authorize (consent page), token and deauthorize."""

import dataclasses
import logging
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.http import require_http_methods

from mira.sandbox import oauth
from mira.sandbox import session as sandbox_session
from mira.sandbox.forms import describe_permissions
from mira.sandbox.models import DeveloperApp
from mira.sandbox.pages import redirect_to_sign_in, rejected_form, render_page

logger = logging.getLogger(__name__)

AUTHORIZE_PARAMETERS = ("response_type", "client_id", "redirect_uri", "state", "redirect_on_decline")


@dataclasses.dataclass(frozen=True)
class AuthorizeRequest:
    app: DeveloperApp
    redirect_uri: str
    state: str | None
    redirect_on_decline: bool
    parameters: dict[str, str]


class AuthorizeError(Exception):
    """An authorize request that cannot be redirected back to the app, shown as an error page."""


def _parse_authorize(params) -> AuthorizeRequest:
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if not client_id:
        raise AuthorizeError("The client_id parameter is missing; the app must send its App Key as client_id.")
    app = DeveloperApp.objects.filter(client_id=client_id).first()
    if app is None:
        raise AuthorizeError("The client_id is not the App Key of any app in this sandbox; check the app's settings.")
    if not redirect_uri:
        raise AuthorizeError("The redirect_uri parameter is missing; send one of the app's registered Redirect URIs.")
    if redirect_uri not in app.redirect_uris:
        raise AuthorizeError(
            f"The redirect_uri {redirect_uri!r} is not registered for {app.name}; "
            "edit the app in the developer portal and add this address to its Redirect URIs, "
            "then close this window and try again."
        )
    if params.get("response_type") != "code":
        raise AuthorizeError(
            f"The response_type {params.get('response_type', '')!r} is not supported; send response_type=code."
        )
    return AuthorizeRequest(
        app=app, redirect_uri=redirect_uri, state=params.get("state"),
        redirect_on_decline=params.get("redirect_on_decline", "").lower() == "true",
        parameters={name: params[name] for name in AUTHORIZE_PARAMETERS if name in params},
    )


def _redirect_with(uri: str, values: dict[str, str | None]) -> HttpResponseRedirect:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in values.items() if value is not None]
    return HttpResponseRedirect(urlunsplit(parts._replace(query=urlencode(query))))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    session = sandbox_session.load_session(request)
    params = request.GET if request.method == "GET" else request.POST
    try:
        grant_request = _parse_authorize(params)
    except AuthorizeError as error:
        logger.info("Rejected an authorize request: %s", error)
        return render_page(request, session, "sandbox/oauth_error.html", {"message": str(error)}, status=400)

    user = sandbox_session.signed_in_user(session)
    if user is None:
        return redirect_to_sign_in(request)
    if request.method == "GET":
        return _consent_page(request, session, user, grant_request)

    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    if request.POST.get("decision") == "allow":
        code = oauth.issue_code(grant_request.app, user, grant_request.redirect_uri)
        return _redirect_with(grant_request.redirect_uri, {"code": code, "state": grant_request.state})

    logger.info("User %s denied access to app %s", user.pk, grant_request.app.pk)
    if grant_request.redirect_on_decline:
        return _redirect_with(grant_request.redirect_uri, {"error": "access_denied", "state": grant_request.state})
    return render_page(request, session, "sandbox/message.html", {
        "title": "Access denied",
        "message": f"You denied {grant_request.app.name} access to your Clio account. You can close this page.",
    })


def _consent_page(request, session, user, grant_request: AuthorizeRequest) -> HttpResponse:
    context = {
        "user": user, "app": grant_request.app, "parameters": grant_request.parameters,
        "permission_lines": describe_permissions(grant_request.app.permissions),
    }
    return render_page(request, session, "sandbox/consent.html", context)


def _oauth_error(error: oauth.OAuthError) -> JsonResponse:
    response = JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["POST"])
def token(request: HttpRequest) -> HttpResponse:
    try:
        issued = _token_grant(request)
    except oauth.OAuthError as error:
        logger.info("Token request rejected: %s (%s)", error.error, error.description)
        return _oauth_error(error)

    payload = {"token_type": "bearer", "access_token": issued.access_token, "expires_in": issued.expires_in}
    if issued.refresh_token is not None:
        payload["refresh_token"] = issued.refresh_token
    response = JsonResponse(payload)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _require(request: HttpRequest, *names: str) -> list[str]:
    values = [request.POST.get(name, "") for name in names]
    missing = [name for name, value in zip(names, values) if not value]
    if missing:
        raise oauth.OAuthError("invalid_request", f"Missing parameter(s): {', '.join(missing)}.")
    return values


def _token_grant(request: HttpRequest) -> oauth.IssuedTokens:
    (grant_type,) = _require(request, "grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise oauth.OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported; use authorization_code or refresh_token."
        )
    client_id, client_secret = _require(request, "client_id", "client_secret")
    app = oauth.authenticate_client(client_id, client_secret)

    if grant_type == "authorization_code":
        code, redirect_uri = _require(request, "code", "redirect_uri")
        return oauth.exchange_code(app, code, redirect_uri)
    (refresh_token,) = _require(request, "refresh_token")
    return oauth.refresh(app, refresh_token)


@require_http_methods(["POST"])
def deauthorize(request: HttpRequest) -> HttpResponse:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    bearer = value.strip() if scheme.lower() == "bearer" else ""
    # Public clients send the token as a form field instead of a header.
    bearer = bearer or request.POST.get("token", "")
    record = oauth.find_access_token(bearer) if bearer else None
    problem = oauth.access_token_problem(record)
    if problem:
        logger.info("Deauthorize rejected: %s", problem)
        return JsonResponse({"error": "invalid_token", "error_description": problem}, status=401)

    oauth.deauthorize(record)
    return HttpResponse(status=200)
