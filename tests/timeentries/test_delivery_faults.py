"""Delivery of approved time entries under faults and changes made through the sandbox's control API.

The promise under test: an entry reaches Clio exactly once. Faults on POST /api/v4/activities.json
are scripted with POST /_sandbox/faults, the number of POSTs the sandbox served is read from
GET /_sandbox/stats, and the activities stored in Clio are counted in the sandbox's own tables.
"""

import time

from mira.clio import build_http_client
from mira.sandbox.models import Activity
from mira.sync.job import SyncOutcome, run_sync
from mira.sync.models import SyncRun
from mira.timeentries.delivery import RETRY_MESSAGE, DeliveryOutcome, deliver_firm
from mira.timeentries.models import TimeEntry
from tests.sync.support import endpoint_statuses
from tests.timeentries.test_delivery import (  # noqa: F401
    amelia,
    approved_entry,
    live_firm,
    new_activities,
    synced,
)

ACTIVITIES = "/api/v4/activities.json"
POST_ACTIVITIES = f"POST {ACTIVITIES}"
# Short enough to keep the test quick, long enough for the sandbox to respond to a healthy request.
CLIENT_TIMEOUT_SECONDS = 1.0
# The "timeout" fault holds its response far longer than the client waits. Clearing the faults releases it.
HOLD_MS = 30_000
# Upper bound for the held response to be released and counted after the faults are cleared.
RELEASE_WAIT_SECONDS = 10.0


def add_post_fault(control, script: list, **options) -> dict:
    spec = {"path": ACTIVITIES, "method": "POST", "script": script, **options}
    return control.call("POST", "faults", spec)["data"]


def entry_activities(new_activities, entry):
    """Return the activities created after the seed for the entry's Clio user, matter and date."""
    return new_activities().filter(user_id=amelia().id, matter_id=entry.matter.clio_id, date=entry.date)


def post_statuses(control) -> dict[str, int]:
    return endpoint_statuses(control, POST_ACTIVITIES)


def wait_for_post_count(control, expected: int) -> dict[str, int]:
    """Return the POST counts once they reach `expected` requests, or as they are after RELEASE_WAIT_SECONDS.

    A response held by "timeout" is counted only when it is released, in another server thread.
    """
    deadline = time.monotonic() + RELEASE_WAIT_SECONDS
    statuses = post_statuses(control)
    while sum(statuses.values()) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        statuses = post_statuses(control)
    return statuses


# -- Outcome unknown: the entry is looked up in Clio before any second POST ----------------------


def test_post_timeout_reconciled_without_second_post(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    # The sandbox stores the activity, then holds the response longer than the client waits.
    add_post_fault(sandbox_control, ["timeout"], hold_ms=HOLD_MS)

    with build_http_client(timeout=CLIENT_TIMEOUT_SECONDS) as http:
        first = deliver_firm(live_firm.pk, http=http)

    entry.refresh_from_db()
    assert first is DeliveryOutcome.RETRY_LATER
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.posting_started_at is not None
    assert entry.delivery_error == RETRY_MESSAGE
    assert entry.clio_activity_id is None
    assert entry_activities(new_activities, entry).count() == 1

    # Release the held response and wait until the sandbox has counted it, so every POST counted
    # from here on comes from the second run.
    sandbox_control.call("DELETE", "faults")
    assert wait_for_post_count(sandbox_control, 1) == {"201": 1}
    second = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    stored = entry_activities(new_activities, entry).get()
    assert second is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == stored.id
    assert entry.posting_started_at is None
    assert entry.delivery_error == ""
    assert stored.quantity == entry.duration_seconds
    assert stored.note == entry.narrative
    # The second run found the activity with a GET and sent no POST.
    assert post_statuses(sandbox_control) == {"201": 1}
    assert endpoint_statuses(sandbox_control, f"GET {ACTIVITIES}").get("200", 0) >= 1
    assert entry_activities(new_activities, entry).count() == 1


def test_dropped_post_posts_once_next_run(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    # The connection closes before the sandbox handles the request, so nothing is stored.
    add_post_fault(sandbox_control, ["drop"])

    first = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    assert first is DeliveryOutcome.RETRY_LATER
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.posting_started_at is not None
    assert entry.delivery_error == RETRY_MESSAGE
    assert not entry_activities(new_activities, entry).exists()

    second = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    stored = entry_activities(new_activities, entry).get()
    assert second is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == stored.id
    assert post_statuses(sandbox_control) == {"dropped": 1, "201": 1}


def test_post_500_not_resent_then_posted_once(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    add_post_fault(sandbox_control, [500])
    waits: list[float] = []

    # Retries are allowed, yet a 500 on a write is never resent blindly: Clio may have stored it.
    first = deliver_firm(live_firm.pk, client_options={"max_retries": 3, "sleep": waits.append})

    entry.refresh_from_db()
    assert first is DeliveryOutcome.RETRY_LATER
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.posting_started_at is not None
    assert post_statuses(sandbox_control) == {"500": 1}
    assert waits == []

    second = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    stored = entry_activities(new_activities, entry).get()
    assert second is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == stored.id
    assert post_statuses(sandbox_control) == {"500": 1, "201": 1}


# -- Rate limiting: a 429 means Clio did nothing, so the POST is retried ------------------------


def test_post_429_burst_retried_once_stored(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    add_post_fault(sandbox_control, [429, 429], retry_after=1)
    waits: list[float] = []

    outcome = deliver_firm(live_firm.pk, client_options={"max_retries": 3, "sleep": waits.append})

    entry.refresh_from_db()
    stored = entry_activities(new_activities, entry).get()
    assert outcome is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == stored.id
    assert post_statuses(sandbox_control) == {"429": 2, "201": 1}
    # Each retry waited for the Retry-After of 1 second.
    assert waits == [1.0, 1.0]


# -- Changes made inside Clio --------------------------------------------------------------------


def test_user_disabled_in_clio_needs_attention(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    sandbox_control.call("POST", f"users/{amelia().id}/disable", {})

    outcome = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    assert outcome is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.FAILED
    assert entry.get_status_display() == "Needs attention"
    assert "Amelia Ortiz is disabled in Clio" in entry.delivery_error
    assert "Ask your firm admin to enable it" in entry.delivery_error
    assert "approve it again" in entry.delivery_error
    assert entry.posting_started_at is None
    assert entry.clio_activity_id is None
    assert not entry_activities(new_activities, entry).exists()
    # Clio rejected the one POST with 422, so nothing was stored, and the POST was not resent.
    assert post_statuses(sandbox_control) == {"422": 1}


def test_activity_edited_in_clio_not_reposted(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    deliver_firm(live_firm.pk)
    entry.refresh_from_db()
    activity_id = entry.clio_activity_id

    sandbox_control.call("POST", f"activities/{activity_id}/edit", {"note": "Corrected in Clio", "quantity": 3600})
    outcome = deliver_firm(live_firm.pk)
    with build_http_client() as http:
        synced_again = run_sync(synced.pk, SyncRun.Trigger.MANUAL, http=http)

    entry.refresh_from_db()
    stored = Activity.objects.get(pk=activity_id)
    assert outcome is DeliveryOutcome.DELIVERED
    assert synced_again is SyncOutcome.SUCCEEDED
    assert post_statuses(sandbox_control) == {"201": 1}
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == activity_id
    assert stored.note == "Corrected in Clio"
    assert stored.quantity == 3600
    # NOTE: MIRA does not read activities back from Clio, so the entry keeps the values it posted.
    assert entry.narrative == "Reviewed the lease and called the client"
    assert entry.duration_seconds == 5400


def test_activity_deleted_in_clio_not_reposted(live_firm, synced, timekeeper, new_activities, sandbox_control):
    entry = approved_entry(synced, timekeeper)
    deliver_firm(live_firm.pk)
    entry.refresh_from_db()
    activity_id = entry.clio_activity_id

    sandbox_control.call("POST", f"activities/{activity_id}/delete", {})
    outcome = deliver_firm(live_firm.pk)
    with build_http_client() as http:
        synced_again = run_sync(synced.pk, SyncRun.Trigger.MANUAL, http=http)

    entry.refresh_from_db()
    assert outcome is DeliveryOutcome.DELIVERED
    assert synced_again is SyncOutcome.SUCCEEDED
    assert post_statuses(sandbox_control) == {"201": 1}
    assert not entry_activities(new_activities, entry).exists()
    # NOTE: MIRA still shows the entry as posted, with the id of the activity Clio no longer has.
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.get_status_display() == "Posted to Clio"
    assert entry.clio_activity_id == activity_id
