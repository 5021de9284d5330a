"""ClioClient: authenticated, paced, retried requests to the Clio Manage API v4, and the reads and
writes MIRA needs (users, matters, contacts, activity descriptions, time entries).

Retry policy. GET and DELETE are retried on transport errors, 5xx and 429. POST and PATCH are
retried only on 429 and when the connection could not be opened, because Clio has no idempotency
key and a resent write can create a duplicate time entry. Their other failures raise
ClioOutcomeUnknownError, and the caller must look in Clio (find_time_entries) before resending.
"""

import datetime
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import unquote

import httpx

from mira.clio.errors import (
    ClioAuthenticationError,
    ClioError,
    ClioPagingLimitError,
    ClioRequestError,
    ClioServerError,
)
from mira.clio.mapping import error_from_exception, error_from_response
from mira.clio.pacing import RateLimitPacer, retry_wait_seconds
from mira.clio.regions import Region

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "4.0.9"
MATTER_STATUSES = frozenset({"open", "pending", "closed"})

# Clio's index endpoints accept at most 200 records per page; ids[] filters are sent in chunks
# small enough to keep the query string short.
MAX_PAGE_SIZE = 200
IDS_PER_REQUEST = 100

USER_FIELDS = "id,name,email,enabled,subscription_type,updated_at"
WHO_AM_I_FIELDS = "id,name,first_name,last_name,email,account{id,name}"
MATTER_FIELDS = "id,display_number,description,status,client{id,name,type},updated_at"
CONTACT_FIELDS = "id,name,type,updated_at"
ACTIVITY_DESCRIPTION_FIELDS = "id,name,updated_at"
CREATED_TIME_ENTRY_FIELDS = "id,etag,type,date,quantity,note,matter{id},user{id},created_at"
FOUND_TIME_ENTRY_FIELDS = "id,date,quantity,note,created_at"


class TokenSource(Protocol):
    """Source of access tokens for ClioClient. The sync engine implements it over a stored connection."""

    def access_token(self) -> str:
        """Return the current access token, refreshing it first if it is about to expire."""
        ...

    def refresh_access_token(self) -> str:
        """Refresh now, because Clio rejected the current token with 401, and return the new token."""
        ...


class StaticTokenSource:
    """A fixed access token for scripts and tests. It cannot be refreshed."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenSource(token='***')"

    def access_token(self) -> str:
        return self._token

    def refresh_access_token(self) -> str:
        raise ClioAuthenticationError("Clio rejected the static access token, which cannot be refreshed")


class ClioClient:
    """Sends requests to one Clio region with tokens from a TokenSource.

    One client belongs to one connection, because Clio's rate limit is per access token.
    """

    def __init__(
        self,
        region: Region,
        tokens: TokenSource,
        *,
        http: httpx.Client,
        api_version: str = DEFAULT_API_VERSION,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries!r}.")

        self.region = region
        self._tokens = tokens
        self._http = http
        self._api_version = api_version
        self._max_retries = max_retries
        self._sleep = sleep
        self._clock = clock
        self._pacer = RateLimitPacer(clock)

    # -- Sending -------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, params: dict | None = None, json: Any = None
    ) -> httpx.Response:
        """Send one API request and return the 2xx response, retrying under the retry policy above.

        `path` is relative to the region's API URL ("matters.json"), or an absolute URL under it
        (a paging `next` link). Raises a ClioError subclass for every failure.
        """
        method = method.upper()
        url = self._resolve_url(path)
        refreshed = False
        retry_number = 0

        while True:
            self._wait_for_rate_limit_window()

            # A 401 gets one refresh and one more try, outside the retry budget.
            cause: httpx.HTTPError | None = None
            try:
                response = self._send(method, url, params, json)
            except httpx.HTTPError as exc:
                cause = exc
                error = error_from_exception(exc)
            else:
                if response.is_success:
                    return response
                if response.status_code == 401 and not refreshed:
                    logger.info("clio.token_refresh method=%s path=%s reason=401", method, url.path)
                    self._tokens.refresh_access_token()
                    refreshed = True
                    continue
                error = error_from_response(response, now=self._clock())

            wait = self._retry_wait(error, retry_number)
            if wait is None:
                if error.retryable:
                    logger.warning(
                        "clio.retry_gave_up method=%s path=%s reason=%s status=%s retries=%d",
                        method,
                        url.path,
                        type(error).__name__,
                        error.status_code,
                        retry_number,
                    )
                raise error from cause

            logger.warning(
                "clio.retry method=%s path=%s reason=%s status=%s wait_s=%.1f retry=%d/%d",
                method,
                url.path,
                type(error).__name__,
                error.status_code,
                wait,
                retry_number + 1,
                self._max_retries,
            )
            self._sleep(wait)
            retry_number += 1

    def get(self, path: str, *, params: dict | None = None) -> dict:
        """GET `path` and return the parsed JSON body."""
        response = self.request("GET", path, params=params)
        return _json_body(response)

    def iter_records(
        self,
        path: str,
        *,
        params: dict | None = None,
        fields: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        max_pages: int = 10_000,
        order: str | None = "id(asc)",
    ) -> Iterator[dict]:
        """Yield every record of an index endpoint, following meta.paging.next page by page.

        Cursor paging needs order=id(asc). Each `next` link is followed exactly as Clio sent it,
        because it already contains the page_token. Raises ClioPagingLimitError before fetching a
        page beyond `max_pages`.
        """
        query = dict(params or {})
        query["limit"] = limit
        if order:
            query["order"] = order
        if fields:
            query["fields"] = fields

        url: str = path
        page_params: dict | None = query
        for page_number in itertools.count(1):
            if page_number > max_pages:
                raise ClioPagingLimitError(
                    f"more than {max_pages} pages; stopped before page {page_number}",
                    method="GET",
                    path=self._resolve_url(path).path,
                )

            body = self.get(url, params=page_params)
            records = body.get("data")
            if not isinstance(records, list):
                path_only = self._resolve_url(url).path
                raise ClioServerError("index response has no data list", method="GET", path=path_only)
            yield from records

            next_url = ((body.get("meta") or {}).get("paging") or {}).get("next")
            if not next_url:
                return
            url, page_params = next_url, None

    # -- Reads ---------------------------------------------------------------------------------

    def who_am_i(self) -> dict:
        """Return the user who authorized the token, with their firm's account id and name."""
        body = self.get("users/who_am_i.json", params={"fields": WHO_AM_I_FIELDS})
        return _data_object(body, "users/who_am_i.json")

    def iter_users(self) -> Iterator[dict]:
        return self.iter_records("users.json", fields=USER_FIELDS)

    def iter_matters(self, statuses: Iterable[str]) -> Iterator[dict]:
        """Yield the matters whose status is one of `statuses` ("open", "pending", "closed")."""
        requested = [status.strip().lower() for status in statuses]
        if not requested:
            raise ValueError("iter_matters needs at least one status, such as 'open'.")
        unknown = sorted(set(requested) - MATTER_STATUSES)
        if unknown:
            raise ValueError(f"Unknown matter status {unknown}. Use open, pending or closed.")

        status = ",".join(dict.fromkeys(requested))
        return self.iter_records("matters.json", params={"status": status}, fields=MATTER_FIELDS)

    def iter_matters_by_ids(self, ids: Iterable[int]) -> Iterator[dict]:
        for chunk in _chunks(ids, IDS_PER_REQUEST):
            yield from self.iter_records("matters.json", params={"ids[]": chunk}, fields=MATTER_FIELDS)

    def iter_contacts(self, ids: Iterable[int] | None = None) -> Iterator[dict]:
        """Yield all contacts, or only those with the given ids."""
        if ids is None:
            yield from self.iter_records("contacts.json", fields=CONTACT_FIELDS)
            return
        for chunk in _chunks(ids, IDS_PER_REQUEST):
            yield from self.iter_records("contacts.json", params={"ids[]": chunk}, fields=CONTACT_FIELDS)

    def iter_activity_descriptions(self) -> Iterator[dict]:
        # NOTE: Clio's OpenAPI spec declares no `order` parameter for this endpoint (other indexes
        # have one), so none is sent and paging relies on the `next` links alone.
        return self.iter_records("activity_descriptions.json", fields=ACTIVITY_DESCRIPTION_FIELDS, order=None)

    # -- Time entries --------------------------------------------------------------------------

    def create_time_entry(
        self,
        *,
        user_id: int,
        matter_id: int,
        date: datetime.date,
        quantity_seconds: int,
        note: str,
        activity_description_id: int | None = None,
    ) -> dict:
        """Create a TimeEntry activity in Clio and return it.

        Raises ClioOutcomeUnknownError when Clio may have created it without returning a response; call
        find_time_entries before trying again.
        """
        if quantity_seconds <= 0:
            raise ValueError(f"quantity_seconds must be positive, got {quantity_seconds!r}.")

        entry: dict[str, Any] = {
            "type": "TimeEntry",
            "date": date.isoformat(),
            # Seconds, because API versions from 4.0.4 on read quantity as seconds, not hours.
            "quantity": quantity_seconds,
            "matter": {"id": matter_id},
            "user": {"id": user_id},
            "note": note,
        }
        if activity_description_id is not None:
            entry["activity_description"] = {"id": activity_description_id}

        response = self.request(
            "POST", "activities.json", params={"fields": CREATED_TIME_ENTRY_FIELDS}, json={"data": entry}
        )
        return _data_object(_json_body(response), "activities.json")

    def find_time_entries(
        self,
        *,
        user_id: int,
        matter_id: int,
        date: datetime.date,
        created_since: datetime.datetime | None = None,
    ) -> list[dict]:
        """Return the user's time entries on the matter for that date, optionally created since a moment."""
        params: dict[str, Any] = {
            "type": "TimeEntry",
            "user_id": user_id,
            "matter_id": matter_id,
            "start_date": date.isoformat(),
            "end_date": date.isoformat(),
        }
        if created_since is not None:
            if created_since.tzinfo is None:
                raise ValueError("created_since must be timezone-aware.")
            params["created_since"] = created_since.isoformat()

        return list(self.iter_records("activities.json", params=params, fields=FOUND_TIME_ENTRY_FIELDS))

    # -- Helpers -------------------------------------------------------------------------------

    def _resolve_url(self, path: str) -> httpx.URL:
        """Return the absolute URL for `path`, raising ClioRequestError if it leaves the API URL.

        The check keeps the access token from being sent to any other host or path.
        """
        is_absolute = "://" in path or path.startswith("//")
        url = httpx.URL(path if is_absolute else f"{self.region.api_url}/{path.lstrip('/')}")

        api = httpx.URL(f"{self.region.api_url}/")
        same_origin = (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port)
        segments = unquote(url.path).split("/")
        if not same_origin or url.userinfo or not url.path.startswith(api.path) or ".." in segments:
            raise ClioRequestError(
                f"rejected a URL outside {self.region.api_url}, because the access token is sent only there",
                path=url.path if same_origin else None,
            )
        return url

    def _send(self, method: str, url: httpx.URL, params: dict | None, json: Any) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {self._tokens.access_token()}",
            "X-API-VERSION": self._api_version,
        }

        started = time.monotonic()
        try:
            response = self._http.request(method, url, params=params, json=json, headers=headers)
        except httpx.HTTPError as exc:
            logger.debug(
                "clio.request method=%s path=%s failed=%s elapsed_ms=%d",
                method,
                url.path,
                type(exc).__name__,
                (time.monotonic() - started) * 1000,
            )
            raise

        self._pacer.record(response.headers)
        logger.debug(
            "clio.request method=%s path=%s status=%s elapsed_ms=%d ratelimit_remaining=%s request_id=%s",
            method,
            url.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
            response.headers.get("X-RateLimit-Remaining"),
            response.headers.get("X-Request-Id"),
        )
        return response

    def _wait_for_rate_limit_window(self) -> None:
        wait = self._pacer.wait_before_next_request()
        if wait <= 0:
            return
        logger.info("clio.rate_limit_pause wait_s=%.1f reason=no requests left in window", wait)
        self._sleep(wait)
        self._pacer.mark_waited()

    def _retry_wait(self, error: ClioError, retry_number: int) -> float | None:
        if not error.retryable or retry_number >= self._max_retries:
            return None
        return retry_wait_seconds(error, retry_number, self._pacer)


def _json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError as exc:
        raise ClioServerError(
            "response body is not JSON",
            status_code=response.status_code,
            method=response.request.method,
            path=response.request.url.path,
        ) from exc
    if not isinstance(body, dict):
        raise ClioServerError(
            "response body is not a JSON object",
            status_code=response.status_code,
            method=response.request.method,
            path=response.request.url.path,
        )
    return body


def _data_object(body: dict, path: str) -> dict:
    data = body.get("data")
    if not isinstance(data, dict):
        raise ClioServerError("response has no data object", path=path)
    return data


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    """Yield the distinct ids in order, `size` at a time."""
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]
