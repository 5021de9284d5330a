"""The apply step of a sync: diff a complete Snapshot against the mirror as sets of Clio ids, then write.

Runs in one transaction, in batches. Records are never deleted: a user missing from Clio's list is
disabled, and a matter or activity description that left is marked unavailable, so time entries
already made on them keep their references.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models, transaction

from mira.destinations.models import ClioConnection
from mira.sync import records
from mira.sync.fetch import Snapshot
from mira.sync.models import ClioActivityDescription, ClioContact, ClioMatter, ClioUser

BATCH_SIZE = 500


@dataclass
class ApplyResult:
    """How many mirror rows each kind gained, changed, and lost from use, keyed by kind."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)


def apply_snapshot(connection: ClioConnection, snapshot: Snapshot, *, synced_at: datetime) -> ApplyResult:
    """Bring the mirror of `connection` in line with a complete snapshot."""
    result = ApplyResult()

    with transaction.atomic():
        _apply_kind(result, "users", ClioUser, connection, snapshot.users, records.user_fields, synced_at)
        result.retired["users"] = _disable_missing_users(connection, snapshot.users.keys())

        _apply_kind(result, "contacts", ClioContact, connection, snapshot.contacts, records.contact_fields, synced_at)

        contact_pks = _contact_pks(connection)
        to_matter = lambda record: _matter_row(record, contact_pks, available=True)  # noqa: E731
        _apply_kind(result, "matters", ClioMatter, connection, snapshot.matters, to_matter, synced_at)
        result.retired["matters"] = _retire_departed_matters(connection, snapshot, contact_pks, synced_at)

        to_description = lambda record: {**records.activity_description_fields(record), "available": True}  # noqa: E731
        _apply_kind(
            result, "activity_descriptions", ClioActivityDescription, connection,
            snapshot.activity_descriptions, to_description, synced_at,
        )
        result.retired["activity_descriptions"] = _retire_missing(
            ClioActivityDescription, connection, snapshot.activity_descriptions.keys()
        )

    return result


def _apply_kind(
    result: ApplyResult,
    kind: str,
    model: type[models.Model],
    connection: ClioConnection,
    fetched: dict[int, dict],
    to_fields: Callable[[dict], dict],
    synced_at: datetime,
) -> None:
    existing = {row.clio_id: row for row in model.objects.filter(connection=connection)}

    new_ids = fetched.keys() - existing.keys()
    new_rows = [
        model(connection=connection, clio_id=clio_id, synced_at=synced_at, **to_fields(fetched[clio_id]))
        for clio_id in sorted(new_ids)
    ]
    model.objects.bulk_create(new_rows, batch_size=BATCH_SIZE)

    changed_rows, changed_fields = _changed_rows(existing, fetched, to_fields)
    if changed_rows:
        model.objects.bulk_update(changed_rows, sorted(changed_fields), batch_size=BATCH_SIZE)

    _stamp_seen(model, connection, fetched.keys() & existing.keys(), synced_at)

    result.created[kind] = len(new_rows)
    result.updated[kind] = len(changed_rows)


def _changed_rows(
    existing: dict[int, models.Model], fetched: dict[int, dict], to_fields: Callable[[dict], dict]
) -> tuple[list[models.Model], set[str]]:
    changed_rows = []
    changed_fields: set[str] = set()

    for clio_id in sorted(fetched.keys() & existing.keys()):
        row = existing[clio_id]
        differing = {name: value for name, value in to_fields(fetched[clio_id]).items() if getattr(row, name) != value}
        if not differing:
            continue
        for name, value in differing.items():
            setattr(row, name, value)
        changed_rows.append(row)
        changed_fields.update(differing)

    return changed_rows, changed_fields


def _stamp_seen(model: type[models.Model], connection: ClioConnection, clio_ids: Iterable[int], synced_at: datetime) -> None:
    ids = sorted(clio_ids)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        model.objects.filter(connection=connection, clio_id__in=batch).update(synced_at=synced_at)


def _contact_pks(connection: ClioConnection) -> dict[int, int]:
    return dict(ClioContact.objects.filter(connection=connection).values_list("clio_id", "pk"))


def _matter_row(record: dict, contact_pks: dict[int, int], *, available: bool) -> dict:
    fields = records.matter_fields(record)
    client_clio_id = fields.pop("client_clio_id")
    fields["client_id"] = contact_pks.get(int(client_clio_id)) if client_clio_id is not None else None
    fields["available"] = available
    return fields


def _disable_missing_users(connection: ClioConnection, seen_ids: Iterable[int]) -> int:
    # Clio lists disabled users too, so a user missing from a complete list was removed from the
    # account. Entries can no longer be posted as them.
    enabled = ClioUser.objects.filter(connection=connection, enabled=True)
    return _update_missing(enabled, seen_ids, enabled=False)


def _retire_missing(model: type[models.Model], connection: ClioConnection, seen_ids: Iterable[int]) -> int:
    available = model.objects.filter(connection=connection, available=True)
    return _update_missing(available, seen_ids, available=False)


def _update_missing(queryset: models.QuerySet, seen_ids: Iterable[int], **changes) -> int:
    # The difference is taken in Python and written by primary key in batches, because a NOT IN
    # list of every id Clio returned can exceed SQLite's limit on query parameters.
    seen = set(seen_ids)
    missing_pks = [pk for pk, clio_id in queryset.values_list("pk", "clio_id") if clio_id not in seen]

    for start in range(0, len(missing_pks), BATCH_SIZE):
        batch = missing_pks[start : start + BATCH_SIZE]
        queryset.model.objects.filter(pk__in=batch).update(**changes)
    return len(missing_pks)


def _retire_departed_matters(
    connection: ClioConnection, snapshot: Snapshot, contact_pks: dict[int, int], synced_at: datetime
) -> int:
    """Mark unavailable every mirrored matter no longer listed with a chosen status.

    A matter Clio still returned by id gets its new status (say Closed). The others keep their last
    known fields, because Clio no longer shows them at all.
    """
    available = ClioMatter.objects.filter(connection=connection, available=True)
    departed = [matter for matter in available if matter.clio_id not in snapshot.matters]

    for matter in departed:
        record = snapshot.departed_matters.get(matter.clio_id)
        if record is not None:
            for name, value in _matter_row(record, contact_pks, available=False).items():
                setattr(matter, name, value)
            matter.synced_at = synced_at
        matter.available = False

    update_fields = ["display_number", "description", "status", "client_id", "clio_updated_at", "available", "synced_at"]
    ClioMatter.objects.bulk_update(departed, update_fields, batch_size=BATCH_SIZE)
    return len(departed)
