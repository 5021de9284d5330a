"""URLconf of the sandbox server; it is served on its own port and never included by the portal's."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, re_path

from mira.sandbox import api_views, bill_views, oauth_views, portal_views, webhook_views
from mira.sandbox.api import ApiError, error_response

# API paths are accepted with and without the ".json" suffix (and a trailing slash).
API = r"^api/v4/{}(?:\.json)?/?$"
RECORD_ID = r"[0-9]{1,18}"

# API v4 routes: the spec's path (None for a route the spec leaves out), the pattern under /api/v4/ and the
# view. The conformance suite checks that every spec operation listed here has a conformance test.
API_ROUTES = [
    ("/users/who_am_i.json", r"users/who_am_i", api_views.who_am_i),
    ("/users.json", r"users", api_views.users),
    ("/matters.json", r"matters", api_views.matters),
    ("/contacts.json", r"contacts", api_views.contacts),
    ("/activity_descriptions.json", r"activity_descriptions", api_views.activity_descriptions),
    ("/activities.json", r"activities", api_views.activity_collection),
    ("/activities/{id}.json", rf"activities/(?P<activity_id>{RECORD_ID})", api_views.activity_detail),
    ("/bills.json", r"bills", bill_views.bills),
    ("/bills/{id}.json", rf"bills/(?P<bill_id>{RECORD_ID})", bill_views.bill_detail),
    ("/settings/billing.json", r"settings/billing", bill_views.billing_settings),
    ("/webhooks.json", r"webhooks", webhook_views.webhook_collection),
    ("/webhooks/{id}.json", rf"webhooks/(?P<webhook_id>{RECORD_ID})", webhook_views.webhook_detail),
    # Clio's documented activation route, which its OpenAPI file does not list.
    (None, rf"webhooks/(?P<webhook_id>{RECORD_ID})/activate", webhook_views.webhook_activate),
]


def spec_operations() -> list[tuple[str, str]]:
    """Return (method, spec path) for every spec operation the sandbox serves, e.g. ("GET", "/bills.json")."""
    return sorted(
        (method, spec_path) for spec_path, _, view in API_ROUTES if spec_path for method in view.api_methods
    )


urlpatterns = [
    path("", portal_views.home, name="sandbox-home"),
    path("session/sign-in", portal_views.sign_in, name="sandbox-sign-in"),
    path("session/sign-out", portal_views.sign_out, name="sandbox-sign-out"),
    path("developers/", portal_views.app_list, name="sandbox-apps"),
    path("developers/apps/new", portal_views.app_new, name="sandbox-app-new"),
    path("developers/apps/<int:app_id>", portal_views.app_detail, name="sandbox-app-detail"),
    path("developers/apps/<int:app_id>/edit", portal_views.app_edit, name="sandbox-app-edit"),
    path("developers/apps/<int:app_id>/delete", portal_views.app_delete, name="sandbox-app-delete"),
    path("oauth/authorize", oauth_views.authorize, name="sandbox-oauth-authorize"),
    path("oauth/token", oauth_views.token, name="sandbox-oauth-token"),
    path("oauth/deauthorize", oauth_views.deauthorize, name="sandbox-oauth-deauthorize"),
    *(re_path(API.format(pattern), view) for _, pattern, view in API_ROUTES),
]

def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(ApiError(404, "RecordNotFound", f"No API endpoint or record at {request.path}; check the path."))
    context = {"title": "Not found", "message": f"Nothing here at {request.path}. Go to the Developer Portal at /developers/."}
    return render(request, "sandbox/message.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(ApiError(500, "InternalServerError", "The sandbox failed to handle the request; see its log."))
    return HttpResponse("The Clio sandbox failed to handle the request; see its log.", status=500, content_type="text/plain")


handler404 = not_found
handler500 = server_error
