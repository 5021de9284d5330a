"""URLconf of the control API under /_sandbox/; the sandbox server routes those paths here."""

from django.urls import path, re_path

from mira.sandbox import control_views
from mira.sandbox.control_views import error_response

urlpatterns = [
    path("_sandbox/", control_views.control_page, name="sandbox-control"),
    path("_sandbox/matters", control_views.matter_create),
    re_path(r"^_sandbox/matters/(?P<matter_id>[0-9]{1,18})/(?P<action>edit|renumber|close|reopen|pend|delete)$",
            control_views.matter_action),
    path("_sandbox/users", control_views.user_add),
    re_path(r"^_sandbox/users/(?P<user_id>[0-9]{1,18})/(?P<action>disable|enable)$", control_views.user_action),
    path("_sandbox/activities", control_views.activities_list),
    path("_sandbox/activities/bill", control_views.activities_bill),
    re_path(r"^_sandbox/activities/(?P<activity_id>[0-9]{1,18})/(?P<action>edit|delete)$", control_views.activity_action),
    path("_sandbox/faults", control_views.faults),
    path("_sandbox/stats", control_views.stats),
]


def not_found(request, exception=None):
    return error_response(404, f"No control action at {request.path}; open /_sandbox/ for the list of actions.")


def server_error(request):
    return error_response(500, "The sandbox failed to handle the control request; see its log.")


handler404 = not_found
handler500 = server_error
