"""The sandbox's control API under /_sandbox/: data changes, faults on demand and request counts.

It takes no OAuth token. When the setting MIRA_SANDBOX_CONTROL_KEY is set, every request must send
that key in the X-Sandbox-Control-Key header (or, from the HTML page, a control_key form field).
"""

import datetime
import functools
import json
import logging
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mira.sandbox import datachanges
from mira.sandbox.control import parse_probabilities
from mira.sandbox.faults import STORE, FaultRuleError
from mira.sandbox.fields import etag
from mira.sandbox.stats import STATS

logger = logging.getLogger(__name__)

KEY_HEADER = "X-Sandbox-Control-Key"
# Never returned: the control API shows records as Clio data, not as stored secrets.
HIDDEN_FIELDS = {"password_hash"}


def json_response(status: int, payload: Any) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, default=_json_value).encode()
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def error_response(status: int, message: str) -> HttpResponse:
    return json_response(status, {"error": {"status": status, "message": message}})


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return serialize(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def serialize(record: Model) -> dict[str, Any]:
    """Return a record's stored fields and its etag as JSON-ready values."""
    data = {
        field.attname: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.attname not in HIDDEN_FIELDS
    }
    # Activity's on_bill and billed are properties derived from its bill, not stored columns.
    for name in ("on_bill", "billed"):
        if isinstance(getattr(type(record), name, None), property):
            data[name] = getattr(record, name)
    data["etag"] = etag(record)
    data["type_name"] = type(record).__name__
    return data


def configured_key() -> str | None:
    return getattr(settings, "MIRA_SANDBOX_CONTROL_KEY", None) or None


def _key_problem(request: HttpRequest) -> str | None:
    expected = configured_key()
    if expected is None:
        return None
    sent = request.headers.get(KEY_HEADER)
    if not sent and request.method == "POST" and not _is_json(request):
        sent = request.POST.get("control_key")
    if not sent:
        return f"The control API needs a key: send it in the {KEY_HEADER} header."
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        return f"The {KEY_HEADER} header does not match the sandbox's control key; check MIRA_SANDBOX_CONTROL_KEY."
    return None


def _is_json(request: HttpRequest) -> bool:
    return request.content_type.startswith("application/json")


def request_data(request: HttpRequest) -> dict[str, Any]:
    """Return the request's JSON object body, or its form fields (from the HTML page) without empty ones."""
    if _is_json(request):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise datachanges.DataChangeError("The request body is not valid JSON; send a JSON object.") from None
        if not isinstance(body, dict):
            raise datachanges.DataChangeError(f"The request body must be a JSON object, not {type(body).__name__}.")
        return body
    return {key: value for key, value in request.POST.items() if value != "" and key != "control_key"}


def control_endpoint(methods: tuple[str, ...]) -> Callable:
    """Wrap a control view: check the method and the control key, and turn input errors into 400 JSON."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return error_response(405, f"{request.method} is not allowed on {request.path}; use {', '.join(methods)}.")
            problem = _key_problem(request)
            if problem:
                logger.warning("Control API %s %s rejected: missing or wrong control key", request.method, request.path)
                return error_response(403, problem)
            try:
                return view(request, *args, **kwargs)
            except (datachanges.DataChangeError, FaultRuleError) as error:
                status = getattr(error, "status", 400)
                logger.info("Control API %s %s -> %s: %s", request.method, request.path, status, error)
                return error_response(status, str(error))

        return wrapper

    return decorator


# -- Page --------------------------------------------------------------------------------------


def control_page(request: HttpRequest) -> HttpResponse:
    """Render the /_sandbox/ page: every action with a small form, for a person running a demo."""
    if request.method != "GET":
        return error_response(405, f"{request.method} is not allowed on {request.path}; use GET.")
    context = {"key_required": configured_key() is not None, "faults": STORE.list(), "stats": STATS.snapshot()}
    return render(request, "sandbox/control.html", context)


# -- Matters -----------------------------------------------------------------------------------


LIST_LIMIT = 50


def _listing(queryset, request: HttpRequest) -> HttpResponse:
    """Return up to LIST_LIMIT records as JSON, newest id last, with the total that matched."""
    records = [serialize(record) for record in queryset.order_by("id")[:LIST_LIMIT]]
    return json_response(200, {"data": records, "total": queryset.count(), "limit": LIST_LIMIT})


@control_endpoint(("GET", "POST"))
def matter_create(request: HttpRequest) -> HttpResponse:
    """GET lists matters (filters `query` on number or description, `status`); POST creates one."""
    if request.method == "GET":
        return _listing(datachanges.find_matters(request.GET.get("query", ""), request.GET.get("status", "")), request)
    return json_response(201, {"data": serialize(datachanges.create_matter(request_data(request)))})


MATTER_STATUS_ACTIONS = {"close": "Closed", "reopen": "Open", "pend": "Pending"}


@control_endpoint(("POST",))
def matter_action(request: HttpRequest, matter_id: int, action: str) -> HttpResponse:
    data = request_data(request)
    if action == "edit":
        matter = datachanges.edit_matter(matter_id, data)
    elif action == "renumber":
        matter = datachanges.renumber_matter(matter_id, data)
    elif action == "delete":
        datachanges.reject_unknown(data, set())
        deleted = datachanges.delete_matter(matter_id)
        return json_response(200, {"data": serialize(deleted["matter"]), "deleted": True,
                                   "deleted_activity_ids": deleted["deleted_activity_ids"]})
    else:
        datachanges.reject_unknown(data, set())
        matter = datachanges.set_matter_status(matter_id, MATTER_STATUS_ACTIONS[action])
    return json_response(200, {"data": serialize(matter)})


# -- Users -------------------------------------------------------------------------------------


@control_endpoint(("GET", "POST"))
def user_add(request: HttpRequest) -> HttpResponse:
    """GET lists users (filter `query` on name or email); POST adds one."""
    if request.method == "GET":
        return _listing(datachanges.find_users(request.GET.get("query", "")), request)
    data = request_data(request)
    if isinstance(data.get("roles"), str):
        data["roles"] = [role.strip() for role in data["roles"].split(",") if role.strip()]
    return json_response(201, {"data": serialize(datachanges.add_user(data))})


@control_endpoint(("POST",))
def user_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    datachanges.reject_unknown(request_data(request), set())
    user = datachanges.set_user_enabled(user_id, enabled=(action == "enable"))
    return json_response(200, {"data": serialize(user)})


# -- Activities --------------------------------------------------------------------------------


@control_endpoint(("GET",))
def activities_list(request: HttpRequest) -> HttpResponse:
    """List activities, filtered by `matter_id` and `user_id`."""
    return _listing(datachanges.find_activities(request.GET.get("matter_id", ""), request.GET.get("user_id", "")), request)


@control_endpoint(("POST",))
def activities_bill(request: HttpRequest) -> HttpResponse:
    result = datachanges.bill_activities(request_data(request))
    bill = result["bill"]
    payload = {
        "data": [serialize(activity) for activity in result["activities"]],
        "bill": serialize(bill),
    }
    return json_response(200, payload)


@control_endpoint(("POST",))
def activity_action(request: HttpRequest, activity_id: int, action: str) -> HttpResponse:
    data = request_data(request)
    if action == "delete":
        datachanges.reject_unknown(data, set())
        return json_response(200, {"data": serialize(datachanges.delete_activity(activity_id)), "deleted": True})
    return json_response(200, {"data": serialize(datachanges.edit_activity(activity_id, data))})


# -- Faults and stats --------------------------------------------------------------------------


@control_endpoint(("GET", "POST", "DELETE"))
def faults(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return json_response(200, {"data": STORE.list()})
    if request.method == "DELETE":
        return json_response(200, {"cleared": STORE.clear()})

    spec = request_data(request)
    if not _is_json(request):
        spec = _form_fault_spec(spec)
    rule = STORE.add(spec)
    return json_response(201, {"data": rule.describe()})


def _form_fault_spec(form: dict[str, Any]) -> dict[str, Any]:
    # The HTML form sends every value as text: the script as "429,429,ok" and numbers as digits.
    spec: dict[str, Any] = {}
    for name, value in form.items():
        if name in ("burst", "delay_ms", "hold_ms", "retry_after", "truncate_at", "seed"):
            spec[name] = datachanges.parse_id(value, name)
        elif name == "random":
            try:
                spec[name] = parse_probabilities(value)
            except ValueError as error:
                raise FaultRuleError(str(error)) from None
        else:
            spec[name] = value
    return spec


@control_endpoint(("GET", "DELETE"))
def stats(request: HttpRequest) -> HttpResponse:
    if request.method == "DELETE":
        STATS.reset()
        return json_response(200, {"reset": True})
    return json_response(200, STATS.snapshot())
