"""Timekeeper pages: list one's own entries, create and edit drafts, approve, return to draft.

Plain forms work without JavaScript. With htmx, Approve and Return to draft swap the entry's row in
place (the `HX-Request` header asks for the row instead of a redirect).
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mira.accounts.models import User
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioMatter
from mira.timeentries.forms import TimeEntryForm
from mira.timeentries.models import TimeEntry
from mira.timeentries.approval import approve_entry, firm_connection
from mira.timeentries.clio_users import match_clio_user

logger = logging.getLogger(__name__)

GO_LIVE_WAIT_MESSAGE = (
    "Waiting for go-live: Customer Success has not activated your firm's account yet. "
    "It will be posted to Clio automatically then."
)


def timekeeper_required(view):
    """Allow signed-in timekeepers and firm admins of a firm; everyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if user.role not in (User.Role.TIMEKEEPER, User.Role.FIRM_ADMIN) or user.firm_id is None:
            raise PermissionDenied("Time entries are for the timekeepers and administrators of a firm.")
        return view(request, *args, **kwargs)

    return wrapper


def _connection(user: User) -> ClioConnection | None:
    return firm_connection(user)


def _own_entry(request: HttpRequest, pk: int) -> TimeEntry:
    return get_object_or_404(TimeEntry, pk=pk, firm_id=request.user.firm_id, timekeeper=request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@timekeeper_required
def entry_list(request: HttpRequest) -> HttpResponse:
    entries = (
        TimeEntry.objects.filter(firm_id=request.user.firm_id, timekeeper=request.user)
        .select_related("matter", "matter__client", "activity_description")
    )
    connection = _connection(request.user)
    return render(
        request,
        "timeentries/list.html",
        {
            "entries": entries,
            "firm": request.user.firm,
            "clio_match": match_clio_user(request.user, connection),
            "go_live_wait_message": GO_LIVE_WAIT_MESSAGE,
            "has_matters": ClioMatter.objects.filter(connection=connection, available=True).exists(),
        },
    )


@timekeeper_required
def entry_create(request: HttpRequest) -> HttpResponse:
    connection = _connection(request.user)
    form = TimeEntryForm(request.POST or None, connection=connection)

    if request.method == "POST" and form.is_valid():
        entry = form.save_to(TimeEntry(firm_id=request.user.firm_id, timekeeper=request.user))
        messages.success(request, f"Draft saved: {entry.matter.display_number} on {entry.date:%b} {entry.date.day}, {entry.date.year}.")
        return redirect("timeentries:list")

    return render(request, "timeentries/form.html", {"form": form, "entry": None})


@timekeeper_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    if entry.status != TimeEntry.Status.DRAFT:
        messages.warning(request, "Only drafts can be edited. Return the entry to draft first.")
        return redirect("timeentries:list")

    connection = _connection(request.user)
    form = TimeEntryForm(request.POST or None, connection=connection, initial=TimeEntryForm.initial_for(entry))

    if request.method == "POST" and form.is_valid():
        form.save_to(entry)
        messages.success(request, "Draft updated.")
        return redirect("timeentries:list")

    return render(request, "timeentries/form.html", {"form": form, "entry": entry})


@require_POST
@timekeeper_required
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    deleted, _ = TimeEntry.objects.filter(
        pk=entry.pk, status__in=[TimeEntry.Status.DRAFT, TimeEntry.Status.FAILED]
    ).delete()

    if deleted:
        messages.success(request, "Entry deleted.")
    else:
        messages.warning(request, "Only drafts and entries that need attention can be deleted.")
    return redirect("timeentries:list")


@require_POST
@timekeeper_required
def entry_approve(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    result = approve_entry(request.user, entry)
    if not result.approved:
        level = messages.WARNING if entry.status != TimeEntry.Status.DRAFT else messages.ERROR
        return _respond(request, entry, result.message, level=level)
    return _respond(request, entry, result.message, level=messages.SUCCESS)


@require_POST
@timekeeper_required
def entry_return_to_draft(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)

    # Only before posting starts: once posting_started_at is set, Clio may already have the entry.
    returnable = TimeEntry.objects.filter(pk=entry.pk, posting_started_at__isnull=True).filter(
        status__in=[TimeEntry.Status.APPROVED, TimeEntry.Status.FAILED]
    )
    returned = returnable.update(
        status=TimeEntry.Status.DRAFT, approved_at=None, delivery_error="", updated_at=timezone.now()
    )
    entry.refresh_from_db()

    if not returned:
        return _respond(
            request, entry,
            "This entry can no longer be returned to draft: MIRA has started posting it to Clio.",
            level=messages.WARNING,
        )
    return _respond(request, entry, "Entry returned to draft.", level=messages.SUCCESS)


def _respond(request: HttpRequest, entry: TimeEntry, message: str, *, level: int) -> HttpResponse:
    """Return the entry's row for htmx with the message beside it; otherwise flash it and redirect."""
    if _is_htmx(request):
        context = {
            "entry": entry,
            "firm": request.user.firm,
            "go_live_wait_message": GO_LIVE_WAIT_MESSAGE,
            "row_message": message,
            "row_message_is_error": level >= messages.WARNING,
        }
        return render(request, "timeentries/_entry_row.html", context)

    messages.add_message(request, level, message)
    return redirect("timeentries:list")
