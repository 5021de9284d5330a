"""API v4 endpoints of the sandbox: users, matters, contacts, activity descriptions and activities."""

import logging
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from mira.sandbox import activities, fields
from mira.sandbox.api import READ, READ_WRITE, ApiContext, ApiError, api_endpoint, json_response, paginate
from mira.sandbox.filters import (
    filter_created_updated,
    filter_ids,
    parse_bool,
    parse_date,
    parse_int,
)
from mira.sandbox.models import Activity, ActivityDescription, Contact, Matter, SandboxUser

logger = logging.getLogger(__name__)

MATTER_STATUSES = {"open": "Open", "pending": "Pending", "closed": "Closed"}
USERS_MAXIMUM_LIMIT = 2000


def requested_fields(request: HttpRequest, resource_name: str) -> tuple[fields.FieldRequest, ...]:
    """Parse and check the `fields` parameter; raise a 400 ApiError naming the bad field."""
    try:
        requests = fields.parse_fields(request.GET.get("fields"))
        fields.validate_fields(resource_name, requests)
    except fields.FieldsError as error:
        raise ApiError(400, "InvalidFields", str(error)) from None
    return requests


def list_response(request: HttpRequest, resource_name: str, queryset: QuerySet, maximum_limit: int = 200) -> HttpResponse:
    requests = requested_fields(request, resource_name)
    records, meta = paginate(request, queryset, maximum_limit)
    data = [fields.render(resource_name, record, requests) for record in records]
    return json_response(200, {"data": data, "meta": meta})


def record_response(request: HttpRequest, resource_name: str, record: Any, status: int = 200) -> HttpResponse:
    requests = requested_fields(request, resource_name)
    response = json_response(status, {"data": fields.render(resource_name, record, requests)})
    response["ETag"] = fields.etag(record)
    return response


@api_endpoint("users", {"GET": READ})
def who_am_i(request: HttpRequest, context: ApiContext) -> HttpResponse:
    return record_response(request, "User", context.user)


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
    return list_response(request, "User", queryset, USERS_MAXIMUM_LIMIT)


@api_endpoint("matters", {"GET": READ})
def matters(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = Matter.objects.select_related("client", "responsible_attorney__account")
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    statuses = _parse_statuses(request)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    for parameter, column in (("client_id", "client_id"), ("responsible_attorney_id", "responsible_attorney_id")):
        value = parse_int(request, parameter)
        if value is not None:
            queryset = queryset.filter(**{column: value})
    query = request.GET.get("query")
    if query:
        queryset = queryset.filter(Q(display_number__icontains=query) | Q(description__icontains=query))
    return list_response(request, "Matter", queryset)


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
    return list_response(request, "Contact", queryset)


@api_endpoint("activities", {"GET": READ})
def activity_descriptions(request: HttpRequest, context: ApiContext) -> HttpResponse:
    queryset = filter_ids(request, filter_created_updated(request, ActivityDescription.objects.all()))
    return list_response(request, "ActivityDescription", queryset)


ACTIVITY_RELATED = ("matter__client", "matter__responsible_attorney", "user__account", "activity_description")


@api_endpoint("activities", {"GET": READ, "POST": READ_WRITE})
def activity_collection(request: HttpRequest, context: ApiContext) -> HttpResponse:
    if request.method == "POST":
        requested_fields(request, "Activity")
        activity = activities.create_activity(activities.parse_body(request), context.user)
        return record_response(request, "Activity", activity, status=201)

    return list_response(request, "Activity", _filtered_activities(request))


def _filtered_activities(request: HttpRequest) -> QuerySet:
    queryset = Activity.objects.select_related(*ACTIVITY_RELATED)
    queryset = filter_ids(request, filter_created_updated(request, queryset))
    for parameter in ("user_id", "matter_id", "activity_description_id"):
        if request.GET.get(parameter) == "null":
            queryset = queryset.filter(**{parameter: None})
            continue
        value = parse_int(request, parameter)
        if value is not None:
            queryset = queryset.filter(**{parameter: value})

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
    return queryset


@api_endpoint("activities", {"GET": READ, "PATCH": READ_WRITE, "DELETE": READ_WRITE})
def activity_detail(request: HttpRequest, context: ApiContext, activity_id: str) -> HttpResponse:
    activity = Activity.objects.select_related(*ACTIVITY_RELATED).filter(pk=int(activity_id)).first()
    if activity is None:
        raise ApiError(404, "RecordNotFound", f"Activity {activity_id} not found; check the id.")

    if request.method == "DELETE":
        activity.delete()
        logger.info("Deleted activity %s", activity_id)
        return json_response(204, None)

    if request.method == "PATCH":
        requested_fields(request, "Activity")
        _check_if_match(request, activity)
        activity = activities.update_activity(activity, activities.parse_body(request), context.user)
        return record_response(request, "Activity", activity)

    if request.headers.get("If-None-Match") == fields.etag(activity):
        response = json_response(304, None)
        response["ETag"] = fields.etag(activity)
        return response
    return record_response(request, "Activity", activity)


def _check_if_match(request: HttpRequest, activity: Activity) -> None:
    expected = request.headers.get("If-Match")
    if expected and expected != fields.etag(activity):
        raise ApiError(412, "PreconditionFailed", "If-Match does not match the activity's current etag; fetch it again.")
