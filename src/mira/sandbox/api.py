"""Request handling shared by the sandbox's API v4 endpoints: version, bearer token, rate limit,
permission, error bodies and paging.

Errors use the spec's Error shape, {"error": {"type": ..., "message": ...}}, for every status.
"""

import dataclasses
import datetime
import email.utils
import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from mira.sandbox import count_cache, oauth
from mira.sandbox.models import AccessToken, SandboxUser

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "4.0.9"
# NOTE: 4.0.11 to 4.0.13 come from Clio's changelog; the spec copy lists versions up to 4.0.10.
SUPPORTED_MINOR_VERSIONS = range(0, 14)
# Versions before 4.0.4 send and receive activity quantities in hours, later ones in seconds.
FIRST_SECONDS_MINOR_VERSION = 4
VERSION_PATTERN = re.compile(r"^4\.0\.(\d{1,3})$")
CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_RATE_LIMIT = 50
RATE_WINDOW_SECONDS = 60
PAGE_TOKEN_SALT = "mira.sandbox.page-token"
ORDER_PATTERN = re.compile(r"^([a-z_.]+)\((asc|desc)\)$")
# Clio's offset paging reaches only the first 10,000 records (50 pages of 200); cursor paging has no cap.
MAXIMUM_OFFSET_RECORDS = 10_000

READ = "read"
READ_WRITE = "read_write"


class ApiError(Exception):
    """An API error response with the spec's Error body."""

    def __init__(self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.headers = headers or {}


@dataclasses.dataclass
class ApiContext:
    """The caller of an endpoint: its access token, the user behind it and the requested API version."""

    token: AccessToken
    user: SandboxUser
    version: str

    @property
    def quantity_in_hours(self) -> bool:
        return quantity_in_hours(self.version)


def quantity_in_hours(version: str) -> bool:
    """Return whether `version` (an accepted X-API-VERSION) counts activity quantities in hours."""
    return int(version.rsplit(".", 1)[1]) < FIRST_SECONDS_MINOR_VERSION


def json_response(status: int, payload: Any | None) -> HttpResponse:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    if payload is None:
        del response["Content-Type"]
    return response


def error_response(error: ApiError) -> HttpResponse:
    response = json_response(error.status, {"error": {"type": error.error_type, "message": error.message}})
    for name, value in error.headers.items():
        response[name] = value
    return response


def api_endpoint(permission: str, methods: dict[str, str]) -> Callable:
    """Wrap an endpoint: `methods` maps each allowed HTTP method to the access level it needs."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            rate_headers: dict[str, str] = {}
            version = DEFAULT_API_VERSION
            try:
                version = _requested_version(request)
                token = _authenticate(request)
                rate_headers = _count_request(token)
                _check_method(request, methods)
                check_permission(token, permission, methods[request.method])
                context = ApiContext(token=token, user=token.grant.user, version=version)
                response = view(request, context, *args, **kwargs)
            except ApiError as error:
                logger.info("API %s %s -> %s %s", request.method, request.path, error.status, error.error_type)
                response = error_response(error)

            if response.status_code != 410:
                response["X-API-VERSION"] = version
            for name, value in rate_headers.items():
                response[name] = value
            return response

        # The URLconf's registry of spec operations reads the methods from here.
        wrapper.api_methods = tuple(methods)
        return wrapper

    return decorator


def _requested_version(request: HttpRequest) -> str:
    value = request.headers.get("X-API-VERSION")
    if value is None:
        return DEFAULT_API_VERSION

    match = VERSION_PATTERN.match(value.strip())
    if match is None:
        raise ApiError(410, "UnsupportedVersion", f"X-API-VERSION {value!r} is invalid; send a version like 4.0.9.")
    if int(match.group(1)) not in SUPPORTED_MINOR_VERSIONS:
        raise ApiError(
            410, "UnsupportedVersion",
            f"X-API-VERSION {value!r} is not supported; use 4.0.0 to 4.0.13 (default {DEFAULT_API_VERSION}).",
        )
    return value.strip()


def _authenticate(request: HttpRequest) -> AccessToken:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "invalid_token", "Missing access token: send 'Authorization: Bearer <access token>'.")

    record = oauth.find_access_token(value.strip())
    problem = oauth.access_token_problem(record)
    if problem:
        raise ApiError(401, "invalid_token", problem)
    return record


# Requests counted per access-token digest in fixed 60-second windows: digest -> (window start, count).
_rate_windows: dict[str, tuple[float, int]] = {}
_rate_lock = threading.Lock()


def rate_limit() -> int:
    return int(getattr(settings, "MIRA_SANDBOX_RATE_LIMIT", DEFAULT_RATE_LIMIT))


def _count_request(token: AccessToken) -> dict[str, str]:
    limit = rate_limit()
    now = time.time()
    with _rate_lock:
        start, count = _rate_windows.get(token.token_hash, (now, 0))
        if now - start >= RATE_WINDOW_SECONDS:
            start, count = now, 0
        count += 1
        _rate_windows[token.token_hash] = (start, count)

    reset = int(start + RATE_WINDOW_SECONDS)
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(limit - count, 0)),
        "X-RateLimit-Reset": str(reset),
    }
    if count > limit:
        retry_after = max(int(start + RATE_WINDOW_SECONDS - now) + 1, 1)
        headers["Retry-After"] = str(retry_after)
        raise ApiError(
            429, "RateLimited", f"Rate limit of {limit} requests per {RATE_WINDOW_SECONDS} s exceeded; "
            f"retry after {retry_after} s.", headers,
        )
    return headers


def _check_method(request: HttpRequest, methods: dict[str, str]) -> None:
    if request.method not in methods:
        allowed = ", ".join(sorted(methods))
        raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed here; use {allowed}.")


def check_permission(token: AccessToken, permission: str, level: str) -> None:
    granted = token.grant.app.permissions.get(permission)
    if granted == READ_WRITE or (granted == READ and level == READ):
        return
    needed = "Read/Write" if level == READ_WRITE else "Read"
    raise ApiError(
        403, "ForbiddenError",
        f"The app lacks the {permission.replace('_', ' ').title()} {needed} permission; "
        "add it to the app and authorize again.",
    )


def parse_limit(request: HttpRequest, maximum: int) -> int:
    raw = request.GET.get("limit")
    if raw is None:
        return maximum
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum:
        raise ApiError(400, "ArgumentError", f"limit {raw!r} is invalid; use a whole number from 1 to {maximum}.")
    return limit


@dataclasses.dataclass(frozen=True)
class Ordering:
    """A parsed `order` parameter: the spec's field name and the database columns it sorts by."""

    name: str
    columns: tuple[str, ...]
    descending: bool

    def order_by(self) -> list[str]:
        prefix = "-" if self.descending else ""
        return [prefix + column for column in (*self.columns, "id")]


def paginate(
    request: HttpRequest, queryset: QuerySet, maximum_limit: int = 200, orders: dict[str, tuple[str, ...]] | None = None,
    load: Callable[[QuerySet], list] = list,
) -> tuple[list, dict]:
    """Return one page of the queryset and `meta` with the total and the neighbouring pages' URLs.

    `orders` maps the `order` names the endpoint supports (besides id) to database columns. Ordering by
    id without `offset` pages with a cursor (page_token); any other order or an `offset` pages by offset.
    `load` runs the page's sliced queryset and returns its records, which must have an `id`.
    """
    limit = parse_limit(request, maximum_limit)
    ordering = _parse_order(request, orders or {})

    # Each page function also returns whether its page contains every record the queryset matches.
    if ordering.name == "id" and "offset" not in request.GET:
        records, paging, complete = _cursor_page(request, queryset, limit, ordering.descending, load)
    else:
        records, paging, complete = _offset_page(request, queryset, limit, ordering, load)

    # When the page contains every matching record, their number is the total, and no COUNT query is needed.
    total = len(records) if complete else count_cache.count(queryset)
    return records, {"paging": paging, "records": total}


def _parse_order(request: HttpRequest, orders: dict[str, tuple[str, ...]]) -> Ordering:
    raw = request.GET.get("order", "id(asc)")
    match = ORDER_PATTERN.match(raw)
    supported = {"id": ("id",), **orders}
    if match is None or match.group(1) not in supported:
        names = ", ".join(sorted(supported))
        raise ApiError(400, "ArgumentError", f"order {raw!r} is not supported by the sandbox here; use one of {names}, "
                       "each as name(asc) or name(desc).")
    name = match.group(1)
    columns = () if name == "id" else supported[name]
    return Ordering(name=name, columns=columns, descending=match.group(2) == "desc")


def _cursor_page(
    request: HttpRequest, queryset: QuerySet, limit: int, descending: bool, load: Callable[[QuerySet], list]
) -> tuple[list, dict, bool]:
    after_id = _parse_page_token(request, descending)
    if after_id is not None:
        queryset = queryset.filter(id__lt=after_id) if descending else queryset.filter(id__gt=after_id)
    records = load(queryset.order_by("-id" if descending else "id")[: limit + 1])

    paging: dict[str, str] = {}
    more = len(records) > limit
    if more:
        records = records[:limit]
        paging["next"] = _next_page_url(request, records[-1].id, descending)
    return records, paging, after_id is None and not more


def _offset_page(
    request: HttpRequest, queryset: QuerySet, limit: int, ordering: Ordering, load: Callable[[QuerySet], list]
) -> tuple[list, dict, bool]:
    if "page_token" in request.GET:
        raise ApiError(400, "ArgumentError", "page_token works only with order=id(asc) or id(desc) and no offset; "
                       "follow meta.paging.next as returned.")
    offset = _parse_offset(request)
    end = min(offset + limit, MAXIMUM_OFFSET_RECORDS)
    records = load(queryset.order_by(*ordering.order_by())[offset : end + 1])

    paging: dict[str, str] = {}
    more = len(records) > end - offset
    if more:
        records = records[: end - offset]
        if end < MAXIMUM_OFFSET_RECORDS:
            paging["next"] = _offset_page_url(request, end)
    if offset > 0:
        paging["previous"] = _offset_page_url(request, max(offset - limit, 0))
    return records, paging, offset == 0 and not more


def _parse_offset(request: HttpRequest) -> int:
    raw = request.GET.get("offset", "0")
    try:
        offset = int(raw)
    except ValueError:
        raise ApiError(400, "ArgumentError", f"offset {raw!r} is invalid; send a whole number of at least 0.") from None
    if offset < 0:
        raise ApiError(400, "ArgumentError", f"offset {raw!r} is invalid; send a whole number of at least 0.")
    if offset >= MAXIMUM_OFFSET_RECORDS:
        raise ApiError(
            422, "ArgumentError", f"offset {offset} is beyond the first {MAXIMUM_OFFSET_RECORDS} records that offset "
            "paging reaches; page with order=id(asc) and meta.paging.next instead.",
        )
    return offset


def _offset_page_url(request: HttpRequest, offset: int) -> str:
    params = [(key, value) for key, values in request.GET.lists() if key != "offset" for value in values]
    params.append(("offset", str(offset)))
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


def _parse_page_token(request: HttpRequest, descending: bool) -> int | None:
    raw = request.GET.get("page_token")
    if raw is None:
        return None
    try:
        payload = signing.loads(raw, salt=PAGE_TOKEN_SALT)
        after_id = int(payload["after"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApiError(400, "ArgumentError", "page_token is invalid; follow meta.paging.next as returned.") from None
    if payload.get("desc") != descending:
        raise ApiError(400, "ArgumentError", "page_token was issued for another order; follow meta.paging.next as returned.")
    return after_id


def _next_page_url(request: HttpRequest, last_id: int, descending: bool) -> str:
    params = [(key, value) for key, values in request.GET.lists() if key != "page_token" for value in values]
    params.append(("page_token", signing.dumps({"after": last_id, "desc": descending}, salt=PAGE_TOKEN_SALT)))
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


def not_modified(request: HttpRequest, record: Any, current_etag: str) -> HttpResponse | None:
    """Return a 304 response when If-None-Match or If-Modified-Since shows the client's copy is current."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if current_etag not in [tag.strip() for tag in if_none_match.split(",")] and if_none_match.strip() != "*":
            return None
        return _not_modified_response(current_etag)

    since = _parse_http_date(request.headers.get("If-Modified-Since"))
    if since is None or record.updated_at.replace(microsecond=0) > since:
        return None
    return _not_modified_response(current_etag)


def _not_modified_response(current_etag: str) -> HttpResponse:
    response = json_response(304, None)
    response["ETag"] = current_etag
    return response


def _parse_http_date(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
