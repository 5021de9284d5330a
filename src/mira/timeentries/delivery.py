"""Deliver a firm's approved time entries to Clio without posting any entry twice.

Runs inside the connection's lane, oldest entry first. Before each POST the entry's
`posting_started_at` is saved. If the outcome of that POST is never learned (a timeout, a crash), the
next run sees the mark and first looks in Clio for an activity created since then with the same
user, matter, date, quantity and note, and records that one instead of posting again.
"""

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.db.models import F
from django.utils import timezone

from mira.accounts.models import Firm
from mira.clio import ClioClient, ClioError, ClioOutcomeUnknownError, ClioRequestError, build_http_client
from mira.destinations.lanes import Lane, hold_lane
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import open_clio_client
from mira.sync.failures import FailureKind, classify, record_must_act
from mira.timeentries.clio_users import match_clio_user
from mira.timeentries.models import TimeEntry
from mira.timeentries.rejections import rejection_message

logger = logging.getLogger(__name__)

# Clio stamps created_at with its own clock; the margin covers skew between it and MIRA's.
RECONCILE_MARGIN = timedelta(minutes=5)

RETRY_MESSAGE = "Clio did not answer; MIRA will try again automatically."


class DeliveryOutcome(enum.Enum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"
    NEEDS_ACTION = "needs_action"
    RETRY_LATER = "retry_later"


class StopDelivery(Exception):
    """Ends the run early: Clio must be tried later, or a person must act on the connection."""

    def __init__(self, outcome: DeliveryOutcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


@dataclass
class DeliveryCounts:
    posted: int = 0
    reconciled: int = 0
    failed: int = 0


def deliver_firm(firm_id: int, *, http: httpx.Client | None = None, client_options: dict | None = None) -> DeliveryOutcome:
    """Post the firm's approved entries to Clio, if the firm is live and its connection connected.

    Raises LaneBusy when another job holds the lane, and re-raises failures of kind BUG.
    """
    firm = Firm.objects.get(pk=firm_id)
    connection = ClioConnection.objects.filter(firm=firm).first()
    if not firm.is_live or connection is None:
        logger.info("delivery.skipped firm_id=%s reason=%s", firm_id, "not_live" if not firm.is_live else "no_connection")
        return DeliveryOutcome.SKIPPED

    holder = f"delivery:{uuid.uuid4().hex[:24]}"
    with hold_lane(connection.pk, holder=holder) as lane:
        connection = ClioConnection.objects.get(pk=connection.pk)
        if connection.status != ClioConnection.Status.CONNECTED:
            logger.info("delivery.skipped firm_id=%s connection_id=%s status=%s", firm_id, connection.pk, connection.status)
            return DeliveryOutcome.SKIPPED

        if http is not None:
            client = open_clio_client(connection, http=http, **(client_options or {}))
            return _deliver_approved(client, connection, lane)

        # The run owns the HTTP client it makes, so it closes it (and its pooled sockets) at the end.
        with build_http_client() as own_http:
            client = open_clio_client(connection, http=own_http, **(client_options or {}))
            return _deliver_approved(client, connection, lane)


def _deliver_approved(client: ClioClient, connection: ClioConnection, lane: Lane) -> DeliveryOutcome:
    entries = (
        TimeEntry.objects.filter(firm_id=connection.firm_id, status=TimeEntry.Status.APPROVED)
        .select_related("timekeeper", "matter", "activity_description")
        .order_by("approved_at", "created_at", "pk")
    )
    counts = DeliveryCounts()
    outcome = DeliveryOutcome.DELIVERED

    for entry in entries:
        lane.renew()
        try:
            _deliver_entry(client, connection, entry, counts)
        except StopDelivery as stop:
            outcome = stop.outcome
            break

    logger.info(
        "delivery.finished firm_id=%s connection_id=%s outcome=%s posted=%s reconciled=%s failed=%s",
        connection.firm_id, connection.pk, outcome.value, counts.posted, counts.reconciled, counts.failed,
    )
    return outcome


def _deliver_entry(client: ClioClient, connection: ClioConnection, entry: TimeEntry, counts: DeliveryCounts) -> None:
    match = match_clio_user(entry.timekeeper, connection)
    if not match.can_post:
        _mark_failed(connection, entry, match.problem)
        counts.failed += 1
        return

    user_id = match.clio_user.clio_id
    try:
        if entry.posting_started_at and _reconcile(client, connection, entry, user_id):
            counts.reconciled += 1
            return
        if not _claim_for_posting(entry):
            return
        created = client.create_time_entry(
            user_id=user_id,
            matter_id=entry.matter.clio_id,
            date=entry.date,
            quantity_seconds=entry.duration_seconds,
            note=entry.narrative,
            activity_description_id=entry.activity_description.clio_id if entry.activity_description else None,
        )
    except Exception as error:
        _handle_error(client, connection, entry, user_id, error, counts)
        return

    _mark_posted(connection, entry, int(created["id"]), log_event="posted")
    counts.posted += 1


def _reconcile(client: ClioClient, connection: ClioConnection, entry: TimeEntry, user_id: int) -> bool:
    """Look in Clio for this entry from an earlier attempt; record it as posted if it is there."""
    found = client.find_time_entries(
        user_id=user_id,
        matter_id=entry.matter.clio_id,
        date=entry.date,
        created_since=entry.posting_started_at - RECONCILE_MARGIN,
    )
    already_recorded = set(
        TimeEntry.objects.filter(clio_activity_id__in=[int(record["id"]) for record in found])
        .values_list("clio_activity_id", flat=True)
    )

    for record in found:
        if int(record["id"]) in already_recorded:
            continue
        if _same_entry(record, entry):
            _mark_posted(connection, entry, int(record["id"]), log_event="reconciled")
            return True

    logger.info(
        "delivery.reconcile_not_found firm_id=%s connection_id=%s entry_id=%s candidates=%s",
        connection.firm_id, connection.pk, entry.pk, len(found),
    )
    return False


def _same_entry(record: dict, entry: TimeEntry) -> bool:
    try:
        quantity = round(float(record.get("quantity")))
    except (TypeError, ValueError):
        return False
    return quantity == entry.duration_seconds and (record.get("note") or "") == entry.narrative


def _claim_for_posting(entry: TimeEntry) -> bool:
    """Save posting_started_at before the POST; False if the entry left `approved` meanwhile."""
    now = timezone.now()
    claimed = TimeEntry.objects.filter(pk=entry.pk, status=TimeEntry.Status.APPROVED).update(
        posting_started_at=now, delivery_attempts=F("delivery_attempts") + 1, updated_at=now
    )
    entry.posting_started_at = now
    return bool(claimed)


def _mark_posted(connection: ClioConnection, entry: TimeEntry, clio_activity_id: int, *, log_event: str) -> None:
    entry.status = TimeEntry.Status.POSTED
    entry.posted_at = timezone.now()
    entry.clio_activity_id = clio_activity_id
    entry.posting_started_at = None
    entry.delivery_error = ""
    entry.save(update_fields=["status", "posted_at", "clio_activity_id", "posting_started_at", "delivery_error", "updated_at"])

    logger.info(
        "delivery.%s firm_id=%s connection_id=%s entry_id=%s clio_activity_id=%s",
        log_event, connection.firm_id, connection.pk, entry.pk, clio_activity_id,
    )


def _mark_failed(connection: ClioConnection, entry: TimeEntry, message: str) -> None:
    entry.status = TimeEntry.Status.FAILED
    entry.delivery_error = message
    entry.posting_started_at = None
    entry.save(update_fields=["status", "delivery_error", "posting_started_at", "updated_at"])
    logger.warning(
        "delivery.rejected firm_id=%s connection_id=%s entry_id=%s", connection.firm_id, connection.pk, entry.pk
    )


def _handle_error(
    client: ClioClient,
    connection: ClioConnection,
    entry: TimeEntry,
    user_id: int,
    error: Exception,
    counts: DeliveryCounts,
) -> None:
    """Sort a failed post: reject the entry, or stop the run to retry or to wait for a person."""
    kind = classify(error)

    if isinstance(error, ClioRequestError) or (isinstance(error, ClioError) and kind is FailureKind.BUG):
        # Clio refused this one entry (422, or a 404 on its matter); the others can still go.
        _mark_failed(connection, entry, rejection_message(client, connection, entry, user_id, error))
        counts.failed += 1
        return

    if kind is FailureKind.RETRY_LATER:
        # posting_started_at stays, so an unknown outcome is reconciled before any second POST.
        entry.delivery_error = RETRY_MESSAGE
        entry.save(update_fields=["delivery_error", "updated_at"])
        logger.warning(
            "delivery.retry_later firm_id=%s connection_id=%s entry_id=%s outcome_unknown=%s error=%s",
            connection.firm_id, connection.pk, entry.pk, isinstance(error, ClioOutcomeUnknownError), error,
        )
        raise StopDelivery(DeliveryOutcome.RETRY_LATER) from error

    if kind is FailureKind.MUST_ACT:
        # Clio refused the request itself, so nothing was created and the mark can go.
        TimeEntry.objects.filter(pk=entry.pk).update(posting_started_at=None)
        record_must_act(connection, error)
        logger.warning(
            "delivery.needs_action firm_id=%s connection_id=%s entry_id=%s error=%s",
            connection.firm_id, connection.pk, entry.pk, error,
        )
        raise StopDelivery(DeliveryOutcome.NEEDS_ACTION) from error

    raise error
