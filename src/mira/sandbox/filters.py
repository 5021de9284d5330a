"""Query-parameter parsing shared by the API endpoints; bad values raise a 400 ApiError naming them."""

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest

from mira.sandbox.api import ApiError


def parse_int(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "ArgumentError", f"{name} {raw!r} is invalid; send a whole number.") from None


def parse_bool(request: HttpRequest, name: str) -> bool | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ApiError(400, "ArgumentError", f"{name} {raw!r} is invalid; send true or false.")


def parse_date(request: HttpRequest, name: str) -> datetime.date | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        raise ApiError(400, "ArgumentError", f"{name} {raw!r} is invalid; send an ISO-8601 date such as 2026-03-01.") from None


def parse_timestamp(request: HttpRequest, name: str) -> datetime.datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "ArgumentError", f"{name} {raw!r} is invalid; send an ISO-8601 timestamp such as 2026-03-01T09:00:00Z."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def filter_created_updated(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """Apply `created_since` and `updated_since` (records created or updated after the instant)."""
    created_since = parse_timestamp(request, "created_since")
    if created_since:
        queryset = queryset.filter(created_at__gt=created_since)
    updated_since = parse_timestamp(request, "updated_since")
    if updated_since:
        queryset = queryset.filter(updated_at__gt=updated_since)
    return queryset


def filter_ids(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """Apply `ids[]`, which may repeat."""
    raw_ids = request.GET.getlist("ids[]")
    if not raw_ids:
        return queryset
    try:
        ids = [int(value) for value in raw_ids]
    except ValueError:
        raise ApiError(400, "ArgumentError", f"ids[] {raw_ids!r} is invalid; send whole numbers.") from None
    return queryset.filter(id__in=ids)


def filter_reference(request: HttpRequest, queryset: QuerySet, parameter: str) -> QuerySet:
    """Apply an `<x>_id` filter; the keyword `null` matches records without that link."""
    if request.GET.get(parameter) == "null":
        return queryset.filter(**{parameter: None})
    value = parse_int(request, parameter)
    if value is None:
        return queryset
    return queryset.filter(**{parameter: value})
