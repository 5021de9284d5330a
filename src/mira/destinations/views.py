"""The Destination page and its Clio module: set-up instructions, the credentials form, and the connection."""

import logging

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from mira.accounts.access import firm_admin_required
from mira.activation.models import CustomerSuccessNotification
from mira.clio import UnknownRegionError, build_authorize_url, get_region
from mira.destinations import messages
from mira.destinations.checklist import build_checklist, ready_to_notify
from mira.destinations.connecting import redirect_uri
from mira.destinations.credentials import connection_for, save_credentials
from mira.destinations.forms import ClioCredentialsForm, initial_for, region_choices
from mira.destinations.models import MatterStatus
from mira.destinations.oauth_state import start_authorization
from mira.destinations.revoking import disconnect as disconnect_connection
from mira.destinations.tokens import region_for
from mira.sync.status import connection_summary
from mira.sync.tasks import enqueue_sync

logger = logging.getLogger(__name__)

# A rejected form is kept here so the main page can show its errors after the popup closes.
FORM_SUBMISSION_SESSION_KEY = "clio_form_submission"

# Django's default Cross-Origin-Opener-Policy (same-origin) cuts the tie between the Destination page
# and its popup once the popup visits Clio, so window.opener and popup.closed stop working. The page
# allows popups, and every popup response opts out, so the callback page can message its opener.
PAGE_OPENER_POLICY = "same-origin-allow-popups"
POPUP_OPENER_POLICY = "unsafe-none"

# The app permissions to select in Clio's developer portal, in the portal's own words.
CLIO_APP_PERMISSIONS = [
    ("Activities", "Read&Write"),
    ("Api", "Read&Write"),
    ("Billing", "Read"),
    ("Contacts", "Read"),
    ("Matters", "Read"),
    ("Users", "Read"),
    ("Client share permissions", "Read"),
]


@require_GET
@firm_admin_required
def destination_page(request: HttpRequest) -> HttpResponse:
    context = module_context(request, editing=False)
    response = render(request, "destinations/page.html", context)
    response["Cross-Origin-Opener-Policy"] = PAGE_OPENER_POLICY
    return response


@require_GET
@firm_admin_required
def clio_module(request: HttpRequest) -> HttpResponse:
    """Render the Clio module alone, for htmx to swap in after the popup or on Change credentials."""
    context = module_context(request, editing=request.GET.get("edit") == "1")
    return render(request, "destinations/_clio_module.html", context)


@require_POST
@firm_admin_required
def add_to_clio(request: HttpRequest) -> HttpResponse:
    """Save the credentials and send the popup to Clio's authorization page.

    This view responds inside the popup that the form targets, so every outcome is a popup page.
    """
    firm = request.user.firm
    connection = connection_for(firm)
    form = ClioCredentialsForm(request.POST, connection=connection)

    if not form.is_valid():
        _keep_rejected_submission(request, form)
        logger.info(
            "clio.credentials.invalid firm_id=%s connection_id=%s fields=%s",
            firm.pk,
            connection.pk,
            ",".join(sorted(form.errors)),
        )
        return render_popup(request, outcome="invalid", status=400, errors=_error_list(form))

    request.session.pop(FORM_SUBMISSION_SESSION_KEY, None)
    save_credentials(connection, form.cleaned_data)

    try:
        region = region_for(connection)
    except UnknownRegionError:
        connection.record_error(messages.REGION_UNAVAILABLE)
        connection.save(update_fields=["last_error", "last_error_at", "updated_at"])
        return render_popup(request, outcome="error", status=400, message=messages.REGION_UNAVAILABLE)

    state = start_authorization(
        request.session, connection_id=connection.pk, region=connection.region, client_id=connection.client_id
    )
    logger.info("clio.authorize.started firm_id=%s connection_id=%s region=%s", firm.pk, connection.pk, region.code)
    response = redirect(build_authorize_url(region, connection.client_id, redirect_uri(), state))
    response["Cross-Origin-Opener-Policy"] = POPUP_OPENER_POLICY
    return response


@require_POST
@firm_admin_required
def sync_now(request: HttpRequest) -> HttpResponse:
    connection = connection_for(request.user.firm)
    if not connection.is_connected:
        flash.error(request, "MIRA is not connected to Clio, so there is nothing to sync. Click Add to Clio first.")
        return redirect("destinations:page")

    queued = enqueue_sync(connection, "manual")
    logger.info("clio.sync.requested firm_id=%s connection_id=%s queued=%s", connection.firm_id, connection.pk, queued)
    if not queued:
        flash.info(request, "A sync is already queued or running. The Last sync line updates when it finishes.")
        return redirect("destinations:page")

    flash.success(request, "Sync started. Users, matters, contacts and activities update within a few minutes.")
    return redirect("destinations:page")


@require_POST
@firm_admin_required
def disconnect(request: HttpRequest) -> HttpResponse:
    connection = connection_for(request.user.firm)
    if connection.pk is None or not connection.access_token:
        flash.info(request, "MIRA was not connected to Clio, so there was nothing to disconnect.")
        return redirect("destinations:page")

    disconnect_connection(connection)
    flash.success(
        request,
        "MIRA is disconnected from Clio and no longer has access to it. Your Client ID and Client Secret "
        "are still saved: click Add to Clio to connect again.",
    )
    return redirect("destinations:page")


def module_context(request: HttpRequest, *, editing: bool) -> dict:
    """Collect everything the Clio module shows, from the saved connection and the session."""
    firm = request.user.firm
    connection = connection_for(firm)
    saved = connection.pk is not None
    show_form = editing or not connection.is_connected

    values = initial_for(connection)
    field_errors: dict[str, list[str]] = {}
    rejected = request.session.pop(FORM_SUBMISSION_SESSION_KEY, None) if show_form else None
    if rejected:
        values = {**values, **rejected["data"]}
        field_errors = rejected["errors"]

    regions = _region_options()
    selected = next((region for region in regions if region["code"] == values["region"]), regions[0])

    checklist = build_checklist(firm, connection if saved else None)
    return {
        "firm": firm,
        "connection": connection,
        "saved": saved,
        "show_form": show_form,
        "editing": editing,
        "values": values,
        "field_errors": field_errors,
        "regions": regions,
        "developer_portal_url": selected["developer_portal_url"],
        "redirect_uri": redirect_uri(),
        "public_base_url": settings.MIRA_PUBLIC_BASE_URL,
        "permissions": CLIO_APP_PERMISSIONS,
        "matter_status_choices": MatterStatus.choices,
        "checklist": checklist,
        "can_notify": ready_to_notify(checklist),
        "notification": CustomerSuccessNotification.objects.filter(firm=firm).first(),
        "customer_success_email": settings.MIRA_CUSTOMER_SUCCESS_EMAIL,
        "summary": connection_summary(connection) if connection.is_connected else None,
    }


def render_popup(
    request: HttpRequest,
    *,
    outcome: str,
    status: int = 200,
    message: str = "",
    errors: list[str] | None = None,
    note: str = "",
) -> HttpResponse:
    """Render the Add to Clio popup page for one outcome: connected, error or invalid."""
    response = render(
        request,
        "destinations/popup.html",
        {"outcome": outcome, "message": message, "errors": errors or [], "note": note},
        status=status,
    )
    # The callback URL carries the authorization code, so it must not leak through Referer or caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["Cross-Origin-Opener-Policy"] = POPUP_OPENER_POLICY
    return response


def _region_options() -> list[dict]:
    options = []
    for code, label in region_choices():
        try:
            portal_url = get_region(code, settings.MIRA_SANDBOX_URL or None).developer_portal_url
        except UnknownRegionError:
            portal_url = ""
        options.append({"code": code, "label": label, "developer_portal_url": portal_url})
    return options


def _keep_rejected_submission(request: HttpRequest, form: ClioCredentialsForm) -> None:
    # Never keep the Client Secret: the session is stored unencrypted.
    data = {
        "region": form.data.get("region", ""),
        "app_name": form.data.get("app_name", ""),
        "client_id": form.data.get("client_id", ""),
        "matter_statuses": form.data.getlist("matter_statuses"),
    }
    errors = {field: [str(error) for error in field_errors] for field, field_errors in form.errors.items()}
    request.session[FORM_SUBMISSION_SESSION_KEY] = {"data": data, "errors": errors}


def _error_list(form: ClioCredentialsForm) -> list[str]:
    return [str(error) for field_errors in form.errors.values() for error in field_errors]
