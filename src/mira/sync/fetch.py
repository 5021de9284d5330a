"""The fetch step of a sync: read everything the mirror needs from Clio, to the last page.

Nothing here writes to the mirror. Any error raised while fetching aborts the sync before the apply
step, so a partial fetch can never delete, deactivate or mark anything unavailable.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mira.clio import ClioClient
from mira.destinations.lanes import Lane
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioMatter


@dataclass
class Snapshot:
    """Everything one sync read from Clio, keyed by Clio id."""

    users: dict[int, dict] = field(default_factory=dict)
    matters: dict[int, dict] = field(default_factory=dict)
    contacts: dict[int, dict] = field(default_factory=dict)
    activity_descriptions: dict[int, dict] = field(default_factory=dict)
    # Mirrored matters no longer listed with a chosen status, as Clio returns them when asked by id.
    # A mirrored matter missing from both is gone from Clio (or hidden from the authorizing user).
    departed_matters: dict[int, dict] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "users": len(self.users),
            "matters": len(self.matters),
            "contacts": len(self.contacts),
            "activity_descriptions": len(self.activity_descriptions),
        }


def fetch_snapshot(client: ClioClient, connection: ClioConnection, lane: Lane) -> Snapshot:
    """Read users, matters in the chosen statuses, their clients and activity descriptions."""
    snapshot = Snapshot()

    snapshot.users = _collect(client.iter_users(), lane)
    snapshot.matters = _collect(client.iter_matters(list(connection.matter_statuses)), lane)

    # Only the matters' clients are fetched, by id, because MIRA shows a contact only as a matter's
    # client. A firm's whole contact list (opposing parties, witnesses, vendors) is usually far
    # longer, and paging through it would spend requests from the rate limit for nothing.
    client_ids = sorted({_client_id(matter) for matter in snapshot.matters.values()} - {None})
    if client_ids:
        snapshot.contacts = _collect(client.iter_contacts(ids=client_ids), lane)

    snapshot.activity_descriptions = _collect(client.iter_activity_descriptions(), lane)

    departed_ids = sorted(_mirrored_matter_ids(connection) - set(snapshot.matters))
    if departed_ids:
        snapshot.departed_matters = _collect(client.iter_matters_by_ids(departed_ids), lane)

    return snapshot


def _collect(records: Iterable[dict], lane: Lane) -> dict[int, dict]:
    collected = {}
    for record in _renewing(records, lane):
        collected[int(record["id"])] = record
    return collected


def _renewing(records: Iterable[dict], lane: Lane) -> Iterator[dict]:
    # The client pages lazily, so renewing between records keeps the lease alive across pages.
    for record in records:
        lane.renew_if_due()
        yield record


def _client_id(matter: dict) -> int | None:
    client = matter.get("client") or {}
    client_id = client.get("id")
    return int(client_id) if client_id is not None else None


def _mirrored_matter_ids(connection: ClioConnection) -> set[int]:
    # Matters already unavailable were looked up when they left; asking again every sync costs calls.
    matters = ClioMatter.objects.filter(connection=connection, available=True)
    return set(matters.values_list("clio_id", flat=True))
