"""Match a MIRA timekeeper to the Clio user their entries are posted as, by email address."""

from dataclasses import dataclass

from mira.accounts.models import User
from mira.destinations.models import ClioConnection
from mira.sync.models import ClioUser


@dataclass(frozen=True)
class ClioUserMatch:
    """The Clio user for a timekeeper, or the plain reason there is none they can post as."""

    clio_user: ClioUser | None
    problem: str = ""

    @property
    def can_post(self) -> bool:
        return self.clio_user is not None and not self.problem


def match_clio_user(user: User, connection: ClioConnection | None) -> ClioUserMatch:
    """Find the mirrored Clio user whose email equals the timekeeper's, ignoring case."""
    if connection is None or connection.status == ClioConnection.Status.CONFIGURED:
        return ClioUserMatch(
            None,
            "Your firm has not connected MIRA to Clio yet, so entries cannot be approved. "
            "Ask your firm admin to finish the Destination set-up.",
        )

    candidates = list(ClioUser.objects.filter(connection=connection, email__iexact=user.email.strip()))
    if not candidates:
        return ClioUserMatch(
            None,
            f"No Clio user has your email {user.email}; ask your firm admin to give your Clio user "
            "this email address (or change your MIRA email to the one in Clio), then run Sync now "
            "on the Destination page.",
        )

    # Clio keeps disabled users; prefer an enabled one if the address was ever reused.
    enabled = [candidate for candidate in candidates if candidate.enabled]
    if not enabled:
        return ClioUserMatch(
            candidates[0],
            f"The Clio user with your email {user.email} ({candidates[0].name}) is disabled in Clio. "
            "Ask your firm admin to enable it in Clio, then run Sync now on the Destination page.",
        )
    return ClioUserMatch(enabled[0])
