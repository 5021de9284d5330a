"""The scheduler loop that `mira worker` and `mira demo` run beside the task workers.

Each tick queues a scheduled sync for every connected connection whose last sync started more than
MIRA_SYNC_INTERVAL_MINUTES ago, and a delivery for every live firm with approved entries waiting.
Jobs already queued or running are not queued again.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Max
from django.utils import timezone

from mira.accounts.models import Firm
from mira.destinations.models import ClioConnection
from mira.sync.models import SyncRun
from mira.sync.tasks import enqueue_sync
from mira.timeentries.models import TimeEntry
from mira.timeentries.tasks import enqueue_delivery

logger = logging.getLogger(__name__)


def tick() -> dict[str, int]:
    """Queue the syncs and deliveries that are due; return how many of each were queued."""
    return {"syncs": _queue_due_syncs(), "deliveries": _queue_due_deliveries()}


def _queue_due_syncs() -> int:
    due_before = timezone.now() - timedelta(minutes=settings.MIRA_SYNC_INTERVAL_MINUTES)
    connections = (
        ClioConnection.objects.filter(status=ClioConnection.Status.CONNECTED)
        .exclude(access_token="")
        .annotate(last_sync_started_at=Max("sync_runs__started_at"))
    )

    queued = 0
    for connection in connections:
        if connection.last_sync_started_at and connection.last_sync_started_at > due_before:
            continue
        if enqueue_sync(connection, SyncRun.Trigger.SCHEDULE):
            queued += 1
    return queued


def _queue_due_deliveries() -> int:
    firms = Firm.objects.filter(
        live_at__isnull=False,
        clio_connection__status=ClioConnection.Status.CONNECTED,
        time_entries__status=TimeEntry.Status.APPROVED,
    ).distinct()

    queued = 0
    for firm in firms:
        if enqueue_delivery(firm):
            queued += 1
    return queued


def run_scheduler(stop_event: threading.Event, interval_seconds: float = 30) -> None:
    """Call tick() every `interval_seconds` until `stop_event` is set; a failed tick is logged and skipped."""
    logger.info("scheduler.started interval_seconds=%s", interval_seconds)

    while not stop_event.is_set():
        # The loop outlives any request, so it drops database connections the server has closed.
        close_old_connections()
        try:
            queued = tick()
        except Exception:
            logger.exception("scheduler.tick_failed; trying again in %s seconds", interval_seconds)
        else:
            if queued["syncs"] or queued["deliveries"]:
                logger.info("scheduler.tick queued_syncs=%s queued_deliveries=%s", queued["syncs"], queued["deliveries"])
        stop_event.wait(interval_seconds)

    close_old_connections()
    logger.info("scheduler.stopped")
