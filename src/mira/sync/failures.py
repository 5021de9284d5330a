"""Sort a failure while talking to Clio into one of three kinds, each handled its own way.

- MUST_ACT: a person must act (authorize again, fix the app's permissions). Record the message on the
  connection and halt; retrying cannot help.
- RETRY_LATER: Clio was unreachable, slow, rate limiting, or failing. Back off and retry, bounded.
- BUG: anything else, including Clio rejecting a read as invalid. Raise, so it is seen.
"""

import enum

from mira.clio import ClioAuthenticationError, ClioError, ClioOutcomeUnknownError, ClioPermissionError, OAuthError
from mira.destinations.models import ClioConnection
from mira.destinations.tokens import REAUTHORIZE_MESSAGE


class FailureKind(enum.Enum):
    MUST_ACT = "must_act"
    RETRY_LATER = "retry_later"
    BUG = "bug"


def classify(error: BaseException) -> FailureKind:
    if isinstance(error, OAuthError):
        # An unusable token response is Clio's side misbehaving; every other OAuth error needs the
        # admin (a revoked grant, wrong credentials, an unregistered redirect URI).
        if error.error == "invalid_response":
            return FailureKind.RETRY_LATER
        return FailureKind.MUST_ACT
    if isinstance(error, ClioAuthenticationError | ClioPermissionError):
        return FailureKind.MUST_ACT
    if isinstance(error, ClioOutcomeUnknownError):
        return FailureKind.RETRY_LATER
    if isinstance(error, ClioError) and error.retryable:
        return FailureKind.RETRY_LATER
    return FailureKind.BUG


def user_message(error: BaseException) -> str:
    """Return the plain message for an admin: what failed and what to do next."""
    if isinstance(error, OAuthError) and error.needs_reauthorization:
        return REAUTHORIZE_MESSAGE
    if isinstance(error, ClioError):
        return error.user_message
    return (
        "MIRA hit an internal error while talking to Clio. Nothing was changed by the failed step. "
        "Contact MIRA support with the time of the error."
    )


def record_must_act(connection: ClioConnection, error: BaseException) -> None:
    """Store the error on the connection; a rejected token also moves it to needs_reconnect."""
    connection.record_error(user_message(error))
    update_fields = ["last_error", "last_error_at", "updated_at"]

    needs_reconnect = isinstance(error, ClioAuthenticationError) or (
        isinstance(error, OAuthError) and error.needs_reauthorization
    )
    if needs_reconnect:
        connection.status = ClioConnection.Status.NEEDS_RECONNECT
        update_fields.append("status")

    connection.save(update_fields=update_fields)
