"""Bills, the billed/on_bill flags of activities and billing settings, over real HTTP against the spec."""

import datetime

import pytest

from mira.sandbox import webhook_delivery
from mira.sandbox.bills import BillingError, put_activities_on_bill, set_bill_state
from mira.sandbox.models import Activity, Bill, BillingSetting
from tests.sandbox.helpers import ALL_PERMISSIONS, Api, connect
from tests.sandbox.subscriber import running_subscriber
from tests.sandbox.test_api import time_entry

BILL_FIELDS = "id,etag,number,state,type,total,balance,paid,issued_at,due_at,can_update,matters{id,display_number},client{id,name}"


@pytest.fixture
def api(sandbox):
    client = Api(sandbox.base_url, connect(sandbox.base_url).access_token)
    yield client
    client.close()


def matter_activities(count: int) -> list[Activity]:
    """Return `count` seeded activities of the first matter that has that many."""
    for activity in Activity.objects.order_by("matter_id", "id"):
        siblings = list(Activity.objects.filter(matter_id=activity.matter_id).order_by("id")[:count])
        if len(siblings) == count:
            return siblings
    raise AssertionError(f"no matter has {count} activities")


def flags(api: Api, activity_id: int) -> dict:
    return api.get(f"/activities/{activity_id}.json", fields="billed,on_bill,bill{id,state}").json()["data"]


@pytest.mark.parametrize("state, billed, on_bill", [
    ("draft", False, True),
    ("awaiting_approval", False, True),
    ("awaiting_payment", True, True),
    ("paid", True, True),
    ("void", False, False),
    ("deleted", False, False),
])
def test_billed_and_on_bill_follow_bill_state(api, state, billed, on_bill):
    activity = matter_activities(1)[0]
    bill = put_activities_on_bill([activity.id], state=state)
    data = flags(api, activity.id)
    assert data["billed"] is billed
    assert data["on_bill"] is on_bill
    assert data["bill"] == {"id": bill.id, "state": state}


def test_unbilled_activity_flags(api):
    data = flags(api, Activity.objects.order_by("id").first().id)
    assert data == {"billed": False, "on_bill": False}


def test_bill_totals_and_fields(api):
    activities = matter_activities(2)
    bill = put_activities_on_bill([a.id for a in activities], state="awaiting_payment")
    data = api.get(f"/bills/{bill.id}.json", fields=BILL_FIELDS).json()["data"]
    total = float(sum(a.total for a in activities))
    assert data["state"] == "awaiting_payment"
    assert data["type"] == "MatterBill"
    assert data["total"] == total
    assert data["balance"] == total
    assert data["paid"] == 0.0
    assert data["can_update"] is False
    assert data["matters"] == [{"id": activities[0].matter.id, "display_number": activities[0].matter.display_number}]
    assert data["client"]["id"] == activities[0].matter.client_id

    set_bill_state(bill.id, "paid")
    paid = api.get(f"/bills/{bill.id}.json", fields="balance,paid,paid_at,etag").json()["data"]
    assert paid["balance"] == 0.0
    assert paid["paid"] == total
    assert "paid_at" in paid
    assert paid["etag"] != data["etag"]


def test_activity_on_bill_rejects_patch_and_delete(api):
    activity = matter_activities(1)[0]
    put_activities_on_bill([activity.id], state="draft")
    patched = api.request("PATCH", f"/activities/{activity.id}.json", json={"data": {"note": "late edit"}})
    assert patched.status_code == 422
    assert "is on bill" in patched.json()["error"]["message"]
    # The spec declares only 204 and 403 for DELETE; the sandbox's 422 still has the Error body.
    deleted = api.request("DELETE", f"/activities/{activity.id}.json", allow_undeclared_error=True)
    assert deleted.status_code == 422
    assert Activity.objects.get(pk=activity.id).note != "late edit"


def test_voided_bill_frees_activity(api):
    activity = matter_activities(1)[0]
    bill = put_activities_on_bill([activity.id], state="awaiting_payment")
    set_bill_state(bill.id, "void")
    response = api.request("PATCH", f"/activities/{activity.id}.json", params={"fields": "note,billed"}, json={"data": {"note": "after void"}})
    assert response.json()["data"] == {"note": "after void", "billed": False}
    second = put_activities_on_bill([activity.id], state="draft")
    assert flags(api, activity.id)["bill"]["id"] == second.id


def test_put_on_bill_rejects_bad_input(sandbox):
    activities = matter_activities(1)
    other = Activity.objects.exclude(matter_id=activities[0].matter_id).first()
    with pytest.raises(BillingError, match="one matter"):
        put_activities_on_bill([activities[0].id, other.id])
    with pytest.raises(BillingError, match="No activities with ids"):
        put_activities_on_bill([1])
    with pytest.raises(BillingError, match="invalid"):
        put_activities_on_bill([activities[0].id], state="sent")
    put_activities_on_bill([activities[0].id])
    with pytest.raises(BillingError, match="already on a bill"):
        put_activities_on_bill([activities[0].id])


def test_bills_index_filters(api):
    first, second = matter_activities(2)
    draft = put_activities_on_bill([first.id], state="draft")
    unpaid = put_activities_on_bill([second.id], state="awaiting_payment")
    others = [a for a in Activity.objects.exclude(matter_id=first.matter_id).order_by("id")[:1]]
    elsewhere = put_activities_on_bill([others[0].id], state="paid")

    def ids(**params) -> list[int]:
        return [bill["id"] for bill in api.get("/bills.json", **params).json()["data"]]

    assert ids() == sorted([draft.id, unpaid.id, elsewhere.id])
    assert ids(state="draft") == [draft.id]
    assert ids(matter_id=first.matter_id) == sorted([draft.id, unpaid.id])
    assert ids(query=int(unpaid.number)) == [unpaid.id]
    assert ids(order="id(desc)") == sorted([draft.id, unpaid.id, elsewhere.id], reverse=True)
    assert ids(type="trust") == []

    Bill.objects.filter(pk=draft.id).update(updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert ids(updated_since="2024-01-01T00:00:00Z") == sorted([unpaid.id, elsewhere.id])


def test_bills_bad_state_is_400(api):
    response = api.get("/bills.json", state="sent")
    assert response.status_code == 400
    assert "sent" in response.json()["error"]["message"]


def test_bill_show_not_found_and_not_modified(api):
    bill = put_activities_on_bill([matter_activities(1)[0].id])
    first = api.get(f"/bills/{bill.id}.json")
    assert first.headers["etag"] == first.json()["data"]["etag"]
    again = api.request("GET", f"/bills/{bill.id}.json", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert api.request("GET", "/bills/1.json").status_code == 404


def test_bills_need_billing_permission(sandbox):
    permissions = {key: level for key, level in ALL_PERMISSIONS.items() if key != "billing"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    assert "Billing" in api.get("/bills.json").json()["error"]["message"]
    assert api.get("/bills.json").status_code == 403
    assert api.get("/settings/billing.json").status_code == 403


def test_bill_webhooks_fire(api, settings):
    settings.MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS = 0.05
    activity = matter_activities(1)[0]
    with running_subscriber() as subscriber:
        for model in ("bill", "activity"):
            body = {"data": {"url": subscriber.url, "model": model, "fields": "id"}}
            assert api.request("POST", "/webhooks.json", json=body).status_code == 201
        subscriber.wait_for_handshakes(2)
        assert webhook_delivery.queue.wait_until_idle(10)

        bill = put_activities_on_bill([activity.id], state="draft")
        events = sorted((e.json()["meta"]["event"], e.json()["data"]["id"]) for e in subscriber.wait_for_events(2))
    assert events == [("created", bill.id), ("updated", activity.id)]


def test_billing_settings(api):
    response = api.get("/settings/billing.json", fields="id,etag,rounding,currency,currency_sign,use_decimal_rounding,tax_rate")
    data = response.json()["data"]
    assert data["rounding"] == 6
    assert data["currency"] == "USD"
    assert data["currency_sign"] == "$"
    assert response.headers["etag"] == data["etag"]
    assert "last-modified" in response.headers

    again = api.request("GET", "/settings/billing.json", headers={"If-None-Match": data["etag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("duration, hours", [("1h31m", 1.6), ("2:15", 2.3), ("45m", 0.8), ("3h", 3.0), ("0.25", 0.3)])
def test_billing_settings_rounded_duration(api, duration, hours):
    data = api.get("/settings/billing.json", fields="rounded_duration", duration=duration).json()["data"]
    assert data["rounded_duration"] == hours


def test_billing_settings_rounding_follows_setting(api):
    api.get("/settings/billing.json")
    BillingSetting.objects.update(rounding=15)
    data = api.get("/settings/billing.json", fields="rounding,rounded_duration", duration="1h01m").json()["data"]
    assert data == {"rounding": 15, "rounded_duration": 1.25}


def test_billing_settings_bad_duration(api):
    response = api.get("/settings/billing.json", duration="soon")
    assert response.status_code == 400
    assert "soon" in response.json()["error"]["message"]


def test_new_entry_then_bill(api):
    created = api.request("POST", "/activities.json", json=time_entry()).json()["data"]
    put_activities_on_bill([created["id"]], state="awaiting_payment")
    listed = api.get("/activities.json", status="billed", fields="id").json()["data"]
    assert [item["id"] for item in listed] == [created["id"]]
    unbilled = api.get("/activities.json", status="unbilled", limit=200).json()["meta"]["records"]
    assert unbilled == Activity.objects.count() - 1
