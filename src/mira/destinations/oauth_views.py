"""GET /oauth/callback: where Clio sends the Add to Clio popup back with a code or an error."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from mira.destinations import messages
from mira.destinations.connecting import AuthorizationFailed, complete_authorization, record_failure
from mira.destinations.models import ClioConnection
from mira.destinations.oauth_state import PendingAuthorization, consume_state
from mira.destinations.views import render_popup
from mira.sync.tasks import enqueue_sync

logger = logging.getLogger(__name__)

SIGNED_OUT_MESSAGE = (
    "You are not signed in to MIRA as a firm administrator in this browser, so MIRA is not connected. "
    "Close this window, sign in to MIRA, and click Add to Clio again."
)
FIRST_SYNC_DELAYED_NOTE = (
    "MIRA could not start the first sync right away. It runs at the next scheduled sync, "
    "or click Sync now on the Destination page."
)


@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated or not user.is_firm_admin or user.firm_id is None:
        logger.info("clio.authorize.not_signed_in user_id=%s", user.pk)
        return render_popup(request, outcome="error", status=403, message=SIGNED_OUT_MESSAGE)

    pending = consume_state(request.session, request.GET.get("state", ""))
    connection = _connection_for(pending, user.firm_id)
    if connection is None:
        logger.info("clio.authorize.state_invalid firm_id=%s", user.firm_id)
        return render_popup(request, outcome="error", status=400, message=messages.STATE_INVALID)

    try:
        _check_callback(request, pending, connection)
        identity = complete_authorization(connection, request.GET["code"])
    except AuthorizationFailed as failure:
        record_failure(connection, failure)
        logger.warning(
            "clio.authorize.%s firm_id=%s connection_id=%s", failure.event, connection.firm_id, connection.pk
        )
        return render_popup(request, outcome="error", status=400, message=failure.message)

    logger.info(
        "clio.authorize.connected firm_id=%s connection_id=%s clio_user_id=%s clio_account_id=%s",
        connection.firm_id,
        connection.pk,
        identity.user_id,
        identity.account_id,
    )
    return render_popup(request, outcome="connected", message=messages.CONNECTED, note=_start_first_sync(connection))


def _connection_for(pending: PendingAuthorization | None, firm_id: int) -> ClioConnection | None:
    if pending is None:
        return None
    return ClioConnection.objects.filter(pk=pending.connection_id, firm_id=firm_id).first()


def _check_callback(request: HttpRequest, pending: PendingAuthorization, connection: ClioConnection) -> None:
    """Raise AuthorizationFailed unless Clio sent a code for the credentials that are still saved."""
    if (connection.region, connection.client_id) != (pending.region, pending.client_id):
        raise AuthorizationFailed(messages.CREDENTIALS_CHANGED, event="credentials_changed")

    error = request.GET.get("error", "")
    if error == "access_denied":
        raise AuthorizationFailed(messages.ACCESS_DENIED, event="access_denied")
    if error:
        raise AuthorizationFailed(messages.clio_declined(error), event="clio_declined")

    if not request.GET.get("code"):
        raise AuthorizationFailed(messages.CODE_MISSING, event="code_missing")


def _start_first_sync(connection: ClioConnection) -> str:
    """Queue the first sync; return a note for the popup if it could not be queued."""
    try:
        enqueue_sync(connection, "connected")
    except Exception:
        # The connection is stored and works; a queue failure must not turn success into an error page.
        logger.exception("clio.sync.enqueue_failed firm_id=%s connection_id=%s", connection.firm_id, connection.pk)
        return FIRST_SYNC_DELAYED_NOTE
    return ""
