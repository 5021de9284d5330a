"""Delivery of approved time entries to the running Clio sandbox: exactly once, and only when live."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mira.accounts.models import Firm
from mira.clio import build_http_client
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import open_clio_client
from mira.sandbox.models import AccessToken, Activity, Grant, SandboxUser
from mira.sync.job import run_sync
from mira.sync.models import ClioActivityDescription, ClioMatter
from mira.timeentries import tasks
from mira.timeentries.delivery import RETRY_MESSAGE, DeliveryOutcome, deliver_firm
from mira.timeentries.models import TimeEntry
from tests.sync.support import closed_port_url

ENTRY_DATE = datetime.date(2026, 3, 2)


@pytest.fixture
def synced(connection):
    run_sync(connection.pk, "manual")
    return connection


@pytest.fixture
def live_firm(synced):
    Firm.objects.filter(pk=synced.firm_id).update(live_at=timezone.now())
    return Firm.objects.get(pk=synced.firm_id)


def approved_entry(connection, timekeeper, *, narrative="Reviewed the lease and called the client", seconds=5400):
    matter = ClioMatter.objects.filter(connection=connection, available=True, status="Open").order_by("clio_id").first()
    description = ClioActivityDescription.objects.filter(connection=connection).order_by("clio_id").first()
    return TimeEntry.objects.create(
        firm_id=connection.firm_id, timekeeper=timekeeper, matter=matter, activity_description=description,
        date=ENTRY_DATE, duration_seconds=seconds, narrative=narrative,
        status=TimeEntry.Status.APPROVED, approved_at=timezone.now(),
    )


@pytest.fixture
def new_activities(synced):
    """Return a function listing the activities created in the sandbox after the seed."""
    seeded = set(Activity.objects.values_list("id", flat=True))
    return lambda: Activity.objects.exclude(id__in=seeded)


def amelia():
    return SandboxUser.objects.get(email="amelia.ortiz@harborvale.test")


def test_delivery_posts_entry_once_in_seconds(live_firm, synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)

    outcome = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    activity = new_activities().get()
    assert outcome is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == activity.id
    assert entry.posted_at is not None
    assert entry.posting_started_at is None
    assert entry.delivery_error == ""
    assert activity.quantity == 5400
    assert activity.user_id == amelia().id
    assert activity.matter_id == entry.matter.clio_id
    assert activity.date == ENTRY_DATE
    assert activity.note == "Reviewed the lease and called the client"
    assert activity.activity_description_id == entry.activity_description.clio_id


def test_second_delivery_posts_nothing(live_firm, synced, timekeeper, new_activities):
    approved_entry(synced, timekeeper)
    deliver_firm(live_firm.pk)

    outcome = deliver_firm(live_firm.pk)

    assert outcome is DeliveryOutcome.DELIVERED
    assert new_activities().count() == 1


def test_entries_delivered_oldest_first(live_firm, synced, timekeeper, new_activities):
    newer = approved_entry(synced, timekeeper, narrative="Second")
    older = approved_entry(synced, timekeeper, narrative="First")
    TimeEntry.objects.filter(pk=older.pk).update(approved_at=timezone.now() - timedelta(hours=1))

    deliver_firm(live_firm.pk)

    assert list(new_activities().order_by("created_at", "id").values_list("note", flat=True)) == ["First", "Second"]
    assert TimeEntry.objects.get(pk=newer.pk).status == TimeEntry.Status.POSTED


def test_unknown_outcome_found_in_clio_not_posted_again(live_firm, synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)
    # An earlier attempt reached Clio but its response was lost. Clio has the activity, MIRA only the mark.
    started = timezone.now() - timedelta(minutes=1)
    TimeEntry.objects.filter(pk=entry.pk).update(posting_started_at=started)
    with build_http_client() as http:
        created = open_clio_client(synced, http=http).create_time_entry(
            user_id=amelia().id, matter_id=entry.matter.clio_id, date=ENTRY_DATE,
            quantity_seconds=entry.duration_seconds, note=entry.narrative,
        )

    outcome = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    assert outcome is DeliveryOutcome.DELIVERED
    assert new_activities().count() == 1
    assert entry.status == TimeEntry.Status.POSTED
    assert entry.clio_activity_id == int(created["id"])
    assert entry.posting_started_at is None


def test_unknown_outcome_not_in_clio_posts_once(live_firm, synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)
    TimeEntry.objects.filter(pk=entry.pk).update(posting_started_at=timezone.now() - timedelta(minutes=1))
    # A different entry on the same matter and day must not be taken for this one.
    with build_http_client() as http:
        open_clio_client(synced, http=http).create_time_entry(
            user_id=amelia().id, matter_id=entry.matter.clio_id, date=ENTRY_DATE,
            quantity_seconds=entry.duration_seconds, note="Another task the same day",
        )

    outcome = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    posted = new_activities().get(note=entry.narrative)
    assert outcome is DeliveryOutcome.DELIVERED
    assert new_activities().count() == 2
    assert entry.clio_activity_id == posted.id
    assert posted.quantity == 5400


def test_not_live_posts_nothing(synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)

    outcome = deliver_firm(synced.firm_id)

    entry.refresh_from_db()
    assert outcome is DeliveryOutcome.SKIPPED
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.posting_started_at is None
    assert not new_activities().exists()


def test_disabled_clio_user_fails_entry_plainly(live_firm, synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)
    # Disabled in Clio after the last sync, so MIRA learns it only from Clio's 422 response.
    SandboxUser.objects.filter(pk=amelia().pk).update(enabled=False)

    outcome = deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    assert outcome is DeliveryOutcome.DELIVERED
    assert entry.status == TimeEntry.Status.FAILED
    assert "disabled" in entry.delivery_error
    assert "Amelia Ortiz" in entry.delivery_error
    assert "approve it again" in entry.delivery_error
    assert entry.posting_started_at is None
    assert not new_activities().exists()


def test_unmatched_timekeeper_fails_entry(live_firm, synced, timekeeper, new_activities):
    entry = approved_entry(synced, timekeeper)
    timekeeper.email = "someone.else@harborvale.test"
    timekeeper.save(update_fields=["email"])

    deliver_firm(live_firm.pk)

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.FAILED
    assert "No Clio user has your email someone.else@harborvale.test" in entry.delivery_error
    assert not new_activities().exists()


def test_unreachable_clio_keeps_entry_approved_and_requeues(live_firm, synced, timekeeper, clio_settings):
    entry = approved_entry(synced, timekeeper)
    clio_settings.MIRA_SANDBOX_URL = closed_port_url()

    result = tasks.deliver_time_entries.call(firm_id=live_firm.pk)

    entry.refresh_from_db()
    retry = DBTaskResult.objects.get(task_path=tasks.deliver_time_entries.module_path, status=TaskResultStatus.READY)
    assert result == "retry_later"
    assert entry.status == TimeEntry.Status.APPROVED
    assert entry.delivery_error == RETRY_MESSAGE
    # The POST could not even connect, but the mark stays: the next attempt looks in Clio first.
    assert entry.posting_started_at is not None
    assert retry.args_kwargs["kwargs"] == {"firm_id": live_firm.pk, "attempt": 2}
    assert retry.run_after > timezone.now() + timedelta(seconds=50)


def test_revoked_authorization_stops_run_and_keeps_entries(live_firm, synced, timekeeper, new_activities):
    first = approved_entry(synced, timekeeper, narrative="First")
    second = approved_entry(synced, timekeeper, narrative="Second")
    Grant.objects.update(revoked=True)
    AccessToken.objects.update(revoked=True)

    outcome = deliver_firm(live_firm.pk)

    synced.refresh_from_db()
    assert outcome is DeliveryOutcome.NEEDS_ACTION
    assert synced.status == ClioConnection.Status.NEEDS_RECONNECT
    assert "Add to Clio" in synced.last_error
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.status == TimeEntry.Status.APPROVED
        assert entry.posting_started_at is None
    assert not new_activities().exists()
