"""How the sync task ends for each failure kind: halt for a person, retry with backoff, or raise."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mira.destinations.models import ClioConnection
from mira.sandbox.models import Grant
from mira.sync import tasks
from mira.sync.models import ClioMatter, SyncRun
from tests.sandbox.helpers import ALL_PERMISSIONS
from tests.sync.support import closed_port_url, connect_firm


def queued_syncs():
    return DBTaskResult.objects.filter(task_path=tasks.sync_connection.module_path, status=TaskResultStatus.READY)


def test_missing_permission_halts_without_retry(clio_settings, sandbox, firm):
    without_matters = {key: level for key, level in ALL_PERMISSIONS.items() if key != "matters"}
    connection = connect_firm(sandbox.base_url, firm, permissions=without_matters)

    result = tasks.sync_connection.call(connection_id=connection.pk, trigger="manual")

    connection.refresh_from_db()
    run = SyncRun.objects.get(connection=connection)
    assert result == "needs_action"
    assert run.status == SyncRun.Status.FAILED
    assert "permission" in connection.last_error
    assert "authorize again" in connection.last_error
    assert run.error == connection.last_error
    assert not queued_syncs().exists()
    assert not ClioMatter.objects.filter(connection=connection).exists()


def test_revoked_grant_halts_without_retry(connection):
    Grant.objects.update(revoked=True)
    ClioConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())

    result = tasks.sync_connection.call(connection_id=connection.pk, trigger="manual")

    connection.refresh_from_db()
    assert result == "needs_action"
    assert connection.status == ClioConnection.Status.NEEDS_RECONNECT
    assert not queued_syncs().exists()


def test_unreachable_clio_requeues_with_backoff(connection, clio_settings):
    clio_settings.MIRA_SANDBOX_URL = closed_port_url()
    before = timezone.now()

    result = tasks.sync_connection.call(connection_id=connection.pk, trigger="schedule", attempt=2)

    retry = queued_syncs().get()
    assert result == "retry_later"
    assert retry.args_kwargs["kwargs"] == {"connection_id": connection.pk, "trigger": "schedule", "attempt": 3}
    # Attempt 2 failed, so the wait is the second step of the backoff: 2 minutes.
    assert before + timedelta(seconds=119) <= retry.run_after <= timezone.now() + timedelta(seconds=121)
    assert SyncRun.objects.get(connection=connection).status == SyncRun.Status.FAILED


def test_unreachable_clio_stops_after_max_attempts(connection, clio_settings):
    clio_settings.MIRA_SANDBOX_URL = closed_port_url()

    result = tasks.sync_connection.call(connection_id=connection.pk, trigger="schedule", attempt=tasks.MAX_ATTEMPTS)

    assert result == "retry_later"
    assert not queued_syncs().exists()


def test_retry_delays_grow_and_cap():
    delays = [tasks.retry_delay_seconds(attempt) for attempt in range(1, 8)]

    assert delays == [60, 120, 240, 480, 960, 1800, 1800]


def test_bug_fails_task_loudly(connection):
    ClioConnection.objects.filter(pk=connection.pk).update(matter_statuses=["Archived"])

    with pytest.raises(ValueError):
        tasks.sync_connection.call(connection_id=connection.pk, trigger="manual")

    assert not queued_syncs().exists()
    assert SyncRun.objects.get(connection=connection).status == SyncRun.Status.FAILED
