"""Customer Success's Go live: mark a firm live and start delivering its approved time entries."""

import logging

from django.utils import timezone

from mira.accounts.models import Firm, User
from mira.destinations.models import ClioConnection
from mira.timeentries.tasks import enqueue_delivery

logger = logging.getLogger(__name__)


class GoLiveRejected(Exception):
    """The firm cannot go live yet. `message` is the reason, with the next step."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def go_live(firm: Firm, activated_by: User) -> None:
    """Set the firm live and queue delivery, or raise GoLiveRejected if it is not connected to Clio."""
    if firm.is_live:
        raise GoLiveRejected(f"{firm.name} ({firm.account_id}) has been live since {firm.live_at:%d %b %Y}; nothing was changed.")

    connection = ClioConnection.objects.filter(firm=firm).first()
    if connection is None or not connection.is_connected:
        status = connection.get_status_display() if connection else "no Clio credentials saved"
        raise GoLiveRejected(
            f"{firm.name} ({firm.account_id}) is not connected to Clio (status: {status}), so it was not "
            "made live. Ask the firm's administrator to click Add to Clio on the Destination page, then go live."
        )

    firm.live_at = timezone.now()
    firm.activated_by = activated_by
    firm.save(update_fields=["live_at", "activated_by"])

    enqueue_delivery(firm)
    logger.info(
        "customer_success.go_live firm_id=%s connection_id=%s activated_by=%s", firm.pk, connection.pk, activated_by.pk
    )
