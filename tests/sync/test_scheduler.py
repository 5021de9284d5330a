"""The scheduler tick: which syncs and deliveries it queues, and which it leaves alone."""

import threading
import time
from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mira.accounts.models import Firm, User
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioMatter, SyncRun
from mira.sync.scheduler import run_scheduler, tick
from mira.sync.status import connection_summary
from mira.sync.tasks import sync_connection
from mira.timeentries.models import TimeEntry
from mira.timeentries.tasks import deliver_time_entries


def make_connection(firm, status=ClioConnection.Status.CONNECTED):
    return ClioConnection.objects.create(
        firm=firm, region="us", client_id="app-key", client_secret="app-secret",
        access_token="access" if status == ClioConnection.Status.CONNECTED else "", status=status,
        matter_statuses=["Open"],
    )


def make_approved_entry(firm, connection):
    user = User.objects.create_user(f"tk{firm.pk}@example.test", "a-long-password", firm=firm)
    matter = ClioMatter.objects.create(connection=connection, clio_id=1, display_number="00001", status="Open", synced_at=timezone.now())
    return TimeEntry.objects.create(
        firm=firm, timekeeper=user, matter=matter, date=timezone.localdate(), duration_seconds=60,
        narrative="Work", status=TimeEntry.Status.APPROVED, approved_at=timezone.now(),
    )


def queued(task):
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)


def test_tick_queues_sync_for_never_synced_connection(transactional_db):
    connection = make_connection(Firm.objects.create(name="A"))

    assert tick()["syncs"] == 1
    assert queued(sync_connection).get().args_kwargs["kwargs"] == {"connection_id": connection.pk, "trigger": "schedule"}


def test_tick_does_not_queue_twice(transactional_db):
    make_connection(Firm.objects.create(name="A"))

    tick()
    assert tick()["syncs"] == 0
    assert queued(sync_connection).count() == 1


def test_tick_skips_recent_and_unconnected(transactional_db, settings):
    settings.MIRA_SYNC_INTERVAL_MINUTES = 60
    recent = make_connection(Firm.objects.create(name="Recent"))
    SyncRun.objects.create(connection=recent, trigger=SyncRun.Trigger.MANUAL, status=SyncRun.Status.SUCCEEDED)
    make_connection(Firm.objects.create(name="Needs reconnect"), status=ClioConnection.Status.NEEDS_RECONNECT)
    make_connection(Firm.objects.create(name="Configured"), status=ClioConnection.Status.CONFIGURED)

    assert tick()["syncs"] == 0


def test_tick_queues_sync_after_interval(transactional_db, settings):
    settings.MIRA_SYNC_INTERVAL_MINUTES = 60
    connection = make_connection(Firm.objects.create(name="Stale"))
    run = SyncRun.objects.create(connection=connection, trigger=SyncRun.Trigger.MANUAL, status=SyncRun.Status.SUCCEEDED)
    SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=61))

    assert tick()["syncs"] == 1


def test_tick_queues_delivery_only_for_live_firms(transactional_db):
    live = Firm.objects.create(name="Live", live_at=timezone.now())
    waiting = Firm.objects.create(name="Not live")
    make_approved_entry(live, make_connection(live))
    make_approved_entry(waiting, make_connection(waiting))

    assert tick()["deliveries"] == 1
    assert queued(deliver_time_entries).get().args_kwargs["kwargs"] == {"firm_id": live.pk}
    assert tick()["deliveries"] == 0


def test_run_scheduler_ticks_until_stopped(transactional_db):
    make_connection(Firm.objects.create(name="A"))
    stop = threading.Event()
    loop = threading.Thread(target=run_scheduler, args=(stop,), kwargs={"interval_seconds": 0.05})

    loop.start()
    deadline = time.monotonic() + 10
    while not queued(sync_connection).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    loop.join(timeout=5)

    assert not loop.is_alive()
    assert queued(sync_connection).count() == 1


def test_connection_summary_counts_available_matters(transactional_db):
    connection = make_connection(Firm.objects.create(name="A"))
    now = timezone.now()
    ClioMatter.objects.create(connection=connection, clio_id=1, display_number="1", status="Open", synced_at=now)
    ClioMatter.objects.create(connection=connection, clio_id=2, display_number="2", status="Closed", synced_at=now, available=False)
    run = SyncRun.objects.create(connection=connection, trigger=SyncRun.Trigger.MANUAL)

    summary = connection_summary(connection)

    assert summary["last_sync"] == run
    assert summary["counts"] == {"users": 0, "matters": 1, "contacts": 0, "activity_descriptions": 0}
