"""Creating and updating TimeEntry activities from API request bodies; invalid input raises a 422 ApiError."""

import datetime
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from mira.sandbox.api import ApiError
from mira.sandbox.ids import save_with_new_id
from mira.sandbox.models import Activity, ActivityDescription, Matter, SandboxUser

logger = logging.getLogger(__name__)

# Fields of Clio's activity payload that the sandbox stores. Other keys are rejected, so a client
# bug shows up here instead of being silently dropped.
WRITABLE_FIELDS = {"type", "date", "quantity", "matter", "user", "note", "activity_description", "price"}
FIRST_ACTIVITY_ID = 2_300_000_000


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "RecordInvalid", f"{field}: {message}")


def parse_body(request: HttpRequest) -> dict[str, Any]:
    """Return the `data` object of a JSON body; raise 400 if the body is not JSON of that shape."""
    if not request.content_type.startswith("application/json"):
        raise ApiError(400, "ArgumentError", f"Content-Type {request.content_type!r} is not supported; send application/json.")
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise ApiError(400, "ArgumentError", "The request body is not valid JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ApiError(400, "ArgumentError", 'The request body must be a JSON object {"data": {...}}.')
    return body["data"]


def create_activity(data: dict[str, Any], token_user: SandboxUser, quantity_in_hours: bool = False) -> Activity:
    """Validate a create payload and store the new TimeEntry; quantity_in_hours reads `quantity` as hours."""
    _reject_unknown_fields(data)
    if "type" not in data:
        raise invalid("type", 'is missing; send "type": "TimeEntry".')
    if "date" not in data:
        raise invalid("date", 'is missing; send "date": "YYYY-MM-DD".')

    activity = Activity(type=_parse_type(data["type"]), user=token_user)
    _apply_changes(activity, data, quantity_in_hours)
    if activity.quantity is None:
        raise invalid("quantity", "is missing; send the duration as a positive number of seconds.")
    _recompute_total(activity, reprice="price" not in data)

    now = timezone.now()
    activity.created_at = now
    activity.updated_at = now
    save_with_new_id(activity, FIRST_ACTIVITY_ID)
    logger.info("Created activity %s on matter %s for user %s", activity.pk, activity.matter_id, activity.user_id)
    return activity


def update_activity(
    activity: Activity, data: dict[str, Any], token_user: SandboxUser, quantity_in_hours: bool = False
) -> Activity:
    """Apply a PATCH payload to an existing activity."""
    _reject_unknown_fields(data)
    if "type" in data:
        _parse_type(data["type"])

    _apply_changes(activity, data, quantity_in_hours)
    rate_inputs_changed = any(key in data for key in ("activity_description", "user", "matter"))
    _recompute_total(activity, reprice=rate_inputs_changed and "price" not in data)
    activity.updated_at = timezone.now()
    activity.save()
    logger.info("Updated activity %s", activity.pk)
    return activity


def check_not_on_bill(activity: Activity, action: str) -> None:
    """Raise a 422 ApiError if the activity is on a bill, which makes it read-only.

    NOTE: Clio does not document the status or message for editing or deleting a billed entry; the
    sandbox answers 422 RecordInvalid, and for DELETE the spec declares only 204 and 403.
    """
    if activity.on_bill:
        raise ApiError(
            422, "RecordInvalid",
            f"Activity {activity.id} is on bill {activity.bill_id} ({activity.bill.state}) and cannot be {action}; "
            "void or delete the bill first.",
        )


def _reject_unknown_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - WRITABLE_FIELDS)
    if unknown:
        raise invalid(unknown[0], f"is not supported by the Clio sandbox; send only {', '.join(sorted(WRITABLE_FIELDS))}.")


def _parse_type(value: Any) -> str:
    if value != "TimeEntry":
        raise invalid("type", f"{value!r} is not supported by the Clio sandbox; send \"TimeEntry\".")
    return value


def _apply_changes(activity: Activity, data: dict[str, Any], quantity_in_hours: bool) -> None:
    if "date" in data:
        activity.date = _parse_date(data["date"])
    if "quantity" in data:
        activity.quantity = _parse_quantity(data["quantity"], quantity_in_hours)
    if "note" in data:
        if not isinstance(data["note"], str):
            raise invalid("note", "must be a string.")
        activity.note = data["note"]
    if "matter" in data:
        activity.matter = _lookup(Matter, "matter", data["matter"])
    if "user" in data:
        activity.user = _lookup_user(data["user"])
    if "activity_description" in data:
        activity.activity_description = _lookup(ActivityDescription, "activity_description", data["activity_description"])
    if "price" in data:
        activity.price = _parse_price(data["price"])


def _parse_date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise invalid("date", f"{value!r} is not a date; send YYYY-MM-DD.") from None


def _parse_quantity(value: Any, in_hours: bool) -> int:
    unit = "hours" if in_hours else "seconds"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid("quantity", f"{value!r} is not a number; send {unit} as a number.")
    if value <= 0:
        raise invalid("quantity", f"{value!r} must be a positive number of {unit}.")
    return round(value * 3600) if in_hours else round(value)


def _parse_price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise invalid("price", f"{value!r} is not a number.") from None
    if isinstance(value, bool) or price < 0:
        raise invalid("price", f"{value!r} must be a number of at least 0.")
    return price


def _reference_id(field: str, value: Any) -> int:
    if not isinstance(value, dict) or "id" not in value:
        raise invalid(field, f'must be an object like {{"id": 123}}, not {value!r}.')
    reference = value["id"]
    if isinstance(reference, bool) or not isinstance(reference, int):
        raise invalid(field, f"id {reference!r} is not a whole number.")
    return reference


def _lookup(model: type, field: str, value: Any) -> Any:
    reference = _reference_id(field, value)
    record = model.objects.filter(pk=reference).first()
    if record is None:
        raise invalid(field, f"no {model.__name__} with id {reference}; check the id.")
    return record


def _lookup_user(value: Any) -> SandboxUser:
    user = _lookup(SandboxUser, "user", value)
    if not user.enabled:
        raise invalid("user", f"user {user.pk} is disabled; record the time for an enabled user.")
    return user


def _recompute_total(activity: Activity, reprice: bool) -> None:
    # A repriced entry takes the activity description's rate, else the user's default rate.
    if reprice:
        description = activity.activity_description
        activity.price = description.rate if description else activity.user.rate
    activity.total = (activity.price * Decimal(activity.quantity) / 3600).quantize(Decimal("0.01"))
