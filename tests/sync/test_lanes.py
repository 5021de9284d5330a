"""The connection lane: one job at a time per connection, with a lease that expires and renews."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mira.destinations.lanes import LaneBusy, LaneLost, connection_lane, hold_lane, try_acquire
from mira.destinations.models import ClioConnection
from mira.sync import tasks
from mira.sync.models import SyncRun


@pytest.fixture
def bare_connection(firm):
    return ClioConnection.objects.create(firm=firm, region="us", client_id="app-key", client_secret="app-secret")


def test_lane_excludes_second_holder(bare_connection):
    with connection_lane(bare_connection.pk, holder="first") as held:
        assert held.pk == bare_connection.pk
        assert held.lane_holder == "first"
        with pytest.raises(LaneBusy):
            with connection_lane(bare_connection.pk, holder="second"):
                pass

    with connection_lane(bare_connection.pk, holder="second") as held:
        assert held.lane_holder == "second"


def test_lane_released_after_exception(bare_connection):
    with pytest.raises(RuntimeError):
        with hold_lane(bare_connection.pk, holder="crashing"):
            raise RuntimeError("job failed")

    bare_connection.refresh_from_db()
    assert bare_connection.lane_holder == ""
    assert bare_connection.lane_expires_at is None


def test_expired_lease_can_be_taken(bare_connection):
    ClioConnection.objects.filter(pk=bare_connection.pk).update(
        lane_holder="dead-worker", lane_expires_at=timezone.now() - timedelta(seconds=1)
    )

    lane = try_acquire(bare_connection.pk, holder="new-worker")

    assert lane is not None
    assert ClioConnection.objects.get(pk=bare_connection.pk).lane_holder == "new-worker"


def test_renew_extends_lease(bare_connection):
    lane = try_acquire(bare_connection.pk, holder="worker", lease_seconds=60)
    ClioConnection.objects.filter(pk=bare_connection.pk).update(lane_expires_at=timezone.now() + timedelta(seconds=5))

    lane.renew()

    expires_at = ClioConnection.objects.get(pk=bare_connection.pk).lane_expires_at
    assert expires_at > timezone.now() + timedelta(seconds=55)


def test_renew_after_takeover_raises_lane_lost(bare_connection):
    lane = try_acquire(bare_connection.pk, holder="slow-worker", lease_seconds=60)
    ClioConnection.objects.filter(pk=bare_connection.pk).update(lane_expires_at=timezone.now() - timedelta(seconds=1))
    assert try_acquire(bare_connection.pk, holder="other-worker") is not None

    with pytest.raises(LaneLost):
        lane.renew()

    # Releasing a lane it no longer holds leaves the new holder's lease alone.
    lane.release()
    assert ClioConnection.objects.get(pk=bare_connection.pk).lane_holder == "other-worker"


def test_lane_of_missing_connection_raises_does_not_exist(transactional_db):
    with pytest.raises(ClioConnection.DoesNotExist):
        with hold_lane(987654, holder="worker"):
            pass


def test_sync_task_requeues_when_lane_busy(connection):
    with hold_lane(connection.pk, holder="delivery-job"):
        result = tasks.sync_connection.call(connection_id=connection.pk, trigger="manual")

    queued = DBTaskResult.objects.get(task_path=tasks.sync_connection.module_path, status=TaskResultStatus.READY)
    assert result == "lane_busy"
    assert not SyncRun.objects.filter(connection=connection).exists()
    assert queued.args_kwargs["kwargs"] == {"connection_id": connection.pk, "trigger": "manual", "attempt": 1}
    assert queued.run_after > timezone.now() + timedelta(seconds=20)


def test_enqueued_sync_runs_in_db_worker(connection):
    assert tasks.enqueue_sync(connection, SyncRun.Trigger.CONNECTED) is True
    assert tasks.enqueue_sync(connection, SyncRun.Trigger.MANUAL) is False

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    run = SyncRun.objects.get(connection=connection)
    result = DBTaskResult.objects.get(task_path=tasks.sync_connection.module_path)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.trigger == SyncRun.Trigger.CONNECTED
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "succeeded"
    assert ClioConnection.objects.get(pk=connection.pk).lane_holder == ""


def test_full_save_keeps_held_lane(bare_connection):
    stale_copy = ClioConnection.objects.get(pk=bare_connection.pk)
    lane = try_acquire(bare_connection.pk, holder="sync:held")
    assert lane is not None

    stale_copy.app_name = "MIRALink EU"
    stale_copy.save()

    stored = ClioConnection.objects.get(pk=bare_connection.pk)
    assert stored.app_name == "MIRALink EU"
    assert stored.lane_holder == "sync:held"
    assert try_acquire(bare_connection.pk, holder="sync:second") is None
    lane.release()
