"""Webhook subscriptions over real HTTP: handshake, signed deliveries, retries, expiry and permissions.

Subscribers are real HTTP servers on 127.0.0.1 started by each test.
"""

import datetime
import hashlib
import hmac
import time

import pytest
from django.utils import timezone

from mira.sandbox import webhook_delivery, webhooks
from mira.sandbox.models import Activity, Matter, Webhook
from tests.sandbox.helpers import ALL_PERMISSIONS, Api, connect
from tests.sandbox.subscriber import running_subscriber
from tests.sandbox.test_api import time_entry

WEBHOOK_FIELDS = "id,etag,url,fields,shared_secret,model,status,events,expires_at,user{id,name}"


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS = 0.05
    yield
    webhook_delivery.queue.clear()
    assert webhook_delivery.queue.wait_until_idle(10)


@pytest.fixture
def api(sandbox):
    client = Api(sandbox.base_url, connect(sandbox.base_url).access_token)
    yield client
    client.close()


@pytest.fixture
def subscriber():
    with running_subscriber() as server:
        yield server


def create_webhook(api: Api, url: str, **data) -> dict:
    body = {"data": {"url": url, "model": "activity", "fields": "id,note,quantity,matter{id}", **data}}
    response = api.request("POST", "/webhooks.json", params={"fields": WEBHOOK_FIELDS}, json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def wait_for_status(api: Api, webhook_id: int, status: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = api.get(f"/webhooks/{webhook_id}.json", fields=WEBHOOK_FIELDS).json()["data"]
        if data["status"] == status:
            return data
        time.sleep(0.05)
    raise AssertionError(f"webhook {webhook_id} did not reach status {status!r} within {timeout} s")


def enabled_webhook(api: Api, subscriber, **data) -> dict:
    created = create_webhook(api, subscriber.url, **data)
    return wait_for_status(api, created["id"], "enabled")


def signature_of(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_create_defaults_and_handshake(api, subscriber):
    before = timezone.now()
    created = create_webhook(api, subscriber.url)
    assert created["status"] == "pending"
    assert created["events"] == ["created", "updated", "deleted"]
    assert len(created["shared_secret"]) == 64
    expires_at = datetime.datetime.fromisoformat(created["expires_at"])
    assert before + datetime.timedelta(days=3) - datetime.timedelta(seconds=5) <= expires_at
    assert expires_at <= timezone.now() + datetime.timedelta(days=3)

    handshake = subscriber.wait_for_handshakes(1)[0]
    assert handshake.headers["x-hook-secret"] == created["shared_secret"]
    assert handshake.json() == {"webhook_id": created["id"]}
    assert handshake.path == "/hooks/clio"
    assert wait_for_status(api, created["id"], "enabled")["status"] == "enabled"


def test_handshake_without_echo_stays_pending(api, subscriber):
    subscriber.echo_secret = False
    created = create_webhook(api, subscriber.url)
    subscriber.wait_for_handshakes(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    assert Webhook.objects.get(pk=created["id"]).status == "pending"

    wrong = api.client.put(f"/webhooks/{created['id']}/activate", headers={"X-Hook-Secret": "not-the-secret"})
    assert wrong.status_code == 422
    assert Webhook.objects.get(pk=created["id"]).status == "pending"

    right = api.client.put(f"/webhooks/{created['id']}/activate", headers={"X-Hook-Secret": created["shared_secret"]})
    assert right.status_code == 204
    assert Webhook.objects.get(pk=created["id"]).status == "enabled"


def test_pending_webhook_gets_no_events(api, subscriber):
    subscriber.echo_secret = False
    create_webhook(api, subscriber.url)
    subscriber.wait_for_handshakes(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    api.request("POST", "/activities.json", json=time_entry())
    assert webhook_delivery.queue.wait_until_idle(10)
    assert subscriber.events() == []


def test_signed_deliveries_for_create_update_delete(api, subscriber):
    hook = enabled_webhook(api, subscriber)
    created = api.request("POST", "/activities.json", json=time_entry()).json()["data"]
    api.request("PATCH", f"/activities/{created['id']}.json", json={"data": {"note": "Second draft"}})
    api.request("DELETE", f"/activities/{created['id']}.json")

    events = subscriber.wait_for_events(3)
    bodies = [event.json() for event in events]
    assert [body["meta"]["event"] for body in bodies] == ["created", "updated", "deleted"]
    assert {body["meta"]["webhook_id"] for body in bodies} == {hook["id"]}
    assert [body["data"]["id"] for body in bodies] == [created["id"]] * 3
    assert bodies[1]["data"]["note"] == "Second draft"
    assert bodies[0]["data"]["quantity"] == 5400
    assert set(bodies[0]["data"]["matter"]) == {"id"}
    for event in events:
        assert event.headers["x-hook-signature"] == signature_of(event.body, hook["shared_secret"])
        assert event.headers["content-type"].startswith("application/json")


def test_events_filter_deliveries(api, subscriber):
    enabled_webhook(api, subscriber, events=["deleted"])
    created = api.request("POST", "/activities.json", json=time_entry()).json()["data"]
    api.request("DELETE", f"/activities/{created['id']}.json")
    events = subscriber.wait_for_events(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    assert [event.json()["meta"]["event"] for event in subscriber.events()] == ["deleted"]
    assert events[0].json()["data"]["id"] == created["id"]


def test_failed_delivery_is_retried(api, subscriber):
    enabled_webhook(api, subscriber)
    subscriber.event_statuses = [500, 503]
    api.request("POST", "/activities.json", json=time_entry())
    events = subscriber.wait_for_events(3)
    assert webhook_delivery.queue.wait_until_idle(10)
    assert len(subscriber.events()) == 3
    assert events[0].body == events[1].body == events[2].body


def test_retries_stop_after_five(api, subscriber):
    enabled_webhook(api, subscriber)
    subscriber.event_statuses = [500] * 10
    api.request("POST", "/activities.json", json=time_entry())
    subscriber.wait_for_events(6)
    # The queue keeps a job until its retry is due, so an idle queue means no retry is left.
    assert webhook_delivery.queue.wait_until_idle(10)
    assert len(subscriber.events()) == 6


def test_redirect_counts_as_delivered(api, subscriber):
    enabled_webhook(api, subscriber)
    subscriber.event_statuses = [302]
    api.request("POST", "/activities.json", json=time_entry())
    subscriber.wait_for_events(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    assert len(subscriber.events()) == 1


def test_gone_suspends_webhook(api, subscriber):
    hook = enabled_webhook(api, subscriber)
    subscriber.event_statuses = [410]
    api.request("POST", "/activities.json", json=time_entry())
    subscriber.wait_for_events(1)
    assert wait_for_status(api, hook["id"], "suspended")["status"] == "suspended"

    api.request("POST", "/activities.json", json=time_entry())
    assert webhook_delivery.queue.wait_until_idle(10)
    assert len(subscriber.events()) == 1


def test_expired_webhook_gets_nothing(api, subscriber):
    hook = enabled_webhook(api, subscriber)
    Webhook.objects.filter(pk=hook["id"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    api.request("POST", "/activities.json", json=time_entry())
    assert webhook_delivery.queue.wait_until_idle(10)
    assert subscriber.events() == []


def test_refused_connection_is_retried(api, subscriber, caplog):
    hook = enabled_webhook(api, subscriber)
    with running_subscriber() as stopped:
        closed_url = stopped.url
    # Point the enabled hook at a port nothing listens on now, as if the subscriber went down.
    Webhook.objects.filter(pk=hook["id"]).update(url=closed_url)
    caplog.set_level("INFO", logger="mira.sandbox.webhook_delivery")
    api.request("POST", "/activities.json", json=time_entry())
    assert webhook_delivery.queue.wait_until_idle(10)

    messages = [record.getMessage() for record in caplog.records if record.name == "mira.sandbox.webhook_delivery"]
    assert sum("(no response); retry" in message for message in messages) == 5
    assert any("after 5 retries; giving up" in message for message in messages)
    assert subscriber.events() == []


def test_url_change_repeats_handshake(api, subscriber):
    hook = enabled_webhook(api, subscriber)
    with running_subscriber(path="/other") as second:
        updated = api.request(
            "PATCH", f"/webhooks/{hook['id']}.json", params={"fields": "id,status,url"}, json={"data": {"url": second.url}},
        ).json()["data"]
        assert updated["status"] == "pending"
        handshake = second.wait_for_handshakes(1)[0]
        assert handshake.headers["x-hook-secret"] == hook["shared_secret"]
        assert wait_for_status(api, hook["id"], "enabled")["url"] == second.url

        api.request("POST", "/activities.json", json=time_entry())
        second.wait_for_events(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    assert subscriber.events() == []


def test_expiry_limits(api, subscriber):
    too_late = (timezone.now() + datetime.timedelta(days=32)).isoformat()
    body = {"data": {"url": subscriber.url, "model": "activity", "fields": "id", "expires_at": too_late}}
    response = api.request("POST", "/webhooks.json", json=body)
    assert response.status_code == 422
    assert "31 days" in response.json()["error"]["message"]

    in_thirty = timezone.now() + datetime.timedelta(days=30)
    created = create_webhook(api, subscriber.url, expires_at=in_thirty.isoformat())
    assert datetime.datetime.fromisoformat(created["expires_at"]) == in_thirty.replace(microsecond=0)

    past = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    patched = api.request("PATCH", f"/webhooks/{created['id']}.json", json={"data": {"expires_at": past}})
    assert patched.status_code == 422


@pytest.mark.parametrize("url", ["http://example.test/hook", "ftp://127.0.0.1/hook", "https://user:pw@example.test/h", "hook"])
def test_rejected_urls(api, url):
    body = {"data": {"url": url, "model": "activity", "fields": "id"}}
    response = api.request("POST", "/webhooks.json", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("url:")
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("url", ["https://hooks.example.test/clio", "http://127.0.0.1:9/h", "http://localhost/h", "http://[::1]/h"])
def test_accepted_urls(url):
    # Checked without the API, because creating the webhook would send its handshake to the URL.
    assert webhooks.parse_url(url) == url


def test_invalid_model_fields_and_events(api, subscriber):
    cases = [
        ({"model": "timer"}, "model:"),
        ({"fields": "id,colour"}, "fields:"),
        ({"fields": "id,matter{client{name}}"}, "fields:"),
        ({"events": ["matter_closed"]}, "events:"),
    ]
    for change, prefix in cases:
        body = {"data": {"url": subscriber.url, "model": "activity", "fields": "id", **change}}
        response = api.request("POST", "/webhooks.json", json=body, validate_body=False)
        assert response.status_code == 422, change
        assert response.json()["error"]["message"].startswith(prefix), change


def test_model_by_numeric_id(api, subscriber):
    # Clio accepts a model's numeric id too, though the spec's enum lists only the names.
    body = {"data": {"url": subscriber.url, "model": "1", "fields": "id,status"}}
    response = api.request("POST", "/webhooks.json", params={"fields": "model,events"}, json=body, validate_body=False)
    created = response.json()["data"]
    assert created["model"] == "matter"
    assert "matter_closed" in created["events"]


def test_api_permission_needed(sandbox, subscriber):
    permissions = {key: level for key, level in ALL_PERMISSIONS.items() if key != "api"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    body = {"data": {"url": subscriber.url, "model": "activity", "fields": "id"}}
    assert api.request("POST", "/webhooks.json", json=body).status_code == 403
    assert api.get("/webhooks.json").status_code == 403


def test_model_permission_needed(sandbox, subscriber):
    permissions = {key: level for key, level in ALL_PERMISSIONS.items() if key != "billing"}
    api = Api(sandbox.base_url, connect(sandbox.base_url, permissions=permissions).access_token)
    bill_hook = {"data": {"url": subscriber.url, "model": "bill", "fields": "id"}}
    response = api.request("POST", "/webhooks.json", json=bill_hook)
    assert response.status_code == 403
    assert "Billing" in response.json()["error"]["message"]
    activity_hook = {"data": {"url": subscriber.url, "model": "activity", "fields": "id"}}
    assert api.request("POST", "/webhooks.json", json=activity_hook).status_code == 201


def test_index_show_delete_scoped_to_app(sandbox, api, subscriber):
    created = create_webhook(api, subscriber.url)
    listed = api.get("/webhooks.json", fields="id,model").json()
    assert listed["data"] == [{"id": created["id"], "model": "activity"}]
    assert listed["meta"]["records"] == 1

    other = Api(sandbox.base_url, connect(sandbox.base_url).access_token)
    assert other.get("/webhooks.json").json()["data"] == []
    assert other.request("GET", f"/webhooks/{created['id']}.json").status_code == 404

    # Enabling the webhook changes its etag, so let the handshake finish first.
    subscriber.wait_for_handshakes(1)
    assert webhook_delivery.queue.wait_until_idle(10)
    etag = api.get(f"/webhooks/{created['id']}.json").headers["etag"]
    assert api.request("GET", f"/webhooks/{created['id']}.json", headers={"If-None-Match": etag}).status_code == 304
    assert api.request("DELETE", f"/webhooks/{created['id']}.json").status_code == 204
    assert not Webhook.objects.filter(pk=created["id"]).exists()


def test_notify_record_changed_for_matter_events(api, subscriber):
    hook = enabled_webhook(api, subscriber, model="matter", fields="id,status", events=["matter_closed"])
    matter = Matter.objects.filter(status="Open").order_by("id").first()
    assert webhooks.notify_record_changed("matter", matter, "updated") == 0
    assert webhooks.notify_record_changed("matter", matter, "matter_closed") == 1

    event = subscriber.wait_for_events(1)[0].json()
    assert event == {"data": {"id": matter.id, "status": "Open"}, "meta": {"event": "matter_closed", "webhook_id": hook["id"]}}


def test_notify_record_changed_rejects_bad_input():
    activity = Activity(id=1)
    with pytest.raises(ValueError, match="timer"):
        webhooks.notify_record_changed("timer", activity, "created")
    with pytest.raises(ValueError, match="matter_closed"):
        webhooks.notify_record_changed("activity", activity, "matter_closed")
