"""The JSON API under /api/v1: the signed-in user, the firm's Clio connection, matters and time entries.

It uses the portal's session sign-in, so a browser script or a tool holding the session cookie
(and the CSRF token for writes) can call it.
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from mira.accounts.models import User
from mira.api.schemas import (
    ClioConnectionOut,
    ErrorOut,
    MatterOut,
    MeOut,
    TimeEntryIn,
    TimeEntryOut,
)
from mira.destinations.checklist import build_checklist
from mira.sync.models import ClioMatter
from mira.sync.status import connection_summary
from mira.timeentries.approval import approve_entry, firm_connection
from mira.timeentries.forms import TimeEntryForm
from mira.timeentries.models import TimeEntry

api = NinjaAPI(
    title="MIRA API",
    version="1",
    description="Time entries and the Clio connection of the signed-in user's firm.",
    auth=django_auth,
    urls_namespace="api",
)


def _firm_member(request: HttpRequest) -> User:
    user = request.auth
    if user.firm_id is None:
        raise HttpError(403, "This endpoint is for the members of a firm.")
    return user


def _timekeeper(request: HttpRequest) -> User:
    user = _firm_member(request)
    if user.role not in (User.Role.TIMEKEEPER, User.Role.FIRM_ADMIN):
        raise HttpError(403, "Time entries are for the timekeepers and administrators of a firm.")
    return user


def _entry_out(entry: TimeEntry) -> dict:
    return {
        "id": entry.pk,
        "matter_id": entry.matter_id,
        "matter": str(entry.matter),
        "date": entry.date,
        "duration_seconds": entry.duration_seconds,
        "narrative": entry.narrative,
        "status": entry.status,
        "clio_activity_id": entry.clio_activity_id,
        "delivery_error": entry.delivery_error,
    }


@api.get("/me", response=MeOut, summary="The signed-in user and their firm")
def me(request: HttpRequest):
    user = request.auth
    firm = user.firm
    return {
        "email": user.email,
        "name": user.get_full_name(),
        "role": user.role,
        "firm": {"name": firm.name, "account_id": firm.account_id, "live": firm.is_live} if firm else None,
    }


@api.get("/destination/clio", response={200: ClioConnectionOut, 404: ErrorOut},
         summary="The firm's Clio connection, last sync and completion checklist")
def clio_connection(request: HttpRequest):
    user = _firm_member(request)
    if not user.is_firm_admin:
        raise HttpError(403, "Only a firm administrator can see the Clio connection.")
    connection = firm_connection(user)
    if connection is None:
        return Status(404, {"message": "Clio is not set up yet. Open the Destination page and enter the app's credentials."})

    summary = connection_summary(connection)
    return {
        "region": connection.region,
        "app_name": connection.app_name,
        "client_id": connection.client_id,
        "client_secret_saved": bool(connection.client_secret),
        "matter_statuses": connection.matter_statuses,
        "status": connection.status,
        "clio_user_name": connection.clio_user_name,
        "clio_account_name": connection.clio_account_name,
        "connected_at": connection.connected_at,
        "last_error": connection.last_error,
        "last_sync": summary["last_sync"],
        "counts": summary["counts"],
        "checklist": [vars(item) for item in build_checklist(user.firm, connection)],
    }


@api.get("/matters", response=list[MatterOut], summary="Matters available for new time entries")
def matters(request: HttpRequest):
    user = _timekeeper(request)
    connection = firm_connection(user)
    if connection is None:
        return []
    queryset = ClioMatter.objects.filter(connection=connection, available=True).select_related("client")
    return [
        {
            "id": matter.pk,
            "clio_id": matter.clio_id,
            "display_number": matter.display_number,
            "description": matter.description,
            "status": matter.status,
            "client": matter.client.name if matter.client_id else None,
        }
        for matter in queryset
    ]


@api.get("/time-entries", response=list[TimeEntryOut], summary="The signed-in timekeeper's entries")
def list_time_entries(request: HttpRequest):
    user = _timekeeper(request)
    entries = TimeEntry.objects.filter(firm_id=user.firm_id, timekeeper=user).select_related("matter")
    return [_entry_out(entry) for entry in entries]


@api.post("/time-entries", response={201: TimeEntryOut, 422: ErrorOut}, summary="Create a draft entry")
def create_time_entry(request: HttpRequest, payload: TimeEntryIn):
    user = _timekeeper(request)
    # The portal's form contains the rules (available matters only, duration forms, narrative), so
    # the API and the page accept and reject exactly the same input.
    form = TimeEntryForm(
        data={
            "matter": payload.matter_id,
            "activity_description": payload.activity_description_id or "",
            "date": payload.date.isoformat(),
            "duration": payload.duration,
            "narrative": payload.narrative,
        },
        connection=firm_connection(user),
    )
    if not form.is_valid():
        fields = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
        return Status(422, {"message": "The time entry is invalid; see the fields.", "fields": fields})

    entry = form.save_to(TimeEntry(firm_id=user.firm_id, timekeeper=user))
    return Status(201, _entry_out(entry))


@api.post("/time-entries/{entry_id}/approve", response={200: TimeEntryOut, 409: ErrorOut},
          summary="Approve a draft entry for delivery to Clio")
def approve_time_entry(request: HttpRequest, entry_id: int):
    user = _timekeeper(request)
    entry = get_object_or_404(TimeEntry, pk=entry_id, firm_id=user.firm_id, timekeeper=user)
    result = approve_entry(user, entry)
    if not result.approved:
        return Status(409, {"message": result.message})
    return Status(200, _entry_out(entry))
