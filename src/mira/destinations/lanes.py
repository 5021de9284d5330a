"""One lane per Clio connection: at most one job talks to Clio for a firm at a time.

The lane is a lease stored on the ClioConnection row (`lane_holder`, `lane_expires_at`). It is taken
by one conditional UPDATE, which the database applies atomically, so it holds across worker processes
on many machines, on SQLite and on PostgreSQL alike. A holder that dies without releasing it loses
the lane when the lease expires; a holder that works longer must call `renew()` between steps.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from mira.destinations.models import ClioConnection

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 600
HOLDER_MAX_LENGTH = 64


class LaneBusy(Exception):
    """Another job holds the connection's lane; try again a little later."""


class LaneLost(Exception):
    """The lease expired and another job took the lane, so this job must stop talking to Clio."""


class Lane:
    """A held lease on one connection's lane."""

    def __init__(self, connection_id: int, holder: str, lease_seconds: int) -> None:
        self.connection_id = connection_id
        self.holder = holder
        self.lease_seconds = lease_seconds
        self.renewed_at = time.monotonic()

    def renew(self) -> None:
        """Extend the lease by `lease_seconds` from now; raise LaneLost if another job took it."""
        expires_at = timezone.now() + timedelta(seconds=self.lease_seconds)
        updated = ClioConnection.objects.filter(pk=self.connection_id, lane_holder=self.holder).update(
            lane_expires_at=expires_at
        )
        if not updated:
            raise LaneLost(
                f"The lane of Clio connection {self.connection_id} is no longer held by {self.holder}; "
                "its lease expired and another job took it."
            )
        self.renewed_at = time.monotonic()

    def renew_if_due(self) -> None:
        """Renew once a third of the lease has passed, so calling it per record costs no query."""
        if time.monotonic() - self.renewed_at >= self.lease_seconds / 3:
            self.renew()

    def release(self) -> None:
        ClioConnection.objects.filter(pk=self.connection_id, lane_holder=self.holder).update(
            lane_holder="", lane_expires_at=None
        )


def try_acquire(connection_id: int, *, holder: str, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> Lane | None:
    """Take the lane if it is free or its lease expired; return None when another job holds it."""
    if not holder or len(holder) > HOLDER_MAX_LENGTH:
        raise ValueError(f"Lane holder {holder!r} must be 1 to {HOLDER_MAX_LENGTH} characters.")

    now = timezone.now()
    taken = (
        ClioConnection.objects.filter(pk=connection_id)
        .filter(Q(lane_holder="") | Q(lane_expires_at__lt=now) | Q(lane_expires_at__isnull=True))
        .update(lane_holder=holder, lane_expires_at=now + timedelta(seconds=lease_seconds))
    )
    if not taken:
        return None
    return Lane(connection_id, holder, lease_seconds)


@contextmanager
def hold_lane(connection_id: int, *, holder: str, lease_seconds: int = DEFAULT_LEASE_SECONDS) -> Iterator[Lane]:
    """Hold the connection's lane for the block, or raise LaneBusy; the lane is released on exit.

    Raises ClioConnection.DoesNotExist when the connection was deleted.
    """
    lane = try_acquire(connection_id, holder=holder, lease_seconds=lease_seconds)
    if lane is None and not ClioConnection.objects.filter(pk=connection_id).exists():
        raise ClioConnection.DoesNotExist(f"Clio connection {connection_id} does not exist.")
    if lane is None:
        raise LaneBusy(f"Clio connection {connection_id} is busy with another job.")

    try:
        yield lane
    finally:
        lane.release()


@contextmanager
def connection_lane(
    connection_id: int, *, holder: str, lease_seconds: int = DEFAULT_LEASE_SECONDS
) -> Iterator[ClioConnection]:
    """Hold the connection's lane for the block and yield the connection, fresh from the database.

    The connection's `lane` attribute is the held Lane, for `connection.lane.renew()`.
    Raises LaneBusy when another job holds the lane, and ClioConnection.DoesNotExist when it is gone.
    """
    with hold_lane(connection_id, holder=holder, lease_seconds=lease_seconds) as lane:
        connection = ClioConnection.objects.get(pk=connection_id)
        connection.lane = lane
        yield connection
