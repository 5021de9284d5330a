"""The `fields` query parameter and record rendering, as Clio API v4 does them.

`fields=id,name,matter{id,display_number}` selects top-level fields and, in braces, the fields of a
nested record. Only one level of braces is allowed. With no `fields`, a record shows `id` and `etag`.
Fields whose value is null are left out, because the OpenAPI spec declares no field as nullable.
"""

import dataclasses
import datetime
import functools
import hashlib
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

DEFAULT_FIELDS = ("id", "etag")


class FieldsError(ValueError):
    """A `fields` value that cannot be parsed or names a field the record does not have."""


@dataclasses.dataclass(frozen=True)
class FieldRequest:
    name: str
    nested: tuple["FieldRequest", ...] | None = None


@dataclasses.dataclass(frozen=True)
class Resource:
    """Rendering rules of one record type: plain fields by getter, and relations to other resources."""

    name: str
    scalars: dict[str, Callable[[Any], Any]]
    # A relation's getter returns one record, a list of records, or None.
    relations: dict[str, tuple[str, Callable[[Any], Any]]] = dataclasses.field(default_factory=dict)
    # Durations stored in seconds that API versions before 4.0.4 send in hours.
    seconds_fields: frozenset[str] = frozenset()
    # Model fields a scalar's getter reads, as Django lookups ("bill__state" follows a relation), for
    # scalars that read anything besides the model field of their own name. Listings load only these
    # columns, so a getter that reads an unlisted field costs one query per record.
    columns: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # The model's relation behind each relation whose name differs, or None for the record itself.
    relation_fields: dict[str, str | None] = dataclasses.field(default_factory=dict)


def parse_fields(value: str | None) -> tuple[FieldRequest, ...]:
    """Parse a `fields` parameter into field requests; raise FieldsError on bad syntax or nesting."""
    if not value:
        return tuple(FieldRequest(name) for name in DEFAULT_FIELDS)

    requests, position = _parse_list(value, 0, depth=0)
    if position != len(value):
        raise FieldsError(f"Invalid fields parameter {value!r}: unexpected '}}' at position {position}.")
    return requests


def _parse_list(text: str, position: int, depth: int) -> tuple[tuple[FieldRequest, ...], int]:
    requests = []
    name = ""
    while position < len(text):
        char = text[position]
        if char == "{":
            if depth >= 1:
                raise FieldsError(
                    f"Invalid fields parameter: {name!r} is nested more than one level deep; "
                    "name fields of nested records only one level down."
                )
            if not name.strip():
                raise FieldsError("Invalid fields parameter: '{' must follow a field name.")
            nested, position = _parse_list(text, position + 1, depth + 1)
            if position >= len(text) or text[position] != "}":
                raise FieldsError(f"Invalid fields parameter: missing '}}' after the fields of {name.strip()!r}.")
            requests.append(FieldRequest(name.strip(), nested))
            name = ""
            position += 1
            continue
        if char == "}":
            break
        if char == ",":
            if name.strip():
                requests.append(FieldRequest(name.strip()))
            name = ""
        else:
            name += char
        position += 1
    if name.strip():
        requests.append(FieldRequest(name.strip()))
    return tuple(requests), position


def validate_fields(resource_name: str, requests: tuple[FieldRequest, ...]) -> None:
    """Raise FieldsError naming the first field the resource (or a nested resource) does not have."""
    resource = RESOURCES[resource_name]
    for request in requests:
        if request.name in resource.scalars:
            if request.nested is not None:
                raise FieldsError(f"Field {request.name!r} of {resource.name} is not a record; remove its braces.")
            continue
        if request.name not in resource.relations:
            raise FieldsError(f"Unknown field {request.name!r} for {resource.name}; check the spelling.")
        if request.nested is not None:
            nested_name = resource.relations[request.name][0]
            _validate_nested(nested_name, request)


def _validate_nested(resource_name: str, parent: FieldRequest) -> None:
    resource = RESOURCES[resource_name]
    for request in parent.nested or ():
        if request.name not in resource.scalars and request.name not in resource.relations:
            raise FieldsError(
                f"Unknown field {request.name!r} for {resource.name} (in {parent.name}); check the spelling."
            )


def render(
    resource_name: str, record: Any, requests: tuple[FieldRequest, ...], quantity_in_hours: bool = False
) -> dict[str, Any]:
    """Render one record with the requested fields, leaving out null values.

    With quantity_in_hours (API versions before 4.0.4), duration fields are sent in hours instead of seconds.
    """
    return compile_renderer(resource_name, requests, quantity_in_hours)(record)


def nested_requests(request: FieldRequest) -> tuple[FieldRequest, ...]:
    """Return the fields rendered for a relation: its requested ones (default id and etag), without braces.

    Inside a nested record, relations render with their default fields only.
    """
    requested = request.nested or tuple(FieldRequest(name) for name in DEFAULT_FIELDS)
    return tuple(FieldRequest(item.name) for item in requested)


# Listings render every record of a page with the same fields, so the per-field lookups are done once.
@functools.lru_cache(maxsize=256)
def compile_renderer(
    resource_name: str, requests: tuple[FieldRequest, ...], quantity_in_hours: bool = False
) -> Callable[[Any], dict[str, Any]]:
    """Return a function that renders one record of the resource as render() does."""
    resource = RESOURCES[resource_name]
    steps = [
        (request.name, *_field_steps(resource, request, quantity_in_hours))
        for request in requests
        # Only default fields can be missing (requested ones are validated first): a rate has no id or etag.
        if request.name in resource.scalars or request.name in resource.relations
    ]

    def render_record(record: Any) -> dict[str, Any]:
        output: dict[str, Any] = {}
        for name, getter, convert in steps:
            value = getter(record)
            if value is None:
                continue
            output[name] = value if type(value) in _JSON_NATIVE_TYPES else convert(value)
        return output

    return render_record


def _field_steps(
    resource: Resource, request: FieldRequest, quantity_in_hours: bool
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Return the field's getter and the function that converts the getter's non-null values for JSON."""
    if request.name in resource.scalars:
        getter = resource.scalars[request.name]
        if quantity_in_hours and request.name in resource.seconds_fields:
            return (lambda record: _hours_or_none(getter(record))), _to_json
        return getter, _to_json

    nested_name, getter = resource.relations[request.name]
    render_nested = compile_renderer(nested_name, nested_requests(request), quantity_in_hours)

    def render_related(related: Any) -> Any:
        if isinstance(related, list):
            return [render_nested(item) for item in related]
        return render_nested(related)

    return getter, render_related


def _hours_or_none(seconds: int | None) -> float | None:
    return None if seconds is None else _hours(seconds)


# Types that json.dumps() writes as they are, so rendering skips their conversion.
_JSON_NATIVE_TYPES = frozenset({str, int, bool, float})


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def etag(record: Any) -> str:
    """Return a quoted ETag that changes whenever the record's updated_at changes."""
    stamp = f"{type(record).__name__}:{record.pk}:{record.updated_at.isoformat()}"
    return '"' + hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest() + '"'


def same_named(*names: str) -> dict[str, Callable[[Any], Any]]:
    """Return getters for fields whose value is the model attribute of the same name."""
    return {name: operator.attrgetter(name) for name in names}


def _initials(*names: str) -> str:
    return "".join(name[:1] for name in names if name)


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 4)


ACCOUNT = Resource(
    name="Account",
    scalars={
        "id": lambda account: account.id,
        "etag": etag,
        **same_named("name", "created_at", "updated_at"),
    },
)

USER = Resource(
    name="User",
    scalars={
        "id": lambda user: user.id,
        "etag": etag,
        **same_named("name", "first_name", "last_name"),
        "initials": lambda user: _initials(user.first_name, user.last_name),
        **same_named("email", "enabled"),
        "roles": lambda user: list(user.roles),
        **same_named("rate", "subscription_type", "time_zone", "account_owner"),
        "clio_connect": lambda user: False,
        **same_named("created_at", "updated_at"),
    },
    relations={"account": ("Account", lambda user: user.account)},
    columns={
        "name": ("first_name", "last_name"),
        "initials": ("first_name", "last_name"),
    },
)

# Contact.name reads the type to choose between the company name and the person's names.
CONTACT_NAME_COLUMNS = ("type", "company_name", "first_name", "last_name")

CONTACT = Resource(
    name="Contact",
    scalars={
        "id": lambda contact: contact.id,
        "etag": etag,
        "name": lambda contact: contact.name,
        "first_name": lambda contact: contact.first_name or None,
        "last_name": lambda contact: contact.last_name or None,
        "initials": lambda contact: _initials(*contact.name.split()),
        **same_named("type", "is_client"),
        "primary_email_address": lambda contact: contact.primary_email_address or None,
        **same_named("created_at", "updated_at"),
    },
    columns={
        "name": CONTACT_NAME_COLUMNS,
        "initials": CONTACT_NAME_COLUMNS,
    },
)

MATTER = Resource(
    name="Matter",
    scalars={
        "id": lambda matter: matter.id,
        "etag": etag,
        **same_named("number", "display_number", "description", "status", "client_id", "billable"),
        "billing_method": lambda matter: "hourly",
        **same_named("open_date", "pending_date", "close_date", "created_at", "updated_at"),
    },
    relations={
        "client": ("Contact", lambda matter: matter.client),
        "responsible_attorney": ("User", lambda matter: matter.responsible_attorney),
    },
)

ACTIVITY_DESCRIPTION_RATE = Resource(
    name="ActivityDescriptionRate",
    scalars={
        "amount": lambda description: description.rate,
        "type": lambda description: "Custom",
        "hierarchy": lambda description: "Activity",
    },
    columns={"amount": ("rate",)},
)

ACTIVITY_DESCRIPTION = Resource(
    name="ActivityDescription",
    scalars={
        "id": lambda description: description.id,
        "etag": etag,
        **same_named("name", "default"),
        "type": lambda description: "clio",
        "accessible_to_user": lambda description: True,
        **same_named("created_at", "updated_at"),
    },
    relations={"rate": ("ActivityDescriptionRate", lambda description: description)},
    relation_fields={"rate": None},
)

ACTIVITY = Resource(
    name="Activity",
    scalars={
        "id": lambda activity: activity.id,
        "etag": etag,
        **same_named("type", "date", "quantity"),
        "quantity_in_hours": lambda activity: _hours(activity.quantity),
        "rounded_quantity": lambda activity: activity.quantity,
        "rounded_quantity_in_hours": lambda activity: _hours(activity.quantity),
        "quantity_redacted": lambda activity: False,
        **same_named("price", "total", "note", "billed", "on_bill"),
        "non_billable": lambda activity: False,
        "no_charge": lambda activity: False,
        "flat_rate": lambda activity: False,
        **same_named("created_at", "updated_at"),
    },
    relations={
        "matter": ("Matter", lambda activity: activity.matter),
        "user": ("User", lambda activity: activity.user),
        "activity_description": ("ActivityDescription", lambda activity: activity.activity_description),
        "bill": ("Bill", lambda activity: activity.bill),
    },
    seconds_fields=frozenset({"quantity", "rounded_quantity"}),
    columns={
        "quantity_in_hours": ("quantity",),
        "rounded_quantity": ("quantity",),
        "rounded_quantity_in_hours": ("quantity",),
        "billed": ("bill__state",),
        "on_bill": ("bill__state",),
    },
)

# NOTE: the sandbox's approximation of Clio's bill workflow; Clio documents the states, not every transition.
BILL_STATE_TRANSITIONS = {
    "draft": ["awaiting_approval", "awaiting_payment", "deleted"],
    "awaiting_approval": ["awaiting_payment", "deleted"],
    "awaiting_payment": ["paid", "void"],
    "paid": [],
    "void": [],
    "deleted": [],
}

BILL = Resource(
    name="Bill",
    scalars={
        "id": lambda bill: bill.id,
        "etag": etag,
        **same_named("number", "state", "type", "kind"),
        "subject": lambda bill: bill.subject or None,
        "memo": lambda bill: bill.memo or None,
        **same_named("issued_at", "due_at", "start_at", "end_at", "sub_total"),
        "services_sub_total": lambda bill: bill.sub_total,
        "tax_rate": lambda bill: 0.0,
        "secondary_tax_rate": lambda bill: 0.0,
        "tax_sum": lambda bill: 0.0,
        "secondary_tax_sum": lambda bill: 0.0,
        "total_tax": lambda bill: 0.0,
        **same_named("total", "paid", "paid_at"),
        "pending": lambda bill: 0.0,
        "due": lambda bill: bill.balance,
        "balance": lambda bill: bill.balance,
        "credits_issued": lambda bill: 0.0,
        "shared": lambda bill: False,
        "can_update": lambda bill: bill.state in ("draft", "awaiting_approval"),
        "available_state_transitions": lambda bill: list(BILL_STATE_TRANSITIONS[bill.state]),
        **same_named("last_sent_at", "created_at", "updated_at"),
    },
    relations={
        "matters": ("Matter", lambda bill: [bill.matter]),
        "client": ("Contact", lambda bill: bill.client),
        "user": ("User", lambda bill: bill.user),
    },
    columns={
        "services_sub_total": ("sub_total",),
        "due": ("balance",),
    },
    relation_fields={"matters": "matter"},
)

BILLING_SETTING = Resource(
    name="BillingSetting",
    scalars={
        "id": lambda setting: setting.id,
        "etag": etag,
        # Filled in by the endpoint from the `duration` parameter; a record alone has no value.
        "rounded_duration": lambda setting: getattr(setting, "rounded_duration", None),
        **same_named(
            "rounding", "use_decimal_rounding", "currency", "currency_sign", "tax_rate", "tax_name",
            "apply_tax_by_default", "use_secondary_tax", "secondary_tax_rate", "secondary_tax_rule",
            "secondary_tax_name",
        ),
        "time_on_flat_rate_contingency_matters_is_non_billable": (
            lambda setting: setting.time_on_flat_rate_contingency_matters_is_non_billable
        ),
        **same_named("notify_after_bill_created", "use_utbms_codes", "created_at", "updated_at"),
    },
)

WEBHOOK = Resource(
    name="Webhook",
    scalars={
        "id": lambda webhook: webhook.id,
        "etag": etag,
        **same_named("url", "fields", "shared_secret", "model", "status"),
        "events": lambda webhook: list(webhook.events),
        **same_named("expires_at", "created_at", "updated_at"),
    },
    relations={"user": ("User", lambda webhook: webhook.user)},
)

RESOURCES = {
    resource.name: resource
    for resource in (
        ACCOUNT, USER, CONTACT, MATTER, ACTIVITY_DESCRIPTION_RATE, ACTIVITY_DESCRIPTION, ACTIVITY,
        BILL, BILLING_SETTING, WEBHOOK,
    )
}

