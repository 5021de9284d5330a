import httpx
import pytest

from mira.clio import (
    ClioAuthenticationError,
    ClioError,
    ClioNotFoundError,
    ClioOutcomeUnknownError,
    ClioPagingLimitError,
    ClioPermissionError,
    ClioRateLimitedError,
    ClioRequestError,
    ClioServerError,
    ClioTransportError,
    OAuthError,
)
from mira.clio.mapping import error_from_exception, error_from_response, parse_retry_after

URL = "https://app.clio.com/api/v4/activities.json?page_token=secret-page-token"
SECRETS = ("secret-token", "secret-page-token", "Bearer")


def all_subclasses(cls: type) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found.append(subclass)
        found.extend(all_subclasses(subclass))
    return found


def clio_response(status: int, body: dict | None = None, method: str = "GET", headers: dict | None = None):
    request = httpx.Request(method, URL, headers={"Authorization": "Bearer secret-token"})
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (400, "GET", ClioRequestError),
        (401, "GET", ClioAuthenticationError),
        (403, "GET", ClioPermissionError),
        (404, "GET", ClioNotFoundError),
        (410, "GET", ClioRequestError),
        (422, "POST", ClioRequestError),
        (429, "POST", ClioRateLimitedError),
        (500, "GET", ClioServerError),
        (503, "DELETE", ClioServerError),
        (500, "POST", ClioOutcomeUnknownError),
        (502, "PATCH", ClioOutcomeUnknownError),
        (302, "GET", ClioRequestError),
    ],
)
def test_status_maps_to_error_class(status, method, expected):
    error = error_from_response(clio_response(status, {"error": {"type": "T", "message": "m"}}, method))

    assert type(error) is expected
    assert error.status_code == status
    assert error.method == method
    assert error.error_type == "T"
    assert error.error_message == "m"


def test_error_path_has_no_query_string():
    error = error_from_response(clio_response(404, headers={"X-Request-Id": "req-1"}))

    assert error.path == "/api/v4/activities.json"
    assert error.request_id == "req-1"
    assert error.error_type is None


def test_oauth_shaped_401_body_is_parsed():
    error = error_from_response(clio_response(401, {"error": "invalid_token", "error_description": "expired"}))

    assert error.error_type == "invalid_token"
    assert error.error_message == "expired"


def test_retry_after_parsed_from_429():
    error = error_from_response(clio_response(429, headers={"Retry-After": "12"}))

    assert error.retry_after == 12.0


def test_retry_after_http_date_and_junk():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412500.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


def test_every_httpx_exception_is_mapped():
    # Each httpx exception class, raised during a POST, must map to a Clio error, and only the
    # ones raised before sending may be retried.
    not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
    invalid_request = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.TooManyRedirects)
    request = httpx.Request("POST", URL)

    for exc_class in all_subclasses(httpx.HTTPError):
        if exc_class is httpx.HTTPStatusError:
            continue
        exc = exc_class("failed", request=request)

        error = error_from_exception(exc)

        assert isinstance(error, ClioError), exc_class
        assert error.path == "/api/v4/activities.json", exc_class
        if issubclass(exc_class, not_sent):
            assert type(error) is ClioTransportError, exc_class
        elif issubclass(exc_class, invalid_request):
            assert type(error) is ClioRequestError, exc_class
        else:
            assert type(error) is ClioOutcomeUnknownError, exc_class


def test_read_timeout_on_get_is_transport_error():
    exc = httpx.ReadTimeout("timed out", request=httpx.Request("GET", URL))

    error = error_from_exception(exc)

    assert type(error) is ClioTransportError
    assert error.retryable is True


def test_status_error_maps_through_response():
    response = clio_response(403)
    exc = httpx.HTTPStatusError("forbidden", request=response.request, response=response)

    assert type(error_from_exception(exc)) is ClioPermissionError


def test_retryable_flags():
    assert ClioTransportError.retryable is True
    assert ClioRateLimitedError.retryable is True
    assert ClioServerError.retryable is True
    for cls in (
        ClioAuthenticationError,
        ClioPermissionError,
        ClioNotFoundError,
        ClioRequestError,
        ClioOutcomeUnknownError,
        ClioPagingLimitError,
        OAuthError,
    ):
        assert cls.retryable is False, cls


def test_str_is_for_logs_and_truncated():
    long_message = "x" * 500
    error = error_from_response(
        clio_response(422, {"error": {"type": "ArgumentError", "message": long_message}}, "POST", {"X-Request-Id": "r-9"})
    )

    text = str(error)
    assert text.startswith("ClioRequestError 422 POST /api/v4/activities.json")
    assert "ArgumentError" in text
    assert "r-9" in text
    assert "x" * 200 not in text
    assert len(text) < 400
    for secret in SECRETS:
        assert secret not in text
        assert secret not in repr(error)


@pytest.mark.parametrize(
    ("error", "expected_phrase"),
    [
        (ClioTransportError("ConnectError"), "could not reach Clio"),
        (ClioRateLimitedError("rate limited", retry_after=5), "HTTP 429"),
        (ClioServerError("", status_code=503), "HTTP 503"),
        (ClioAuthenticationError("", status_code=401), "connect to Clio again"),
        (ClioPermissionError("", status_code=403), "permissions listed on the Destination page"),
        (ClioNotFoundError("", status_code=404), "could not find"),
        (ClioRequestError("", status_code=422, error_type="ArgumentError"), "HTTP 422, ArgumentError"),
        (ClioOutcomeUnknownError("ReadTimeout"), "may or may not have been saved"),
        (ClioPagingLimitError("more than 3 pages"), "more pages"),
        (OAuthError("invalid_grant", "revoked"), "authorize MIRA in Clio again"),
        (OAuthError("invalid_client", "bad secret"), "App Secret"),
        (OAuthError("invalid_response", "no access_token"), "could not use"),
        (OAuthError("invalid_request", "redirect mismatch"), "redirect URI"),
        (ClioError("something"), "contact MIRA support"),
    ],
)
def test_user_message_per_error_class(error, expected_phrase):
    assert expected_phrase in error.user_message


def test_user_message_never_contains_clio_body():
    body_text = "token secret-token in body <script>"
    error = ClioRequestError("", status_code=400, error_type="Bad type with spaces", error_message=body_text)

    message = error.user_message
    assert body_text not in message
    assert "secret-token" not in message
    assert "Bad type with spaces" not in message
    assert "HTTP 400" in message


def test_every_error_class_has_its_own_user_message():
    classes = [ClioError, *all_subclasses(ClioError)]
    messages = {cls: cls().user_message if cls is not OAuthError else cls("x").user_message for cls in classes}

    assert len(set(messages.values())) == len(classes)
