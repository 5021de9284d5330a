"""The exception tree for everything that can go wrong talking to Clio.

Failures fall into three kinds, and callers handle each differently:
- retry later: ClioTransportError, ClioRateLimitedError and ClioServerError (`retryable` is True);
- a person must act: ClioAuthenticationError, ClioPermissionError, and an OAuthError whose
  `needs_reauthorization` is True;
- a bug or bad data: ClioRequestError and ClioNotFoundError.
ClioOutcomeUnknownError is its own case: a write may or may not have happened, so the caller must
look in Clio before sending it again.

`str(error)` is for logs. `error.user_message` is plain English for a firm admin, and never contains
a token or Clio's raw response body. The mapping from httpx lives in `mira.clio.mapping`.
"""

import re

MAX_LOGGED_MESSAGE_CHARS = 200

# Only a short identifier from Clio's body may reach an admin, never free text that could echo input.
_SAFE_ERROR_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,59}$")


def _truncate(text: str, limit: int = MAX_LOGGED_MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


class ClioError(Exception):
    """Base class: a request to Clio failed. Attributes record where it failed and what Clio returned."""

    retryable: bool = False

    def __init__(
        self,
        detail: str = "",
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        error_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.error_type = error_type
        self.error_message = error_message
        self.method = method
        self.path = path
        self.request_id = request_id

    def __str__(self) -> str:
        where = " ".join(
            str(part) for part in (type(self).__name__, self.status_code, self.method, self.path) if part
        )
        text = where

        if self.detail:
            text += f": {_truncate(self.detail)}"

        clio_detail = ": ".join(part for part in (self.error_type, self.error_message) if part)
        if clio_detail:
            text += f" (Clio: {_truncate(clio_detail)})"

        if self.request_id:
            text += f" [request_id={_truncate(self.request_id, 100)}]"
        return text

    def __repr__(self) -> str:
        return f"<{self}>"

    @property
    def user_message(self) -> str:
        return (
            f"A request to Clio failed{self._status_suffix()}. Try again; if it keeps failing, "
            "contact MIRA support."
        )

    def _status_suffix(self) -> str:
        return f" (HTTP {self.status_code})" if self.status_code else ""

    def _safe_error_type(self) -> str | None:
        if self.error_type and _SAFE_ERROR_TYPE.match(self.error_type):
            return self.error_type
        return None


class ClioTransportError(ClioError):
    """Clio could not be reached, or the connection broke before a usable response came back."""

    retryable = True

    @property
    def user_message(self) -> str:
        return (
            "MIRA could not reach Clio: the connection failed or timed out. This is usually "
            "temporary. If it keeps happening, check that this server can reach Clio over HTTPS."
        )


class ClioRateLimitedError(ClioError):
    """Clio returned 429 because this token sent too many requests; `retry_after` is in seconds."""

    retryable = True

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after

    @property
    def user_message(self) -> str:
        return (
            "Clio is limiting how fast MIRA may send requests (HTTP 429). This clears within "
            "minutes, so no action is needed unless it keeps happening for hours."
        )


class ClioServerError(ClioError):
    """Clio returned a 5xx response, or a response MIRA could not read, to a request that is safe to repeat."""

    retryable = True

    @property
    def user_message(self) -> str:
        # A 2xx response whose body is cut off or not JSON is raised as this error too, and
        # "server error (HTTP 200)" would contradict itself.
        if self.status_code is not None and self.status_code < 500:
            return (
                "Clio returned an incomplete or unreadable response. This is usually temporary. If it "
                "keeps failing, check Clio's status page and try again later."
            )
        return (
            f"Clio had a server error{self._status_suffix()}. This is usually temporary. If it "
            "keeps failing, check Clio's status page and try again later."
        )


class ClioAuthenticationError(ClioError):
    """Clio returned 401 on an API call: the access token is invalid, expired or revoked."""

    @property
    def user_message(self) -> str:
        return (
            "Clio rejected MIRA's access: the connection was revoked in Clio or its token is no "
            "longer valid. On the Destination page, connect to Clio again."
        )


class ClioPermissionError(ClioError):
    """Clio returned 403: the app lacks a permission, or the authorizing user's role forbids it."""

    @property
    def user_message(self) -> str:
        return (
            "Clio refused access: the MIRALink app lacks a permission MIRA needs, or the Clio user "
            "who authorized it may not do this. In Clio's developer portal, give the app the "
            "permissions listed on the Destination page, then authorize again."
        )


class ClioNotFoundError(ClioError):
    """Clio returned 404: the record does not exist or the connected user cannot see it."""

    @property
    def user_message(self) -> str:
        return (
            "Clio could not find a record MIRA asked for (HTTP 404). It may have been deleted, or "
            "the Clio user who authorized MIRA cannot see it. Check the record in Clio, then sync again."
        )


class ClioRequestError(ClioError):
    """Clio rejected the request as invalid (400, 410, 422 or another 4xx), or MIRA refused to send it.

    Repeating the same request fails the same way, so this is not retryable.
    """

    @property
    def user_message(self) -> str:
        error_type = self._safe_error_type()
        reason = f", {error_type}" if error_type else ""
        status = f" (HTTP {self.status_code}{reason})" if self.status_code else ""
        return (
            f"Clio rejected a request from MIRA as invalid{status}. Retrying will not help. "
            "Check the entry's matter, user and activity in Clio; if they look right, contact "
            "MIRA support with the time of the error."
        )


class ClioOutcomeUnknownError(ClioError):
    """A write (POST or PATCH) may have reached Clio, but no usable response came back.

    Sending it again could create a duplicate, so the caller must look in Clio first.
    """

    @property
    def user_message(self) -> str:
        return (
            "MIRA sent a change to Clio but got no clear answer, so it may or may not have been "
            "saved. MIRA checks Clio before sending it again. If the entry shows up twice in "
            "Clio, delete one copy there."
        )


class ClioPagingLimitError(ClioError):
    """A listing returned more pages than the caller's limit, so it was stopped.

    Stopping keeps a broken `next` link from looping forever. The records read so far are incomplete.
    """

    @property
    def user_message(self) -> str:
        return (
            "Clio returned more pages of records than MIRA allows for one sync, so the sync stopped "
            "without changing anything. Contact MIRA support."
        )


class OAuthError(ClioError):
    """Clio's token endpoint rejected a request; `error` is the OAuth error code."""

    def __init__(self, error: str, description: str | None = None, **kwargs) -> None:
        super().__init__(error_type=error, error_message=description, **kwargs)
        self.error = error
        self.description = description

    @property
    def needs_reauthorization(self) -> bool:
        return self.error in ("invalid_grant", "invalid_client")

    @property
    def user_message(self) -> str:
        if self.error == "invalid_grant":
            return (
                "Clio no longer accepts MIRA's authorization: it was revoked, expired, or already "
                "used. On the Destination page, authorize MIRA in Clio again."
            )
        if self.error == "invalid_client":
            return (
                "Clio rejected the app's credentials: the App Key or App Secret is wrong, or the app "
                "belongs to another Clio region. Compare them with Clio's developer portal, save "
                "them on the Destination page, then authorize again."
            )
        if self.error == "invalid_response":
            return (
                "Clio's sign-in service returned a response MIRA could not use. Try authorizing "
                "again in a few minutes."
            )
        return (
            f"Clio's sign-in service rejected the request ({self._safe_error_type() or 'unknown error'}). "
            "Check that the redirect URI on the Destination page is registered on the app in "
            "Clio's developer portal, then authorize again."
        )


class UnknownRegionError(ValueError):
    """The region code is not a known Clio region, or the sandbox region has no URL."""

    @property
    def user_message(self) -> str:
        return f"{self.args[0]} Choose the region your Clio account is in on the Destination page."
