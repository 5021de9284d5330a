"""Changes to the sandbox's Clio data as a Clio user would make them in Clio's own screens.

Every change moves the record's updated_at (and so its etag) forward and, when the webhooks module
is installed, reports the change to it. Invalid input raises DataChangeError naming the value.
"""

import datetime
import importlib
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from mira.sandbox.models import Account, Activity, Contact, Matter, SandboxUser
from mira.sandbox.seed import sandbox_password_hash

logger = logging.getLogger(__name__)

FIRST_MATTER_ID = 1_300_000_000
FIRST_USER_ID = 350_000_000
SUBSCRIPTION_TYPES = ("Attorney", "NonAttorney")
# A status change is an update of the matter and also Clio's status-specific webhook event.
STATUS_EVENTS = {"Open": "matter_opened", "Pending": "matter_pended", "Closed": "matter_closed"}
MAX_ID_ATTEMPTS = 5


class DataChangeError(ValueError):
    """Input that cannot be applied; `status` is the HTTP status the control API returns for it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _optional_module(name: str) -> Any:
    # Bills and webhooks are separate modules that may not be installed in this build of the sandbox.
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


def notify(model: str, record: Any, event: str) -> bool:
    """Tell the webhooks module that a record changed; return False when no webhooks module exists.

    model is the webhook model name ("matter", "activity"). For "deleted", call it before the row
    is deleted, because the webhooks module renders the payload from the record.
    """
    webhooks = _optional_module("mira.sandbox.webhooks")
    if webhooks is None or not hasattr(webhooks, "notify_record_changed"):
        return False
    webhooks.notify_record_changed(model, record, event)
    return True


def touch(record: Model) -> None:
    """Move updated_at forward, at least one microsecond, so the etag changes even for fast edits."""
    now = timezone.now()
    previous = record.updated_at
    if previous is not None and now <= previous:
        now = previous + datetime.timedelta(microseconds=1)
    record.updated_at = now


# -- Lookups and value checks -----------------------------------------------------------------


def get_record(model: type[Model], record_id: Any, label: str) -> Any:
    """Return the record with this id or raise a 404 DataChangeError naming it."""
    identifier = parse_id(record_id, f"{label} id")
    record = model.objects.filter(pk=identifier).first()
    if record is None:
        raise DataChangeError(f"{label} {identifier} not found; check the id (list them through the API).", status=404)
    return record


def parse_id(value: Any, label: str) -> int:
    if isinstance(value, bool):
        raise DataChangeError(f"{label} {value!r} is invalid; send a whole number.")
    try:
        return int(str(value).strip())
    except ValueError:
        raise DataChangeError(f"{label} {value!r} is invalid; send a whole number.") from None


def parse_text(value: Any, label: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataChangeError(f"{label} {value!r} is invalid; send non-empty text.")
    if len(value) > max_length:
        raise DataChangeError(f"{label} is {len(value)} characters long; send at most {max_length}.")
    return value.strip()


def parse_positive_int(value: Any, label: str) -> int:
    number = parse_id(value, label)
    if number < 1:
        raise DataChangeError(f"{label} {value!r} is invalid; send a whole number of 1 or more.")
    return number


def parse_decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DataChangeError(f"{label} {value!r} is invalid; send a number such as 250.00.") from None
    if isinstance(value, bool) or not number.is_finite() or number < 0:
        raise DataChangeError(f"{label} {value!r} is invalid; send a number of at least 0.")
    return number.quantize(Decimal("0.01"))


def parse_date(value: Any, label: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataChangeError(f"{label} {value!r} is invalid; send a date as YYYY-MM-DD.") from None


def reject_unknown(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DataChangeError(f"Field {unknown[0]!r} is not accepted here; send only {', '.join(sorted(allowed)) or 'no fields'}.")


def _save_with_new_id(record: Model, first_id: int) -> None:
    # Ids follow the highest stored id; retry if a concurrent create took the id first.
    model = type(record)
    for attempt in range(MAX_ID_ATTEMPTS):
        highest = model.objects.aggregate(highest=Max("id"))["highest"] or first_id
        record.id = max(highest, first_id) + 1
        try:
            with transaction.atomic():
                record.save(force_insert=True)
            return
        except IntegrityError:
            logger.info("%s id %s was taken by a concurrent create (attempt %s); retrying", model.__name__, record.id, attempt + 1)
    raise DataChangeError(f"Could not assign a {model.__name__} id after {MAX_ID_ATTEMPTS} attempts; retry the request.", status=409)


# -- Matters ----------------------------------------------------------------------------------


def create_matter(data: dict[str, Any]) -> Matter:
    """Create an Open matter for a client; number and display_number default to the next free number."""
    reject_unknown(data, {"client_id", "description", "responsible_attorney_id", "number", "display_number", "status"})
    if "client_id" not in data:
        raise DataChangeError("client_id is missing; send the id of the client contact.")
    client = get_record(Contact, data["client_id"], "Contact")
    description = parse_text(data.get("description", ""), "description", 300)

    number = parse_positive_int(data["number"], "number") if data.get("number") not in (None, "") else _next_matter_number()
    _check_number_free(number, exclude_id=None)
    short_name = client.name.split()[0].strip(",.&") if client.name.split() else "Matter"
    display_number = data.get("display_number") or f"{number:05d}-{short_name}"

    now = timezone.now()
    matter = Matter(
        number=number, display_number=parse_text(display_number, "display_number", 100), description=description,
        status="Open", client=client, responsible_attorney=_attorney(data.get("responsible_attorney_id")),
        open_date=now.date(), created_at=now, updated_at=now,
    )
    _apply_status(matter, data.get("status") or "Open")
    _save_with_new_id(matter, FIRST_MATTER_ID)
    logger.info("Created matter %s (%s) for contact %s", matter.pk, matter.display_number, client.pk)
    notify("matter", matter, "created")
    return matter


def _next_matter_number() -> int:
    return (Matter.objects.aggregate(highest=Max("number"))["highest"] or 0) + 1


def _check_number_free(number: int, exclude_id: int | None) -> None:
    taken = Matter.objects.filter(number=number).exclude(pk=exclude_id).values_list("pk", flat=True).first()
    if taken is not None:
        raise DataChangeError(f"number {number} is already used by matter {taken}; choose another number.", status=409)


def _attorney(value: Any) -> SandboxUser | None:
    if value in (None, ""):
        return None
    return get_record(SandboxUser, value, "User")


def edit_matter(matter_id: Any, data: dict[str, Any]) -> Matter:
    """Change a matter's description and/or client."""
    reject_unknown(data, {"description", "client_id"})
    if not data:
        raise DataChangeError("Nothing to change; send description and/or client_id.")
    matter = get_record(Matter, matter_id, "Matter")
    if "description" in data:
        matter.description = parse_text(data["description"], "description", 300)
    if "client_id" in data:
        matter.client = get_record(Contact, data["client_id"], "Contact")
    return _save_matter(matter, "Edited", "updated")


def renumber_matter(matter_id: Any, data: dict[str, Any]) -> Matter:
    """Change a matter's number and/or display_number, as a firm does when it renumbers its files."""
    reject_unknown(data, {"number", "display_number"})
    if not data:
        raise DataChangeError("Nothing to change; send number and/or display_number.")
    matter = get_record(Matter, matter_id, "Matter")
    if "number" in data:
        matter.number = parse_positive_int(data["number"], "number")
        _check_number_free(matter.number, exclude_id=matter.pk)
    if "display_number" in data:
        matter.display_number = parse_text(data["display_number"], "display_number", 100)
    return _save_matter(matter, "Renumbered", "updated")


def set_matter_status(matter_id: Any, status: str) -> Matter:
    """Move a matter to Open, Pending or Closed, setting the date Clio sets for that status."""
    matter = get_record(Matter, matter_id, "Matter")
    _apply_status(matter, status)
    return _save_matter(matter, f"Set status {status} on", "updated", STATUS_EVENTS[status])


def _apply_status(matter: Matter, status: str) -> None:
    today = timezone.localdate()
    if status not in ("Open", "Pending", "Closed"):
        raise DataChangeError(f"status {status!r} is invalid; use Open, Pending or Closed.")
    matter.status = status
    if status == "Open":
        matter.open_date = matter.open_date or today
        matter.close_date = None
    elif status == "Pending":
        matter.pending_date = today
        matter.close_date = None
    else:
        matter.close_date = today


def _save_matter(matter: Matter, verb: str, *events: str) -> Matter:
    touch(matter)
    matter.save()
    logger.info("%s matter %s", verb, matter.pk)
    for event in events:
        notify("matter", matter, event)
    return matter


def delete_matter(matter_id: Any) -> dict[str, Any]:
    """Delete a matter and its activities, as deleting a matter in Clio removes its time entries.

    A matter with bills cannot be deleted, because its bills would lose their matter.
    """
    matter = get_record(Matter, matter_id, "Matter")
    if hasattr(matter, "bills") and matter.bills.exists():
        raise DataChangeError(f"Matter {matter.pk} has bills; Clio keeps billed matters, so close it instead.", status=409)

    activities = list(Activity.objects.filter(matter=matter))
    for activity in activities:
        notify("activity", activity, "deleted")
    notify("matter", matter, "deleted")
    snapshot = _copy(matter)
    with transaction.atomic():
        Activity.objects.filter(matter=matter).delete()
        matter.delete()
    logger.info("Deleted matter %s with %s activities", snapshot.pk, len(activities))
    return {"matter": snapshot, "deleted_activity_ids": [activity.id for activity in activities]}


def _copy(record: Model) -> Model:
    # An unsaved copy keeps the fields of a deleted row for the response.
    model = type(record)
    return model(**{field.attname: getattr(record, field.attname) for field in model._meta.concrete_fields})


# -- Users ------------------------------------------------------------------------------------


def add_user(data: dict[str, Any]) -> SandboxUser:
    """Add an enabled user to the firm; they sign in with the shared sandbox password."""
    reject_unknown(data, {"first_name", "last_name", "email", "subscription_type", "rate", "roles"})
    for name in ("first_name", "last_name", "email"):
        if name not in data:
            raise DataChangeError(f"{name} is missing; send first_name, last_name and email.")
    email = parse_text(data["email"], "email", 254).lower()
    if "@" not in email:
        raise DataChangeError(f"email {email!r} is invalid; send an address like jo.smith@harborvale.test.")
    if SandboxUser.objects.filter(email=email).exists():
        raise DataChangeError(f"email {email!r} is already used by another user; choose another address.", status=409)

    subscription_type = data.get("subscription_type") or "Attorney"
    if subscription_type not in SUBSCRIPTION_TYPES:
        raise DataChangeError(f"subscription_type {subscription_type!r} is invalid; use Attorney or NonAttorney.")
    roles = data.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise DataChangeError(f"roles {roles!r} is invalid; send a list of role names such as [\"admin\"].")

    account = Account.objects.order_by("id").first()
    if account is None:
        raise DataChangeError("The sandbox has no firm account yet; start it with `mira sandbox` so it seeds its data.", status=409)
    now = timezone.now()
    user = SandboxUser(
        account=account, first_name=parse_text(data["first_name"], "first_name", 100),
        last_name=parse_text(data["last_name"], "last_name", 100), email=email,
        password_hash=sandbox_password_hash(), roles=roles, subscription_type=subscription_type,
        rate=parse_decimal(data.get("rate", "250.00"), "rate"), created_at=now, updated_at=now,
    )
    _save_with_new_id(user, FIRST_USER_ID)
    # Clio has no webhook model for users, so user changes notify nothing.
    logger.info("Added user %s", user.pk)
    return user


def set_user_enabled(user_id: Any, enabled: bool) -> SandboxUser:
    """Disable or re-enable a user; a disabled user's tokens stop working, as in Clio."""
    user = get_record(SandboxUser, user_id, "User")
    if user.account_owner and not enabled:
        raise DataChangeError(f"User {user.pk} is the account owner, and Clio does not let the owner be disabled; pick another user.", status=409)
    user.enabled = enabled
    touch(user)
    user.save()
    logger.info("%s user %s", "Enabled" if enabled else "Disabled", user.pk)
    return user


# -- Activities -------------------------------------------------------------------------------


def bill_activities(data: dict[str, Any]) -> dict[str, Any]:
    """Put activities of one matter on a new draft bill through the bills module, which sends its webhooks."""
    reject_unknown(data, {"activity_ids"})
    raw_ids = data.get("activity_ids")
    if isinstance(raw_ids, str):
        raw_ids = [item for item in raw_ids.replace(",", " ").split() if item]
    if not isinstance(raw_ids, list) or not raw_ids:
        raise DataChangeError(f"activity_ids {data.get('activity_ids')!r} is invalid; send a non-empty list of activity ids.")
    ids = [parse_id(value, "activity id") for value in raw_ids]

    bills = _optional_module("mira.sandbox.bills")
    if bills is None:
        raise DataChangeError("This sandbox build has no bills module, so activities cannot be billed.", status=501)
    try:
        bill = bills.put_activities_on_bill(ids)
    except bills.BillingError as error:
        raise DataChangeError(str(error)) from None
    activities = list(Activity.objects.select_related("bill").filter(id__in=ids).order_by("id"))
    return {"activities": activities, "bill": bill}


def edit_activity(activity_id: Any, data: dict[str, Any]) -> Activity:
    """Edit a time entry inside Clio: its note, duration (seconds), date or price; the total follows."""
    reject_unknown(data, {"note", "quantity", "date", "price"})
    if not data:
        raise DataChangeError("Nothing to change; send note, quantity (seconds), date and/or price.")
    activity = get_record(Activity, activity_id, "Activity")
    if "note" in data:
        if not isinstance(data["note"], str):
            raise DataChangeError(f"note {data['note']!r} is invalid; send text.")
        activity.note = data["note"]
    if "quantity" in data:
        activity.quantity = parse_positive_int(data["quantity"], "quantity")
    if "date" in data:
        activity.date = parse_date(data["date"], "date")
    if "price" in data:
        activity.price = parse_decimal(data["price"], "price")
    activity.total = (activity.price * Decimal(activity.quantity) / 3600).quantize(Decimal("0.01"))
    touch(activity)
    activity.save()
    logger.info("Edited activity %s", activity.pk)
    notify("activity", activity, "updated")
    return activity


def delete_activity(activity_id: Any) -> Activity:
    """Delete a time entry inside Clio and return what it was."""
    activity = get_record(Activity, activity_id, "Activity")
    notify("activity", activity, "deleted")
    snapshot = _copy(activity)
    activity.delete()
    logger.info("Deleted activity %s", snapshot.pk)
    return snapshot


# -- Finding records -----------------------------------------------------------------------------
# A person scripting a change needs a record's id; these back the control API's GET listings.

MATTER_STATUSES = {"open": "Open", "pending": "Pending", "closed": "Closed"}


def find_matters(query: str, status: str):
    matters = Matter.objects.select_related("client")
    query = query.strip()
    if query:
        matters = matters.filter(Q(display_number__icontains=query) | Q(description__icontains=query))
    if status:
        if status.strip().lower() not in MATTER_STATUSES:
            raise DataChangeError(f"status {status!r} is invalid; use open, pending or closed.")
        matters = matters.filter(status=MATTER_STATUSES[status.strip().lower()])
    return matters


def find_users(query: str):
    users = SandboxUser.objects.all()
    query = query.strip()
    if query:
        users = users.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
        )
    return users


def find_activities(matter_id: str, user_id: str):
    activities = Activity.objects.all()
    if matter_id:
        activities = activities.filter(matter_id=parse_id(matter_id, "matter_id"))
    if user_id:
        activities = activities.filter(user_id=parse_id(user_id, "user_id"))
    return activities
