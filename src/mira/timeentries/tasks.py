"""The background task that delivers a firm's approved time entries to Clio."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from mira.accounts.models import Firm
from mira.destinations.lanes import LaneBusy
from mira.sync.pending import is_pending
from mira.sync.tasks import LANE_BUSY_DELAY_SECONDS, retry_delay_seconds
from mira.timeentries.delivery import DeliveryOutcome, deliver_firm

logger = logging.getLogger(__name__)

# After the last attempt the scheduler queues a fresh delivery while approved entries wait.
MAX_ATTEMPTS = 6


@task()
def deliver_time_entries(firm_id: int, attempt: int = 1) -> str:
    """Deliver the firm's approved entries; re-enqueue itself when the lane is busy or Clio must be retried."""
    try:
        outcome = deliver_firm(firm_id)
    except LaneBusy:
        _enqueue_later(firm_id, attempt, LANE_BUSY_DELAY_SECONDS)
        return "lane_busy"
    except Firm.DoesNotExist:
        logger.info("delivery.skipped firm_id=%s reason=firm_deleted", firm_id)
        return DeliveryOutcome.SKIPPED.value

    if outcome is DeliveryOutcome.RETRY_LATER:
        _retry(firm_id, attempt)
    return outcome.value


def _retry(firm_id: int, attempt: int) -> None:
    if attempt >= MAX_ATTEMPTS:
        logger.warning("delivery.retries_exhausted firm_id=%s attempts=%s; the scheduler queues it again", firm_id, attempt)
        return
    _enqueue_later(firm_id, attempt + 1, retry_delay_seconds(attempt))


def _enqueue_later(firm_id: int, attempt: int, delay_seconds: int) -> None:
    run_after = timezone.now() + timedelta(seconds=delay_seconds)
    deliver_time_entries.using(run_after=run_after).enqueue(firm_id=firm_id, attempt=attempt)
    logger.info("delivery.requeued firm_id=%s attempt=%s delay_seconds=%s", firm_id, attempt, delay_seconds)


def enqueue_delivery(firm: Firm) -> bool:
    """Queue a delivery for the firm unless one is already queued or running. Returns True if queued."""
    if is_pending(deliver_time_entries, firm_id=firm.pk):
        return False

    deliver_time_entries.enqueue(firm_id=firm.pk)
    logger.info("delivery.queued firm_id=%s", firm.pk)
    return True
