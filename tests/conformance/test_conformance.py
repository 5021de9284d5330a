"""Conformance of every API operation the sandbox serves with Clio's official OpenAPI spec.

Each request goes over real HTTP, and tests.sandbox.helpers.Api validates the request body and the
response (status, content type, body) against tests/clio_spec/openapi.json. Tests mark the operation
they exercise with @covers, and test_every_operation_has_a_conformance_test fails when an operation
registered in mira.sandbox.urls has none.
"""

import json
from collections.abc import Callable

import pytest

from mira.sandbox import urls, webhook_delivery
from mira.sandbox.bills import put_activities_on_bill
from mira.sandbox.models import Activity, ActivityDescription, Matter, SandboxUser
from tests.sandbox.helpers import ALL_PERMISSIONS, Api, connect
from tests.sandbox.subscriber import running_subscriber

SPEC_PATH = "tests/clio_spec/openapi.json"
COVERED: set[tuple[str, str]] = set()


def covers(method: str, spec_path: str) -> Callable:
    """Mark a test as exercising one spec operation, such as ("GET", "/bills.json")."""

    def mark(test: Callable) -> Callable:
        COVERED.add((method, spec_path))
        return test

    return mark


def concrete_path(spec_path: str, record_id: int = 1) -> str:
    return spec_path.replace("{id}", str(record_id))


def declared_statuses(method: str, spec_path: str) -> set[str]:
    with open(SPEC_PATH) as spec_file:
        operation = json.load(spec_file)["paths"][spec_path][method.lower()]
    return set(operation["responses"])


@pytest.fixture
def connection(sandbox):
    return connect(sandbox.base_url)


@pytest.fixture
def api(sandbox, connection):
    client = Api(sandbox.base_url, connection.access_token)
    yield client
    client.close()


@pytest.fixture
def subscriber():
    with running_subscriber() as server:
        yield server
    webhook_delivery.queue.clear()
    webhook_delivery.queue.wait_until_idle(10)


def without(permission: str) -> dict:
    return {key: level for key, level in ALL_PERMISSIONS.items() if key != permission}


def time_entry(**overrides) -> dict:
    matter = Matter.objects.filter(status="Open").order_by("id").first()
    user = SandboxUser.objects.get(email="amelia.ortiz@harborvale.test")
    description = ActivityDescription.objects.order_by("id").first()
    data = {
        "type": "TimeEntry", "date": "2026-12-01", "quantity": 3600, "matter": {"id": matter.id},
        "user": {"id": user.id}, "note": "Conformance entry", "activity_description": {"id": description.id},
    }
    data.update(overrides)
    return {"data": data}


# --- Registry ----------------------------------------------------------------------------------------


def test_every_operation_has_a_conformance_test():
    missing = [operation for operation in urls.spec_operations() if operation not in COVERED]
    assert missing == [], f"operations without a conformance test: {missing}"


def test_registered_operations_exist_in_spec():
    for method, spec_path in urls.spec_operations():
        assert declared_statuses(method, spec_path), f"{method} {spec_path} declares no responses"


def test_registry_lists_bills_and_webhooks():
    operations = set(urls.spec_operations())
    assert ("GET", "/bills/{id}.json") in operations
    assert ("DELETE", "/webhooks/{id}.json") in operations
    assert len(operations) == 18


# --- Errors every operation shares ---------------------------------------------------------------------


@pytest.mark.parametrize("method, spec_path", urls.spec_operations())
def test_missing_token_is_401(sandbox, method, spec_path):
    response = Api(sandbox.base_url, None).request(method, concrete_path(spec_path), allow_undeclared_error=True)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_token"


@pytest.mark.parametrize("method, spec_path", urls.spec_operations())
def test_unsupported_version_is_410(sandbox, connection, method, spec_path):
    client = Api(sandbox.base_url, connection.access_token, version="4.0.99")
    response = client.request(method, concrete_path(spec_path))
    assert response.status_code == 410
    assert "4.0.99" in response.json()["error"]["message"]


@pytest.mark.parametrize("method, spec_path", urls.spec_operations())
def test_rate_limit_is_429(sandbox, connection, settings, method, spec_path):
    settings.MIRA_SANDBOX_RATE_LIMIT = 0
    response = Api(sandbox.base_url, connection.access_token).request(
        method, concrete_path(spec_path), allow_undeclared_error=True
    )
    assert response.status_code == 429
    assert "retry-after" in response.headers


# --- Users -------------------------------------------------------------------------------------------


@covers("GET", "/users/who_am_i.json")
def test_who_am_i(sandbox, api):
    ok = api.get("/users/who_am_i.json", fields="id,etag,name,email,roles,account{id,name}")
    assert ok.status_code == 200
    assert api.request("GET", "/users/who_am_i.json", headers={"If-None-Match": ok.headers["etag"]}).status_code == 304
    assert api.get("/users/who_am_i.json", fields="id,colour").status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("users")).access_token)
    assert restricted.get("/users/who_am_i.json").status_code == 403


@covers("GET", "/users.json")
def test_users(sandbox, api):
    fields = "id,etag,name,first_name,last_name,initials,email,enabled,roles,rate,subscription_type,time_zone,account_owner,clio_connect,created_at,updated_at"
    assert api.get("/users.json", fields=fields, order="name(asc)", enabled="true").status_code == 200
    assert api.get("/users.json", limit=2001).status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("users")).access_token)
    assert restricted.get("/users.json").status_code == 403


# --- Matters, contacts, activity descriptions ---------------------------------------------------------


@covers("GET", "/matters.json")
def test_matters(sandbox, api):
    fields = ("id,etag,number,display_number,description,status,client_id,billable,billing_method,open_date,"
              "close_date,pending_date,created_at,updated_at,client{id,name,type},responsible_attorney{id,name}")
    assert api.get("/matters.json", fields=fields, status="open,pending", limit=200).status_code == 200
    assert api.get("/matters.json", order="display_number(desc)", offset=20, limit=10).status_code == 200
    assert api.get("/matters.json", status="archived").status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("matters")).access_token)
    assert restricted.get("/matters.json").status_code == 403


@covers("GET", "/contacts.json")
def test_contacts(sandbox, api):
    fields = "id,etag,name,first_name,last_name,initials,type,is_client,primary_email_address,created_at,updated_at"
    assert api.get("/contacts.json", fields=fields, type="Person", order="name(asc)").status_code == 200
    assert api.get("/contacts.json", type="Robot").status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("contacts")).access_token)
    assert restricted.get("/contacts.json").status_code == 403


@covers("GET", "/activity_descriptions.json")
def test_activity_descriptions(sandbox, api):
    fields = "id,etag,name,default,type,accessible_to_user,created_at,updated_at,rate{amount,type,hierarchy}"
    assert api.get("/activity_descriptions.json", fields=fields, type="clio").status_code == 200
    assert api.get("/activity_descriptions.json", limit=0).status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("activities")).access_token)
    assert restricted.get("/activity_descriptions.json").status_code == 403


# --- Activities --------------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "id,etag,type,date,quantity,quantity_in_hours,rounded_quantity,rounded_quantity_in_hours,quantity_redacted,"
    "price,total,note,billed,on_bill,non_billable,no_charge,flat_rate,created_at,updated_at,"
    "matter{id,display_number},user{id,name},activity_description{id,name},bill{id,state,number}"
)


@covers("GET", "/activities.json")
def test_activities_index(sandbox, api):
    put_activities_on_bill([Activity.objects.order_by("id").first().id], state="awaiting_payment")
    assert api.get("/activities.json", fields=ACTIVITY_FIELDS, status="billed").status_code == 200
    assert api.get("/activities.json", order="date(desc)", start_date="2020-01-01", end_date="2030-01-01").status_code == 200
    assert api.get("/activities.json", type="Meeting").status_code == 400
    beyond = api.request("GET", "/activities.json", params={"offset": 10000}, allow_undeclared_error=True)
    assert beyond.status_code == 422
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("activities")).access_token)
    assert restricted.get("/activities.json").status_code == 403


@covers("POST", "/activities.json")
def test_activities_create(sandbox, api):
    created = api.request("POST", "/activities.json", params={"fields": ACTIVITY_FIELDS}, json=time_entry())
    assert created.status_code == 201
    assert api.request("POST", "/activities.json", params={"fields": "colour"}, json=time_entry()).status_code == 400
    assert api.request("POST", "/activities.json", json=time_entry(quantity=-1)).status_code == 422
    read_only = Api(sandbox.base_url, connect(sandbox.base_url, permissions={**ALL_PERMISSIONS, "activities": "read"}).access_token)
    assert read_only.request("POST", "/activities.json", json=time_entry()).status_code == 403


@covers("GET", "/activities/{id}.json")
def test_activities_show(api):
    activity = Activity.objects.order_by("id").first()
    ok = api.get(f"/activities/{activity.id}.json", fields=ACTIVITY_FIELDS)
    assert ok.status_code == 200
    assert api.request("GET", f"/activities/{activity.id}.json", headers={"If-None-Match": ok.headers["etag"]}).status_code == 304
    assert api.get(f"/activities/{activity.id}.json", fields="id,matter{client{id}}").status_code == 400
    assert api.get("/activities/1.json").status_code == 404


@covers("PATCH", "/activities/{id}.json")
def test_activities_update(api):
    activity = Activity.objects.order_by("id").first()
    ok = api.request("PATCH", f"/activities/{activity.id}.json", params={"fields": ACTIVITY_FIELDS}, json={"data": {"note": "Edited"}})
    assert ok.status_code == 200
    stale = api.request("PATCH", f"/activities/{activity.id}.json", headers={"If-Match": '"stale"'}, json={"data": {"note": "x"}})
    assert stale.status_code == 412
    assert api.request("PATCH", f"/activities/{activity.id}.json", json={"data": {"quantity": 0}}).status_code == 422
    assert api.request("PATCH", "/activities/1.json", json={"data": {"note": "x"}}).status_code == 404

    put_activities_on_bill([activity.id], state="draft")
    on_bill = api.request("PATCH", f"/activities/{activity.id}.json", json={"data": {"note": "y"}})
    assert on_bill.status_code == 422


@covers("DELETE", "/activities/{id}.json")
def test_activities_delete(sandbox, api):
    created = api.request("POST", "/activities.json", json=time_entry()).json()["data"]
    read_only = Api(sandbox.base_url, connect(sandbox.base_url, permissions={**ALL_PERMISSIONS, "activities": "read"}).access_token)
    assert read_only.request("DELETE", f"/activities/{created['id']}.json").status_code == 403
    assert api.request("DELETE", f"/activities/{created['id']}.json").status_code == 204
    # DELETE declares only 204 and 403; a missing record and a billed entry still get Error bodies.
    assert api.request("DELETE", f"/activities/{created['id']}.json", allow_undeclared_error=True).status_code == 404
    billed = Activity.objects.order_by("id").first()
    put_activities_on_bill([billed.id], state="paid")
    assert api.request("DELETE", f"/activities/{billed.id}.json", allow_undeclared_error=True).status_code == 422


# --- Bills and billing settings ------------------------------------------------------------------------

BILL_FIELDS = (
    "id,etag,number,issued_at,created_at,due_at,tax_rate,secondary_tax_rate,updated_at,subject,type,start_at,end_at,"
    "balance,state,kind,total,paid,paid_at,pending,due,can_update,credits_issued,shared,services_sub_total,sub_total,"
    "tax_sum,secondary_tax_sum,total_tax,available_state_transitions,user{id,name},client{id,name},matters{id,display_number}"
)


@covers("GET", "/bills.json")
def test_bills_index(sandbox, api):
    put_activities_on_bill([Activity.objects.order_by("id").first().id], state="paid")
    assert api.get("/bills.json", fields=BILL_FIELDS, state="paid", order="due_at(desc)").status_code == 200
    assert api.get("/bills.json", state="sent").status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("billing")).access_token)
    assert restricted.get("/bills.json").status_code == 403


@covers("GET", "/bills/{id}.json")
def test_bills_show(sandbox, api):
    bill = put_activities_on_bill([Activity.objects.order_by("id").first().id], state="draft")
    ok = api.get(f"/bills/{bill.id}.json", fields=BILL_FIELDS)
    assert ok.status_code == 200
    assert api.request("GET", f"/bills/{bill.id}.json", headers={"If-None-Match": ok.headers["etag"]}).status_code == 304
    assert api.get(f"/bills/{bill.id}.json", fields="matters{client{id}}").status_code == 400
    assert api.get("/bills/1.json").status_code == 404
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("billing")).access_token)
    assert restricted.get(f"/bills/{bill.id}.json").status_code == 403


@covers("GET", "/settings/billing.json")
def test_billing_settings(sandbox, api):
    fields = ("id,etag,rounded_duration,rounding,use_decimal_rounding,currency,currency_sign,tax_rate,tax_name,"
              "apply_tax_by_default,time_on_flat_rate_contingency_matters_is_non_billable,use_secondary_tax,"
              "secondary_tax_rate,secondary_tax_rule,secondary_tax_name,notify_after_bill_created,use_utbms_codes,"
              "created_at,updated_at")
    ok = api.get("/settings/billing.json", fields=fields, duration="2:15")
    assert ok.status_code == 200
    assert api.request("GET", "/settings/billing.json", headers={"If-None-Match": ok.headers["etag"]}).status_code == 304
    assert api.get("/settings/billing.json", duration="soon").status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("billing")).access_token)
    assert restricted.get("/settings/billing.json").status_code == 403


# --- Webhooks ----------------------------------------------------------------------------------------

WEBHOOK_FIELDS = "id,etag,url,fields,shared_secret,model,status,events,expires_at,created_at,updated_at,user{id,name}"


def new_webhook(api: Api, url: str) -> dict:
    body = {"data": {"url": url, "model": "activity", "fields": "id,note", "events": ["created"]}}
    response = api.request("POST", "/webhooks.json", params={"fields": WEBHOOK_FIELDS}, json=body)
    assert response.status_code == 201
    return response.json()["data"]


@covers("GET", "/webhooks.json")
def test_webhooks_index(sandbox, api, subscriber):
    new_webhook(api, subscriber.url)
    assert api.get("/webhooks.json", fields=WEBHOOK_FIELDS, order="id(desc)").status_code == 200
    assert api.get("/webhooks.json", limit=201).status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("api")).access_token)
    assert restricted.get("/webhooks.json").status_code == 403


@covers("POST", "/webhooks.json")
def test_webhooks_create(sandbox, api, subscriber):
    new_webhook(api, subscriber.url)
    bad_fields = {"data": {"url": subscriber.url, "model": "activity", "fields": "id,colour"}}
    assert api.request("POST", "/webhooks.json", json=bad_fields).status_code == 422
    assert api.request("POST", "/webhooks.json", params={"fields": "colour"}, json=bad_fields).status_code == 400
    restricted = Api(sandbox.base_url, connect(sandbox.base_url, permissions=without("api")).access_token)
    body = {"data": {"url": subscriber.url, "model": "activity", "fields": "id"}}
    assert restricted.request("POST", "/webhooks.json", json=body).status_code == 403


@covers("GET", "/webhooks/{id}.json")
def test_webhooks_show(api, subscriber):
    created = new_webhook(api, subscriber.url)
    subscriber.wait_for_handshakes(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    ok = api.get(f"/webhooks/{created['id']}.json", fields=WEBHOOK_FIELDS)
    assert ok.status_code == 200
    assert api.request("GET", f"/webhooks/{created['id']}.json", headers={"If-None-Match": ok.headers["etag"]}).status_code == 304
    assert api.get(f"/webhooks/{created['id']}.json", fields="colour").status_code == 400
    assert api.get("/webhooks/1.json").status_code == 404


@covers("PATCH", "/webhooks/{id}.json")
def test_webhooks_update(api, subscriber):
    created = new_webhook(api, subscriber.url)
    subscriber.wait_for_handshakes(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    ok = api.request("PATCH", f"/webhooks/{created['id']}.json", params={"fields": WEBHOOK_FIELDS}, json={"data": {"fields": "id"}})
    assert ok.status_code == 200
    stale = api.request("PATCH", f"/webhooks/{created['id']}.json", headers={"If-Match": '"stale"'}, json={"data": {"fields": "id"}})
    assert stale.status_code == 412
    too_late = {"data": {"expires_at": "2099-01-01T00:00:00Z"}}
    assert api.request("PATCH", f"/webhooks/{created['id']}.json", json=too_late).status_code == 422
    assert api.request("PATCH", "/webhooks/1.json", json={"data": {"fields": "id"}}).status_code == 404


@covers("DELETE", "/webhooks/{id}.json")
def test_webhooks_delete(sandbox, api, subscriber):
    created = new_webhook(api, subscriber.url)
    read_only = Api(sandbox.base_url, connect(sandbox.base_url, permissions={**ALL_PERMISSIONS, "api": "read"}).access_token)
    assert read_only.request("DELETE", f"/webhooks/{created['id']}.json").status_code == 403
    assert api.request("DELETE", f"/webhooks/{created['id']}.json").status_code == 204
    assert api.request("DELETE", f"/webhooks/{created['id']}.json", allow_undeclared_error=True).status_code == 404
