"""Turn httpx failures into Clio errors: the one place that classifies what went wrong.

Every caller in this package sends through httpx and passes any non-2xx response or httpx
exception here, so status codes and transport failures are classified the same way everywhere.
"""

import math
import time
from email.utils import parsedate_to_datetime

import httpx

from mira.clio.errors import (
    ClioAuthenticationError,
    ClioError,
    ClioNotFoundError,
    ClioOutcomeUnknownError,
    ClioPermissionError,
    ClioRateLimitedError,
    ClioRequestError,
    ClioServerError,
    ClioTransportError,
    OAuthError,
)

# POST and PATCH change Clio's data and carry no idempotency key, so repeating one after an
# unclear failure can create a duplicate time entry.
NON_IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})

# Failures where httpx never handed the request to Clio, so even a POST is safe to send again.
_NOT_SENT_EXCEPTIONS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)

# Failures that mean MIRA built a request httpx cannot send: a bug, not a network problem.
_INVALID_REQUEST_EXCEPTIONS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.TooManyRedirects)

_STATUS_ERRORS: dict[int, type[ClioError]] = {
    401: ClioAuthenticationError,
    403: ClioPermissionError,
    404: ClioNotFoundError,
}


def error_from_response(
    response: httpx.Response, *, repeatable: bool | None = None, now: float | None = None
) -> ClioError:
    """Return the ClioError for a non-2xx API response.

    `repeatable` is whether the request may be sent again after a 5xx. It defaults to False
    for POST and PATCH, whose 5xx then becomes ClioOutcomeUnknownError.
    """
    context = _response_context(response)
    status = response.status_code
    if repeatable is None:
        repeatable = response.request.method not in NON_IDEMPOTENT_METHODS

    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=now)
        return ClioRateLimitedError("rate limited", retry_after=retry_after, **context)

    if status >= 500:
        if repeatable:
            return ClioServerError("server error", **context)
        return ClioOutcomeUnknownError(
            "server error on a write; Clio may have applied it", **context
        )

    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]("", **context)

    if 300 <= status < 400:
        return ClioRequestError("unexpected redirect; redirects are not followed", **context)
    return ClioRequestError("", **context)


def error_from_exception(exc: httpx.HTTPError, *, repeatable: bool | None = None) -> ClioError:
    """Return the ClioError for an exception httpx raised while sending or reading.

    Only the exception's class name is kept, because httpx messages can include URLs.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        return error_from_response(exc.response, repeatable=repeatable)

    method, path = _request_of(exc)
    context = {"method": method, "path": path}
    name = type(exc).__name__
    if repeatable is None:
        repeatable = method not in NON_IDEMPOTENT_METHODS

    if isinstance(exc, _NOT_SENT_EXCEPTIONS):
        return ClioTransportError(f"{name}: the request was not sent", **context)

    if isinstance(exc, _INVALID_REQUEST_EXCEPTIONS):
        return ClioRequestError(f"{name}: httpx could not send this request", **context)

    # The request may have reached Clio: a read timeout, a dropped connection, a garbled response.
    if repeatable:
        return ClioTransportError(f"{name}: no usable response", **context)
    return ClioOutcomeUnknownError(f"{name}: no usable response to a write", **context)


def oauth_error_from_response(response: httpx.Response, *, now: float | None = None) -> ClioError:
    """Return the error for a non-2xx response from the OAuth token endpoint.

    A 4xx other than 429 becomes OAuthError with the body's `error` and `error_description`.
    A 429 or 5xx maps as on the API, and is repeatable because refresh tokens are reusable.
    """
    status = response.status_code
    if status == 429 or status >= 500:
        return error_from_response(response, repeatable=True, now=now)

    context = _request_context(response)
    error, description = _error_fields(response)
    if not error:
        return OAuthError("invalid_response", f"HTTP {status} without an OAuth error code", **context)
    return OAuthError(error, description, **context)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return Retry-After as seconds to wait, from either delay-seconds or an HTTP date."""
    if not value:
        return None

    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0.0, seconds) if math.isfinite(seconds) else None

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


def _response_context(response: httpx.Response) -> dict:
    error_type, error_message = _error_fields(response)
    return {**_request_context(response), "error_type": error_type, "error_message": error_message}


def _request_context(response: httpx.Response) -> dict:
    return {
        "status_code": response.status_code,
        "method": response.request.method,
        "path": response.request.url.path,
        "request_id": response.headers.get("X-Request-Id"),
    }


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    """Return (type, message) from Clio's error body, or Nones when it has neither.

    The API's shape is {"error": {"type", "message"}}. The token endpoint, and the API for an
    invalid token, use the OAuth shape {"error": "invalid_grant", "error_description": ...}.
    """
    body = _json_object(response)
    error = body.get("error")

    if isinstance(error, dict):
        error_type, message = error.get("type"), error.get("message")
    else:
        error_type, message = error, body.get("error_description")

    error_type = error_type if isinstance(error_type, str) else None
    message = message if isinstance(message, str) else None
    return error_type, message


def _json_object(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError, httpx.ResponseNotRead):
        return {}
    return body if isinstance(body, dict) else {}


def _request_of(exc: httpx.HTTPError) -> tuple[str | None, str | None]:
    try:
        request = exc.request
    except RuntimeError:
        # httpx raises RuntimeError when the exception was created without its request.
        return None, None
    return request.method, request.url.path
