"""Notify Customer Success (for firm admins) and the Customer Success console with Go live."""

import logging

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from mira.accounts.access import customer_success_required, firm_admin_required
from mira.accounts.models import Firm
from mira.activation.golive import GoLiveRejected, go_live as make_live
from mira.activation.notify import NotificationFailed, send_notification
from mira.destinations.checklist import build_checklist, ready_to_notify
from mira.destinations.credentials import connection_for
from mira.destinations.models import ClioConnection
from mira.sync.models import SyncRun

logger = logging.getLogger(__name__)


@require_POST
@firm_admin_required
def notify(request: HttpRequest) -> HttpResponse:
    firm = request.user.firm
    connection = connection_for(firm)
    checklist = build_checklist(firm, connection if connection.pk else None)
    if not ready_to_notify(checklist):
        missing = ", ".join(item.label for item in checklist if not item.done and item.key != "notified")
        flash.error(request, f"Customer Success was not notified because these steps are not done yet: {missing}.")
        return redirect("destinations:page")

    try:
        notification = send_notification(firm, connection, request.user)
    except NotificationFailed as failure:
        flash.error(request, failure.message)
        return redirect("destinations:page")

    flash.success(request, f"Sent to {notification.recipient} on {notification.sent_at.day} {notification.sent_at:%B %Y}.")
    return redirect("destinations:page")


@require_GET
@customer_success_required
def console(request: HttpRequest) -> HttpResponse:
    awaiting = Firm.objects.filter(live_at__isnull=True, notifications__isnull=False).distinct().order_by("name")
    live = Firm.objects.filter(live_at__isnull=False).order_by("-live_at")
    return render(
        request,
        "activation/console.html",
        {"awaiting": [_row(firm) for firm in awaiting], "live": [_row(firm) for firm in live]},
    )


@require_POST
@customer_success_required
def go_live(request: HttpRequest, firm_id: int) -> HttpResponse:
    firm = get_object_or_404(Firm, pk=firm_id)
    try:
        make_live(firm, request.user)
    except GoLiveRejected as rejection:
        logger.info("customer_success.go_live.rejected firm_id=%s reason=%s", firm.pk, rejection.message)
        flash.error(request, rejection.message)
        return redirect("activation:console")

    flash.success(request, f"{firm.name} ({firm.account_id}) is live. Approved time entries are being delivered to Clio.")
    return redirect("activation:console")


def _row(firm: Firm) -> dict:
    connection = ClioConnection.objects.filter(firm=firm).first()
    return {
        "firm": firm,
        "connection": connection,
        "notification": firm.notifications.first(),
        "last_sync": SyncRun.objects.filter(connection=connection).first() if connection else None,
    }
