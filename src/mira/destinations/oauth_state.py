"""The OAuth `state` for Add to Clio: random, single-use, expiring, and bound to the admin's session.

The state is the only thing that ties Clio's redirect back to the browser session that started the
flow, so the callback accepts a code only with a state this session issued less than 10 minutes ago.
"""

import secrets
import time
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "clio_oauth_states"
STATE_LIFETIME_SECONDS = 10 * 60


@dataclass(frozen=True)
class PendingAuthorization:
    """The authorization recorded in the session when Add to Clio was clicked."""

    connection_id: int
    region: str
    client_id: str
    created_at: float


def start_authorization(session: SessionBase, *, connection_id: int, region: str, client_id: str) -> str:
    """Create a new state, store it in the session with the connection it is for, and return it."""
    now = time.time()
    pending = _live_entries(session.get(SESSION_KEY, {}), now)

    state = secrets.token_urlsafe(32)
    pending[state] = {
        "connection_id": connection_id,
        "region": region,
        "client_id": client_id,
        "created_at": now,
    }

    session[SESSION_KEY] = pending
    return state


def consume_state(session: SessionBase, state: str, now: float | None = None) -> PendingAuthorization | None:
    """Remove `state` from the session and return what it was issued for.

    Returns None when the state is missing, unknown to this session, already used or expired.
    """
    if not state:
        return None

    pending = dict(session.get(SESSION_KEY, {}))
    entry = pending.pop(state, None)
    session[SESSION_KEY] = _live_entries(pending, now or time.time())
    if entry is None:
        return None

    if (now or time.time()) - entry["created_at"] > STATE_LIFETIME_SECONDS:
        return None

    return PendingAuthorization(
        connection_id=entry["connection_id"],
        region=entry["region"],
        client_id=entry["client_id"],
        created_at=entry["created_at"],
    )


def _live_entries(pending: dict, now: float) -> dict:
    # Dropping expired entries keeps the session small when popups are closed without finishing.
    return {
        state: entry
        for state, entry in pending.items()
        if now - entry.get("created_at", 0) <= STATE_LIFETIME_SECONDS
    }
