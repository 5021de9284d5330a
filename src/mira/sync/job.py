"""One sync of a Clio connection into MIRA's mirror.

The job has one shape: take the connection's lane, open the client, fetch everything to the last
page, and only after a complete fetch diff and apply. Every run is stamped as a SyncRun and logged as
one summary line. How a failure ends depends on its kind (see mira.sync.failures): a person must act
-> the error is recorded on the connection and the job halts; retry later -> the run fails and the
caller re-enqueues with backoff; a bug -> the run fails and the exception propagates.
"""

import enum
import logging
import uuid

import httpx
from django.utils import timezone

from mira.clio import build_http_client
from mira.destinations.lanes import Lane, hold_lane
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import open_clio_client
from mira.sync.apply import ApplyResult, apply_snapshot
from mira.sync.failures import FailureKind, classify, record_must_act, user_message
from mira.sync.fetch import fetch_snapshot
from mira.sync.models import SyncRun

logger = logging.getLogger(__name__)


class SyncOutcome(enum.Enum):
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    NEEDS_ACTION = "needs_action"
    RETRY_LATER = "retry_later"


def run_sync(
    connection_id: int, trigger: str, *, http: httpx.Client | None = None, client_options: dict | None = None
) -> SyncOutcome:
    """Sync one connection inside its lane.

    `http` and `client_options` go to open_clio_client (tests use them to disable in-process retries).
    Raises LaneBusy when another job holds the lane, and re-raises any failure of kind BUG.
    """
    holder = f"sync:{uuid.uuid4().hex[:24]}"
    with hold_lane(connection_id, holder=holder) as lane:
        connection = ClioConnection.objects.select_related("firm").get(pk=connection_id)

        if connection.status != ClioConnection.Status.CONNECTED:
            logger.info(
                "sync.skipped firm_id=%s connection_id=%s status=%s",
                connection.firm_id, connection.pk, connection.status,
            )
            return SyncOutcome.SKIPPED

        _close_interrupted_runs(connection)
        run = SyncRun.objects.create(connection=connection, trigger=trigger)
        return _run_in_lane(connection, run, lane, http, client_options or {})


def _close_interrupted_runs(connection: ClioConnection) -> None:
    """Mark runs still "running" as failed: holding the lane proves no other sync is running them."""
    interrupted = SyncRun.objects.filter(connection=connection, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error="This sync stopped before it finished (its worker was stopped). A later sync replaced it.",
    )
    if interrupted:
        logger.warning(
            "sync.interrupted_runs_closed firm_id=%s connection_id=%s count=%s",
            connection.firm_id, connection.pk, interrupted,
        )


def _run_in_lane(
    connection: ClioConnection, run: SyncRun, lane: Lane, http: httpx.Client | None, client_options: dict
) -> SyncOutcome:
    own_http = http is None
    http = http or build_http_client()
    try:
        client = open_clio_client(connection, http=http, **client_options)
        snapshot = fetch_snapshot(client, connection, lane)
        lane.renew()
        result = apply_snapshot(connection, snapshot, synced_at=timezone.now())
    except Exception as error:
        return _fail(connection, run, error)
    finally:
        if own_http:
            http.close()

    run.status = SyncRun.Status.SUCCEEDED
    run.counts = snapshot.counts()
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "finished_at"])

    _log_summary(connection, run, result)
    return SyncOutcome.SUCCEEDED


def _fail(connection: ClioConnection, run: SyncRun, error: Exception) -> SyncOutcome:
    kind = classify(error)
    message = user_message(error)

    run.status = SyncRun.Status.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])

    logger.warning(
        "sync.failed firm_id=%s connection_id=%s sync_run_id=%s kind=%s error=%s",
        connection.firm_id, connection.pk, run.pk, kind.value, error,
    )

    if kind is FailureKind.MUST_ACT:
        record_must_act(connection, error)
        return SyncOutcome.NEEDS_ACTION
    if kind is FailureKind.RETRY_LATER:
        return SyncOutcome.RETRY_LATER
    raise error


def _log_summary(connection: ClioConnection, run: SyncRun, result: ApplyResult) -> None:
    counts = " ".join(f"{kind}={count}" for kind, count in run.counts.items())
    created = " ".join(f"{kind}={count}" for kind, count in result.created.items())
    updated = " ".join(f"{kind}={count}" for kind, count in result.updated.items())
    retired = " ".join(f"{kind}={count}" for kind, count in result.retired.items())
    logger.info(
        "sync.succeeded firm_id=%s connection_id=%s sync_run_id=%s trigger=%s seen: %s | created: %s | "
        "updated: %s | retired: %s",
        connection.firm_id, connection.pk, run.pk, run.trigger, counts, created, updated, retired,
    )
