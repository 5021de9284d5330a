"""API v4 endpoints of the sandbox: users, matters, contacts, activity descriptions and activities."""

import logging
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from mira.sandbox import activities, fields, webhooks
from mira.sandbox.api import (
    READ,
    READ_WRITE,
    ApiContext,
    ApiError,
    api_endpoint,
    json_response,
    not_modified,
    paginate,
)
from mira.sandbox.filters import (
    filter_created_updated,
    filter_ids,
    filter_reference,
    parse_bool,
    parse_date,
    parse_int,
)
from mira.sandbox.loading import RecordLoader
from mira.sandbox.models import Activity, ActivityDescription, Bill, Contact, Matter, SandboxUser

logger = logging.getLogger(__name__)

MATTER_STATUSES = {"open": "Open", "pending": "Pending", "closed": "Closed"}
USERS_MAXIMUM_LIMIT = 2000

# `order` values each index supports besides id, mapped to the columns they sort by. The spec declares
# more for some endpoints (for example vendor.name on activities); those return 400 from the sandbox.
USER_ORDERS = {
    "email": ("email",), "enabled": ("enabled",), "name": ("first_name", "last_name"),
    "first_name": ("first_name",), "last_name": ("last_name",), "initials": ("first_name", "last_name"),
    "subscription_type": ("subscription_type",),
}
MATTER_ORDERS = {
    "display_number": ("display_number",), "open_date": ("open_date",), "close_date": ("close_date",),
    "pending_date": ("pending_date",), "updated_at": ("updated_at",), "created_at": ("created_at",),
    "responsible_attorney.name": ("responsible_attorney__first_name", "responsible_attorney__last_name"),
}
CONTACT_ORDERS = {"name": ("company_name", "first_name", "last_name")}
ACTIVITY_ORDERS = {
    "date": ("date",), "price": ("price",), "total": ("total",), "type": ("type",), "note": ("note",),
    "updated_at": ("updated_at",), "display_number": ("matter__display_number",),
    "user.name": ("user__first_name", "user__last_name"),
}
# Activity `status` values as bill states; the sandbox has no non-billable or written-off entries.
ACTIVITY_STATUSES = {"billed", "draft", "unbilled", "non_billable", "billable", "written_off"}


def requested_fields(request: HttpRequest, resource_name: str) -> tuple[fields.FieldRequest, ...]:
    """Parse and check the `fields` parameter; raise a 400 ApiError naming the bad field."""
    try:
        requests = fields.parse_fields(request.GET.get("fields"))
        fields.validate_fields(resource_name, requests)
    except fields.FieldsError as error:
        raise ApiError(400, "InvalidFields", str(error)) from None
    return requests


def list_response(
    request: HttpRequest, context: ApiContext, resource_name: str, queryset: QuerySet,
    maximum_limit: int = 200, orders: dict[str, tuple[str, ...]] | None = None,
) -> HttpResponse:
    requests = requested_fields(request, resource_name)
    load = RecordLoader(queryset.model, resource_name, requests)
    records, meta = paginate(request, queryset, maximum_limit, orders, load)
    render_record = fields.compile_renderer(resource_name, requests, context.quantity_in_hours)
    data = [render_record(record) for record in records]
    return json_response(200, {"data": data, "meta": meta})


def record_response(
    request: HttpRequest, context: ApiContext, resource_name: str, record: Any, status: int = 200
) -> HttpResponse:
    """Render one record with its ETag and Last-Modified headers."""
    requests = requested_fields(request, resource_name)
    response = json_response(status, {"data": fields.render(resource_name, record, requests, context.quantity_in_hours)})
    response["ETag"] = fields.etag(record)
    response["Last-Modified"] = _http_date(record)
    return response


def show_response(request: HttpRequest, context: ApiContext, resource_name: str, record: Any) -> HttpResponse:
    """Render one record for a GET, or 304 when the client's If-None-Match or If-Modified-Since is current."""
    requested_fields(request, resource_name)
    unchanged = not_modified(request, record, fields.etag(record))
    if unchanged is not None:
        return unchanged
    return record_response(request, context, resource_name, record)


def _http_date(record: Any) -> str:
    return http_date(record.updated_at.timestamp())


@api_endpoint("users", {"GET": READ})
def who_am_i(request: HttpRequest, context: ApiContext) -> HttpResponse:
    return show_response(request, context, "User", context.user)


@api_endpoint("users", {"GET": READ})
def users(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = SandboxUser.objects.select_related("account").filter(account=context.user.account)
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    enabled = parse_bool(request, "enabled")
    if enabled is not None:
        queryset = queryset.filter(enabled=enabled)
    subscription_type = request.GET.get("subscription_type")
    if subscription_type:
        queryset = queryset.filter(subscription_type__iexact=subscription_type)
    name = request.GET.get("name")
    if name:
        queryset = queryset.filter(Q(first_name__icontains=name) | Q(last_name__icontains=name))
    role = request.GET.get("role")
    if role:
        # Roles are a JSON list, and SQLite has no JSON containment lookup; a firm has few users.
        queryset = queryset.filter(id__in=[user.id for user in queryset if role in user.roles])
    return list_response(request, context, "User", queryset, USERS_MAXIMUM_LIMIT, USER_ORDERS)


@api_endpoint("matters", {"GET": READ})
def matters(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = Matter.objects.select_related("client", "responsible_attorney__account")
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    statuses = _parse_statuses(request)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    for parameter in ("client_id", "responsible_attorney_id"):
        queryset = filter_reference(request, queryset, parameter)
    billable = parse_bool(request, "billable")
    if billable is not None:
        queryset = queryset.filter(billable=billable)
    query = request.GET.get("query")
    if query:
        queryset = queryset.filter(Q(display_number__icontains=query) | Q(description__icontains=query))
    return list_response(request, context, "Matter", queryset, orders=MATTER_ORDERS)


def _parse_statuses(request: HttpRequest) -> list[str]:
    raw = request.GET.get("status")
    if not raw:
        return []
    statuses = []
    for item in raw.split(","):
        status = MATTER_STATUSES.get(item.strip().lower())
        if status is None:
            raise ApiError(400, "ArgumentError", f"status {item.strip()!r} is invalid; use open, pending or closed (comma-separated).")
        statuses.append(status)
    return statuses


@api_endpoint("contacts", {"GET": READ})
def contacts(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = filter_ids(request, filter_created_updated(request, Contact.objects.all()))
    contact_type = request.GET.get("type")
    if contact_type:
        if contact_type not in ("Person", "Company"):
            raise ApiError(400, "ArgumentError", f"type {contact_type!r} is invalid; use Person or Company.")
        queryset = queryset.filter(type=contact_type)
    if parse_bool(request, "client_only"):
        queryset = queryset.filter(is_client=True)
    query = request.GET.get("query")
    if query:
        queryset = queryset.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(company_name__icontains=query)
        )
    return list_response(request, context, "Contact", queryset, orders=CONTACT_ORDERS)


@api_endpoint("activities", {"GET": READ})
def activity_descriptions(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = filter_ids(request, filter_created_updated(request, ActivityDescription.objects.all()))
    description_type = request.GET.get("type")
    if description_type:
        if description_type not in ("clio", "utbms"):
            raise ApiError(400, "ArgumentError", f"type {description_type!r} is invalid; use clio or utbms.")
        # Every sandbox description is a plain Clio one; none is a UTBMS code.
        if description_type == "utbms":
            queryset = queryset.none()
    # Every description is accessible to every user, so user_id is only checked, not applied.
    parse_int(request, "user_id")
    return list_response(request, context, "ActivityDescription", queryset)


ACTIVITY_RELATED = ("matter__client", "matter__responsible_attorney", "user__account", "activity_description", "bill")


@api_endpoint("activities", {"GET": READ, "POST": READ_WRITE})
def activity_collection(request: HttpRequest, context: ApiContext) -> HttpResponse:
    if request.method == "POST":
        requested_fields(request, "Activity")
        data = activities.parse_body(request)
        activity = activities.create_activity(data, context.user, context.quantity_in_hours)
        webhooks.notify_record_changed("activity", activity, "created")
        return record_response(request, context, "Activity", activity, status=201)

    return list_response(request, context, "Activity", _filtered_activities(request), orders=ACTIVITY_ORDERS)


def _filtered_activities(request: HttpRequest) -> QuerySet:
    queryset = Activity.objects.select_related(*ACTIVITY_RELATED)
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    for parameter in ("user_id", "matter_id", "activity_description_id"):
        queryset = filter_reference(request, queryset, parameter)

    start_date = parse_date(request, "start_date")
    if start_date:
        queryset = queryset.filter(date__gte=start_date)
    end_date = parse_date(request, "end_date")
    if end_date:
        queryset = queryset.filter(date__lte=end_date)

    activity_type = request.GET.get("type")
    if activity_type:
        if activity_type not in ("TimeEntry", "ExpenseEntry", "HardCostEntry", "SoftCostEntry"):
            raise ApiError(400, "ArgumentError", f"type {activity_type!r} is invalid; use TimeEntry, ExpenseEntry, HardCostEntry or SoftCostEntry.")
        queryset = queryset.filter(type=activity_type)
    query = request.GET.get("query")
    if query:
        queryset = queryset.filter(note__icontains=query)
    return _filter_activity_status(request, queryset)


def _filter_activity_status(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    status = request.GET.get("status")
    if not status:
        return queryset
    if status not in ACTIVITY_STATUSES:
        raise ApiError(400, "ArgumentError", f"status {status!r} is invalid; use one of {', '.join(sorted(ACTIVITY_STATUSES))}.")

    # NOTE: the spec names these statuses without defining them; the sandbox maps them onto bill states.
    off_bill = Q(bill__isnull=True) | Q(bill__state__in=("void", "deleted"))
    if status == "billed":
        return queryset.filter(bill__state__in=Bill.BILLED_STATES)
    if status == "draft":
        return queryset.filter(bill__state__in=("draft", "awaiting_approval"))
    if status == "unbilled":
        return queryset.filter(off_bill)
    if status == "billable":
        return queryset
    return queryset.none()


@api_endpoint("activities", {"GET": READ, "PATCH": READ_WRITE, "DELETE": READ_WRITE})
def activity_detail(request: HttpRequest, context: ApiContext, activity_id: str) -> HttpResponse:
    activity = Activity.objects.select_related(*ACTIVITY_RELATED).filter(pk=int(activity_id)).first()
    if activity is None:
        raise ApiError(404, "RecordNotFound", f"Activity {activity_id} not found; check the id.")

    if request.method == "DELETE":
        activities.check_not_on_bill(activity, "deleted")
        webhooks.notify_record_changed("activity", activity, "deleted")
        activity.delete()
        logger.info("Deleted activity %s", activity_id)
        return json_response(204, None)

    if request.method == "PATCH":
        requested_fields(request, "Activity")
        check_if_match(request, activity)
        activities.check_not_on_bill(activity, "updated")
        data = activities.parse_body(request)
        activity = activities.update_activity(activity, data, context.user, context.quantity_in_hours)
        webhooks.notify_record_changed("activity", activity, "updated")
        return record_response(request, context, "Activity", activity)

    return show_response(request, context, "Activity", activity)


def check_if_match(request: HttpRequest, record: Any) -> None:
    expected = request.headers.get("If-Match")
    if expected and expected != fields.etag(record):
        raise ApiError(412, "PreconditionFailed", "If-Match does not match the record's current etag; fetch it again.")
