"""API v4 endpoints for bills and the firm's billing settings; both need the Billing permission."""

import math
import re

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from mira.sandbox.api import READ, ApiContext, ApiError, api_endpoint
from mira.sandbox.api_views import list_response, requested_fields, show_response
from mira.sandbox.filters import filter_created_updated, filter_ids, filter_reference, parse_date, parse_int
from mira.sandbox.models import Bill, BillingSetting

BILL_STATES = tuple(state for state, _ in Bill.STATES)
BILL_ORDERS = {
    "due_at": ("due_at",), "issued_at": ("issued_at",), "paid_at": ("paid_at",), "last_sent_at": ("last_sent_at",),
    "balance": ("balance",), "number": ("number",), "matter_display_number": ("matter__display_number",),
}
BILLING_SETTING_ID = 1
DURATION_PATTERN = re.compile(r"^(?:(?P<hours>\d+(?:\.\d+)?)h)?\s*(?:(?P<minutes>\d+(?:\.\d+)?)m)?$")
CLOCK_PATTERN = re.compile(r"^(?P<hours>\d+):(?P<minutes>[0-5]\d)$")


@api_endpoint("billing", {"GET": READ})
def bills(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = Bill.objects.select_related("matter__client", "matter__responsible_attorney", "client", "user__account")
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    for parameter in ("matter_id", "client_id"):
        queryset = filter_reference(request, queryset, parameter)
    responsible = parse_int(request, "responsible_attorney_id")
    if responsible is not None:
        queryset = queryset.filter(matter__responsible_attorney_id=responsible)
    queryset = _filter_state_and_status(request, queryset)
    queryset = _filter_dates(request, queryset)

    number = parse_int(request, "query")
    if number is not None:
        queryset = queryset.filter(number=str(number))
    bill_type = request.GET.get("type")
    if bill_type:
        if bill_type not in ("revenue", "trust"):
            raise ApiError(400, "ArgumentError", f"type {bill_type!r} is invalid; use revenue or trust.")
        # Every sandbox bill is a revenue bill; there are no trust bills.
        queryset = queryset.filter(kind="revenue_kind") if bill_type == "revenue" else queryset.none()
    return list_response(request, context, "Bill", queryset, orders=BILL_ORDERS)


def _filter_state_and_status(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    state = request.GET.get("state")
    if state:
        if state not in BILL_STATES:
            raise ApiError(400, "ArgumentError", f"state {state!r} is invalid; use one of {', '.join(BILL_STATES)}.")
        queryset = queryset.filter(state=state)

    status = request.GET.get("status")
    if status and status not in ("all", "overdue"):
        raise ApiError(400, "ArgumentError", f"status {status!r} is invalid; use all or overdue.")
    overdue_only = request.GET.get("overdue_only") in ("true", "1")
    if status == "overdue" or overdue_only:
        queryset = queryset.filter(state="awaiting_payment", due_at__lt=timezone.localdate())
    return queryset


def _filter_dates(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    # Each parameter compares one date column; *_after and *_before are inclusive here.
    comparisons = (
        ("issued_after", "issued_at__gte"), ("issued_before", "issued_at__lte"),
        ("due_after", "due_at__gte"), ("due_before", "due_at__lte"), ("due_at", "due_at"),
    )
    for parameter, lookup in comparisons:
        value = parse_date(request, parameter)
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    return queryset


@api_endpoint("billing", {"GET": READ})
def bill_detail(request: HttpRequest, context: ApiContext, bill_id: str) -> HttpResponse:
    bill = (
        Bill.objects.select_related("matter__client", "client", "user__account")
        .filter(pk=int(bill_id))
        .first()
    )
    if bill is None:
        raise ApiError(404, "RecordNotFound", f"Bill {bill_id} not found; check the id.")
    return show_response(request, context, "Bill", bill)


# NOTE: Clio's documentation does not say whether settings/billing needs the Billing or a Settings
# permission; the sandbox requires Billing (read), as for bills.
@api_endpoint("billing", {"GET": READ})
def billing_settings(request: HttpRequest, context: ApiContext) -> HttpResponse:
    requested_fields(request, "BillingSetting")
    setting = billing_setting()
    duration = request.GET.get("duration")
    if duration:
        setting.rounded_duration = rounded_duration_hours(duration, setting.rounding)
    return show_response(request, context, "BillingSetting", setting)


def billing_setting() -> BillingSetting:
    """Return the firm's billing settings, creating the defaults on first use."""
    now = timezone.now()
    setting, _ = BillingSetting.objects.get_or_create(
        pk=BILLING_SETTING_ID, defaults={"created_at": now, "updated_at": now}
    )
    return setting


def rounded_duration_hours(duration: str, rounding_minutes: int) -> float:
    """Parse a duration such as '3h', '1h30m', '45m', '2:15' or '1.5' (hours) and round it up to the increment.

    NOTE: Clio parses `duration` with the Chronic library and returns the result without stating its
    unit. The sandbox accepts the forms above and returns hours.
    """
    minutes = _duration_minutes(duration.strip().lower())
    if rounding_minutes > 0:
        minutes = math.ceil(round(minutes, 6) / rounding_minutes) * rounding_minutes
    return round(minutes / 60, 4)


def _duration_minutes(text: str) -> float:
    clock = CLOCK_PATTERN.match(text)
    if clock:
        return int(clock.group("hours")) * 60 + int(clock.group("minutes"))
    try:
        return float(text) * 60
    except ValueError:
        pass
    match = DURATION_PATTERN.match(text)
    if not text or match is None or not (match.group("hours") or match.group("minutes")):
        raise ApiError(400, "ArgumentError", f"duration {text!r} is invalid; send e.g. 3h, 1h30m, 45m or 2:15.")
    return float(match.group("hours") or 0) * 60 + float(match.group("minutes") or 0)

