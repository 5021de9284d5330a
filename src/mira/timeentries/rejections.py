"""Explain in plain words why Clio rejected a time entry, and what the timekeeper can do next.

Clio's 422 body names the field it rejected in free text, which MIRA does not show to users. Instead
MIRA asks Clio for the matter's and the user's current state, the two usual causes.
"""

import logging

from mira.clio import ClioClient, ClioError
from mira.destinations.models import ClioConnection
from mira.timeentries.models import TimeEntry

logger = logging.getLogger(__name__)


def rejection_message(
    client: ClioClient, connection: ClioConnection, entry: TimeEntry, user_id: int, error: ClioError
) -> str:
    """Name what Clio rejected: a matter no longer open for time, a disabled user, or the entry as a whole."""
    matter = entry.matter

    status = _lookup(connection, entry, lambda: _matter_status(client, matter.clio_id))
    if status and status not in connection.matter_statuses:
        return (
            f"Clio rejected this entry because matter {matter.display_number} is now {status} in Clio. "
            "Reopen the matter in Clio, or return the entry to draft and choose another matter, then "
            "approve it again."
        )

    user = _lookup(connection, entry, lambda: _clio_user(client, user_id))
    if user is not None and not user.get("enabled", True):
        return (
            f"Clio rejected this entry because your Clio user {user.get('name') or user_id} is disabled "
            "in Clio. Ask your firm admin to enable it, then return the entry to draft and approve it again."
        )

    status_code = f" (HTTP {error.status_code})" if error.status_code else ""
    return (
        f"Clio rejected this entry for matter {matter.display_number}{status_code}. Check in Clio that "
        "the matter is open and that your Clio user may record time on it, then return the entry to "
        "draft and approve it again."
    )


def _matter_status(client: ClioClient, matter_id: int) -> str:
    for record in client.iter_matters_by_ids([matter_id]):
        return record.get("status") or ""
    return ""


def _clio_user(client: ClioClient, user_id: int) -> dict | None:
    for record in client.iter_users():
        if int(record["id"]) == user_id:
            return record
    return None


def _lookup(connection: ClioConnection, entry: TimeEntry, read):
    # The lookup only improves the message, so when Clio fails to respond the generic message applies.
    try:
        return read()
    except ClioError as error:
        logger.info(
            "delivery.rejection_lookup_failed firm_id=%s connection_id=%s entry_id=%s error=%s",
            connection.firm_id, connection.pk, entry.pk, error,
        )
        return None
