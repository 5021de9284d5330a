"""The background task that syncs a connection, and how it is queued and retried."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from mira.destinations.lanes import LaneBusy
from mira.destinations.models import ClioConnection
from mira.sync.job import SyncOutcome, run_sync
from mira.sync.pending import is_pending

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_DELAY_SECONDS = 60
MAX_RETRY_DELAY_SECONDS = 30 * 60
# Another job holds the lane (a delivery, usually brief), so waiting a little is enough.
LANE_BUSY_DELAY_SECONDS = 30


@task()
def sync_connection(connection_id: int, trigger: str, attempt: int = 1) -> str:
    """Sync the connection; re-enqueue itself when the lane is busy or Clio should be tried later."""
    try:
        outcome = run_sync(connection_id, trigger)
    except LaneBusy:
        _enqueue_later(connection_id, trigger, attempt, LANE_BUSY_DELAY_SECONDS)
        return "lane_busy"
    except ClioConnection.DoesNotExist:
        logger.info("sync.skipped connection_id=%s reason=connection_deleted", connection_id)
        return SyncOutcome.SKIPPED.value

    if outcome is SyncOutcome.RETRY_LATER:
        _retry(connection_id, trigger, attempt)
    return outcome.value


def retry_delay_seconds(attempt: int) -> int:
    """Return the wait before attempt `attempt + 1`: 1, 2, 4, 8... minutes, at most 30."""
    return min(FIRST_RETRY_DELAY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_DELAY_SECONDS)


def _retry(connection_id: int, trigger: str, attempt: int) -> None:
    if attempt >= MAX_ATTEMPTS:
        logger.warning(
            "sync.retries_exhausted connection_id=%s attempts=%s; the schedule tries again later",
            connection_id, attempt,
        )
        return
    _enqueue_later(connection_id, trigger, attempt + 1, retry_delay_seconds(attempt))


def _enqueue_later(connection_id: int, trigger: str, attempt: int, delay_seconds: int) -> None:
    run_after = timezone.now() + timedelta(seconds=delay_seconds)
    sync_connection.using(run_after=run_after).enqueue(connection_id=connection_id, trigger=trigger, attempt=attempt)
    logger.info(
        "sync.requeued connection_id=%s attempt=%s delay_seconds=%s", connection_id, attempt, delay_seconds
    )


def enqueue_sync(connection: ClioConnection, trigger: str) -> bool:
    """Queue a sync of the connection unless one is already queued or running.

    `trigger` is a SyncRun.Trigger value. Returns True if a sync was queued.
    """
    if is_pending(sync_connection, connection_id=connection.pk):
        logger.info("sync.already_queued firm_id=%s connection_id=%s", connection.firm_id, connection.pk)
        return False

    sync_connection.enqueue(connection_id=connection.pk, trigger=str(trigger))
    logger.info("sync.queued firm_id=%s connection_id=%s trigger=%s", connection.firm_id, connection.pk, trigger)
    return True
