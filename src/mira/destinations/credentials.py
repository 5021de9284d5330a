"""Save the Clio module's form onto the firm's connection."""

import logging

from django.conf import settings
from django.utils import timezone

from mira.accounts.models import Firm
from mira.destinations.models import ClioConnection, Region
from mira.destinations.revoking import forget_tokens, revoke_stored_tokens

logger = logging.getLogger(__name__)


def connection_for(firm: Firm) -> ClioConnection:
    """Return the firm's saved connection, or a new unsaved one with the default values."""
    try:
        return firm.clio_connection
    except ClioConnection.DoesNotExist:
        # Where a sandbox is configured (the demo), start there, so the page's developer-portal
        # link leads to the sandbox instead of a real Clio region.
        if settings.MIRA_SANDBOX_URL:
            return ClioConnection(firm=firm, region=Region.SANDBOX)
        return ClioConnection(firm=firm)


def save_credentials(connection: ClioConnection, cleaned_data: dict) -> bool:
    """Apply validated form data and save; return True if the region, Client ID or secret changed.

    Tokens belong to one app in one region, so a change to any of those revokes (best effort) and
    clears the old tokens and sets the status back to configured. A blank secret keeps the stored one.
    """
    new_secret = cleaned_data["client_secret"] or connection.client_secret
    changed = (
        connection.pk is None
        or connection.region != cleaned_data["region"]
        or connection.client_id != cleaned_data["client_id"]
        or connection.client_secret != new_secret
    )

    if changed and connection.access_token:
        # Revoke while the connection still has its old region, where those tokens live.
        revoke_stored_tokens(connection)

    connection.region = cleaned_data["region"]
    connection.app_name = cleaned_data["app_name"]
    connection.client_id = cleaned_data["client_id"]
    connection.client_secret = new_secret
    connection.matter_statuses = list(cleaned_data["matter_statuses"])

    if changed:
        forget_tokens(connection)
        connection.credentials_updated_at = timezone.now()
        connection.save()
    else:
        # The tokens stay as they are in the database: a sync may have refreshed them since this
        # page loaded the row, and writing back the loaded copy would undo that.
        connection.save(update_fields=["region", "app_name", "client_id", "client_secret", "matter_statuses", "updated_at"])
    logger.info(
        "clio.credentials.saved firm_id=%s connection_id=%s region=%s credentials_changed=%s",
        connection.firm_id,
        connection.pk,
        connection.region,
        changed,
    )
    return changed
