"""The spec validation helper rejects responses that break Clio's spec and accepts ones that follow it."""

import httpx
import pytest

from tests.clio_spec.validation import spec_path_for, validate_clio_request, validate_clio_response

JSON = "application/json; charset=utf-8"


def response(method: str, url: str, status: int, body: bytes | None = b"{}", headers: dict | None = None) -> httpx.Response:
    request = httpx.Request(method, url)
    all_headers = {"content-type": JSON, **(headers or {})} if body is not None else headers or {}
    return httpx.Response(status, content=body or b"", headers=all_headers, request=request)


def test_spec_path_mapping():
    assert spec_path_for("/api/v4/matters") == "/api/v4/matters.json"
    assert spec_path_for("/api/v4/matters.json") == "/api/v4/matters.json"
    assert spec_path_for("/api/v4/activities/12/") == "/api/v4/activities/12.json"


def test_valid_matter_list_passes():
    body = b'{"data": [{"id": 1, "etag": "\\"a\\"", "status": "Open"}], "meta": {"records": 1}}'
    validate_clio_response(response("GET", "http://127.0.0.1:9/api/v4/matters.json", 200, body))


def test_bad_enum_value_fails():
    body = b'{"data": [{"id": 1, "status": "Archived"}]}'
    with pytest.raises(Exception, match="Archived"):
        validate_clio_response(response("GET", "http://127.0.0.1:9/api/v4/matters.json", 200, body))


def test_null_field_fails():
    body = b'{"data": [{"id": 1, "close_date": null}]}'
    with pytest.raises(Exception):
        validate_clio_response(response("GET", "http://127.0.0.1:9/api/v4/matters.json", 200, body))


def test_oauth_style_401_body_fails():
    body = b'{"error": "invalid_token", "error_description": "expired"}'
    with pytest.raises(Exception):
        validate_clio_response(response("GET", "http://127.0.0.1:9/api/v4/matters.json", 401, body))


def test_undeclared_status_fails_unless_allowed():
    body = b'{"error": {"type": "RecordNotFound", "message": "gone"}}'
    url = "http://127.0.0.1:9/api/v4/activities/5.json"
    with pytest.raises(AssertionError, match="does not declare"):
        validate_clio_response(response("DELETE", url, 404, body))
    validate_clio_response(response("DELETE", url, 404, body), allow_undeclared_error=True)


def test_410_needs_error_body():
    url = "http://127.0.0.1:9/api/v4/matters.json"
    validate_clio_response(response("GET", url, 410, b'{"error": {"type": "UnsupportedVersion", "message": "x"}}'))
    with pytest.raises(Exception):
        validate_clio_response(response("GET", url, 410, b'{"error": "gone"}'))


def test_request_body_missing_date_fails():
    request = httpx.Request("POST", "http://127.0.0.1:9/api/v4/activities.json", json={"data": {"type": "TimeEntry"}})
    with pytest.raises(Exception, match="date"):
        validate_clio_request(request)
