"""Approve a draft time entry, for the portal's pages and the JSON API alike."""

from dataclasses import dataclass

from django.utils import timezone

from mira.accounts.models import User
from mira.destinations.models import ClioConnection
from mira.timeentries.clio_users import match_clio_user
from mira.timeentries.models import TimeEntry
from mira.timeentries.tasks import enqueue_delivery


@dataclass(frozen=True)
class ApprovalResult:
    approved: bool
    message: str


def firm_connection(user: User) -> ClioConnection | None:
    return ClioConnection.objects.filter(firm_id=user.firm_id).first()


def approval_problem(user: User, entry: TimeEntry) -> str:
    """Return why `user` cannot approve `entry` in plain words, or "" when nothing prevents it."""
    if entry.status != TimeEntry.Status.DRAFT:
        return "Only drafts can be approved."

    match = match_clio_user(user, firm_connection(user))
    if not match.can_post:
        return f"Not approved. {match.problem}"

    if not entry.matter.available:
        return (
            f"Not approved: matter {entry.matter.display_number} is no longer available for new time in "
            "Clio. Edit the entry and choose another matter."
        )
    return ""


def approve_entry(user: User, entry: TimeEntry) -> ApprovalResult:
    """Move a draft to approved and queue its delivery when the firm is live; `entry` is refreshed."""
    problem = approval_problem(user, entry)
    if problem:
        return ApprovalResult(False, problem)

    # The status filter makes a double click or a second tab approve only once.
    approved = TimeEntry.objects.filter(pk=entry.pk, status=TimeEntry.Status.DRAFT).update(
        status=TimeEntry.Status.APPROVED, approved_at=timezone.now(), delivery_error="", updated_at=timezone.now()
    )
    entry.refresh_from_db()
    if not approved:
        return ApprovalResult(False, "This entry is no longer a draft, so it was not approved again.")

    queue_delivery_if_live(user)
    return ApprovalResult(True, "Entry approved.")


def queue_delivery_if_live(user: User) -> None:
    firm = user.firm
    connection = firm_connection(user)
    if firm.is_live and connection is not None and connection.status == ClioConnection.Status.CONNECTED:
        enqueue_delivery(firm)
