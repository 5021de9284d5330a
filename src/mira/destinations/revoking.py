"""Give tokens back to Clio and forget them: on Disconnect, on changed credentials, after a failed connect."""

import logging

import httpx

from mira.clio import ClioError, Region, UnknownRegionError, build_http_client, deauthorize
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import region_for

logger = logging.getLogger(__name__)


def revoke_quietly(http: httpx.Client, region: Region, access_token: str, connection: ClioConnection) -> bool:
    """Ask Clio to revoke `access_token`; log and return False on failure instead of raising.

    Revocation is a courtesy to Clio: MIRA clears its copy of the tokens either way, so a failure must not
    stop a disconnect or hide the error that caused it.
    """
    try:
        deauthorize(http, region, access_token)
    except ClioError as error:
        logger.warning(
            "clio.deauthorize.failed firm_id=%s connection_id=%s error=%s",
            connection.firm_id,
            connection.pk,
            error,
        )
        return False

    logger.info("clio.deauthorize.done firm_id=%s connection_id=%s", connection.firm_id, connection.pk)
    return True


def revoke_stored_tokens(connection: ClioConnection) -> bool:
    """Revoke the connection's stored access token in its current region, if it has one."""
    if not connection.access_token:
        return False

    try:
        region = region_for(connection)
    except UnknownRegionError:
        logger.warning(
            "clio.deauthorize.skipped firm_id=%s connection_id=%s reason=region_unavailable region=%s",
            connection.firm_id,
            connection.pk,
            connection.region,
        )
        return False

    with build_http_client() as http:
        return revoke_quietly(http, region, connection.access_token, connection)


def forget_tokens(connection: ClioConnection) -> None:
    """Clear the tokens and who they acted as, and set the status back to configured (not saved here)."""
    connection.access_token = ""
    connection.refresh_token = ""
    connection.token_expires_at = None
    connection.clio_user_id = None
    connection.clio_user_name = ""
    connection.clio_user_email = ""
    connection.clio_account_id = None
    connection.clio_account_name = ""
    connection.connected_at = None
    connection.status = ClioConnection.Status.CONFIGURED


def disconnect(connection: ClioConnection) -> None:
    """Revoke the stored tokens in Clio (best effort), forget them and save the connection."""
    revoke_stored_tokens(connection)
    forget_tokens(connection)
    connection.clear_error()
    connection.save()
    logger.info("clio.disconnected firm_id=%s connection_id=%s", connection.firm_id, connection.pk)
