"""Pages of the sandbox's developer portal: home, sign-in, and the developer apps of the signed-in user."""

import logging
import secrets

from django.contrib.auth.hashers import check_password
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from mira.sandbox import session as sandbox_session
from mira.sandbox.forms import DeveloperAppForm, describe_permissions
from mira.sandbox.models import DeveloperApp, SandboxUser
from mira.sandbox.pages import redirect_to_sign_in, rejected_form, render_page, safe_next_url

logger = logging.getLogger(__name__)


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    session = sandbox_session.load_session(request)
    return render_page(request, session, "sandbox/home.html")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    session = sandbox_session.load_session(request)
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET":
        return render_page(request, session, "sandbox/sign_in.html", {"next": next_url, "email": ""})

    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    email = request.POST.get("email", "").strip()
    user = SandboxUser.objects.filter(email__iexact=email).first()
    if user is None or not check_password(request.POST.get("password", ""), user.password_hash):
        logger.info("Sandbox sign-in failed for %r", email)
        error = "Email or password is incorrect; check both and try again."
        return render_page(request, session, "sandbox/sign_in.html", {"next": next_url, "email": email, "error": error}, 400)
    if not user.enabled:
        logger.info("Sandbox sign-in rejected for disabled user %s", user.pk)
        error = f"{user.name}'s account is disabled; sign in as another sandbox user."
        return render_page(request, session, "sandbox/sign_in.html", {"next": next_url, "email": email, "error": error}, 400)

    logger.info("Sandbox user %s signed in", user.pk)
    response = HttpResponseRedirect(next_url)
    return sandbox_session.save_session(response, sandbox_session.sign_in(session, user))


@require_http_methods(["POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    session = sandbox_session.load_session(request)
    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    return sandbox_session.clear_session(HttpResponseRedirect("/"))


def _signed_in(request: HttpRequest) -> tuple[sandbox_session.SandboxSession, SandboxUser | None]:
    session = sandbox_session.load_session(request)
    return session, sandbox_session.signed_in_user(session)


@require_http_methods(["GET"])
def app_list(request: HttpRequest) -> HttpResponse:
    session, user = _signed_in(request)
    if user is None:
        return redirect_to_sign_in(request)
    apps = DeveloperApp.objects.filter(owner=user).order_by("name", "pk")
    return render_page(request, session, "sandbox/app_list.html", {"apps": apps})


@require_http_methods(["GET", "POST"])
def app_new(request: HttpRequest) -> HttpResponse:
    session, user = _signed_in(request)
    if user is None:
        return redirect_to_sign_in(request)
    if request.method == "GET":
        return render_page(request, session, "sandbox/app_form.html", {"form": DeveloperAppForm(), "app": None})

    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    form = DeveloperAppForm(request.POST)
    if not form.is_valid():
        return render_page(request, session, "sandbox/app_form.html", {"form": form, "app": None}, 400)

    app = DeveloperApp.objects.create(
        owner=user, name=form.cleaned_data["name"], website_url=form.cleaned_data["website_url"],
        redirect_uris=form.cleaned_data["redirect_uris"], permissions=form.permissions(),
        client_id=secrets.token_urlsafe(30), client_secret=secrets.token_urlsafe(30),
    )
    logger.info("Created developer app %s for sandbox user %s", app.pk, user.pk)
    return HttpResponseRedirect(f"/developers/apps/{app.pk}")


def _owned_app(user: SandboxUser, app_id: int) -> DeveloperApp:
    app = DeveloperApp.objects.filter(pk=app_id, owner=user).first()
    if app is None:
        raise Http404(f"Developer app {app_id} not found for {user.email}.")
    return app


@require_http_methods(["GET"])
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    session, user = _signed_in(request)
    if user is None:
        return redirect_to_sign_in(request)
    app = _owned_app(user, app_id)
    context = {"app": app, "permission_lines": describe_permissions(app.permissions)}
    return render_page(request, session, "sandbox/app_detail.html", context)


@require_http_methods(["GET", "POST"])
def app_edit(request: HttpRequest, app_id: int) -> HttpResponse:
    session, user = _signed_in(request)
    if user is None:
        return redirect_to_sign_in(request)
    app = _owned_app(user, app_id)
    if request.method == "GET":
        initial = {
            "name": app.name, "website_url": app.website_url, "redirect_uris": "\n".join(app.redirect_uris),
            **{f"permission_{key}": level for key, level in app.permissions.items()},
        }
        return render_page(request, session, "sandbox/app_form.html", {"form": DeveloperAppForm(initial=initial), "app": app})

    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    form = DeveloperAppForm(request.POST)
    if not form.is_valid():
        return render_page(request, session, "sandbox/app_form.html", {"form": form, "app": app}, 400)

    app.name = form.cleaned_data["name"]
    app.website_url = form.cleaned_data["website_url"]
    app.redirect_uris = form.cleaned_data["redirect_uris"]
    app.permissions = form.permissions()
    app.save()
    logger.info("Updated developer app %s", app.pk)
    return HttpResponseRedirect(f"/developers/apps/{app.pk}")


@require_http_methods(["GET", "POST"])
def app_delete(request: HttpRequest, app_id: int) -> HttpResponse:
    session, user = _signed_in(request)
    if user is None:
        return redirect_to_sign_in(request)
    app = _owned_app(user, app_id)
    if request.method == "GET":
        return render_page(request, session, "sandbox/app_delete.html", {"app": app})

    if not sandbox_session.form_token_is_valid(request, session):
        return rejected_form(request, session)
    app.delete()
    logger.info("Deleted developer app %s", app_id)
    return HttpResponseRedirect("/developers/")
