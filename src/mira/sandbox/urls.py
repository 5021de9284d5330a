"""URLconf of the sandbox server; it is served on its own port and never included by the portal's."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, re_path

from mira.sandbox import api_views, oauth_views, portal_views
from mira.sandbox.api import ApiError, error_response

# API paths are accepted with and without the ".json" suffix (and a trailing slash).
API = r"^api/v4/{}(?:\.json)?/?$"

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
    re_path(API.format(r"users/who_am_i"), api_views.who_am_i),
    re_path(API.format(r"users"), api_views.users),
    re_path(API.format(r"matters"), api_views.matters),
    re_path(API.format(r"contacts"), api_views.contacts),
    re_path(API.format(r"activity_descriptions"), api_views.activity_descriptions),
    re_path(API.format(r"activities"), api_views.activity_collection),
    re_path(API.format(r"activities/(?P<activity_id>[0-9]{1,18})"), api_views.activity_detail),
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
