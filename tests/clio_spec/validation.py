"""Validate HTTP traffic to a Clio stand-in (such as the sandbox) against Clio's official API v4 spec.

A request to http://127.0.0.1:PORT/api/v4/matters is checked as https://app.clio.com/api/v4/matters.json.
The spec is loaded once per process (about 1.5 s) with spec validation off, because the file declares
the tag "Expense Categories" twice.
"""

import functools
import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).with_name("openapi.json")
CLIO_HOST_URL = "https://app.clio.com"
API_PREFIX = "/api/v4"
# The spec's description gives 410 Gone for an invalid or retired X-API-VERSION, but no operation
# declares a 410 response, so its body is checked against the Error schema directly.
STATUSES_DOCUMENTED_OUTSIDE_OPERATIONS = {410}


@functools.cache
def clio_spec() -> OpenAPI:
    """Load the spec once; later calls return the same object."""
    return OpenAPI.from_file_path(str(SPEC_PATH), config=Config(spec_validator_cls=None))


@functools.cache
def _spec_document() -> dict:
    return json.loads(SPEC_PATH.read_text())


class ClioRequest:
    """An httpx request seen as an openapi-core request to Clio's US host."""

    def __init__(self, request: httpx.Request) -> None:
        self.host_url = CLIO_HOST_URL
        self.path = spec_path_for(request.url.path)
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "").lower()


class ClioResponse:
    """An httpx response seen as an openapi-core response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "").lower()
        self.data = response.content or None


def spec_path_for(url_path: str) -> str:
    """Map a stand-in's URL path onto the spec's /api/v4/....json form."""
    if not url_path.startswith(API_PREFIX + "/"):
        raise AssertionError(f"{url_path!r} is not an API v4 path; only /api/v4/... requests can be validated.")
    path = url_path.rstrip("/")
    if not path.endswith(".json"):
        path += ".json"
    return path


def validate_clio_request(request: httpx.Request) -> None:
    """Raise if the request (method, path, parameters, body) does not match the spec."""
    clio_spec().validate_request(ClioRequest(request))


def validate_clio_response(response: httpx.Response, allow_undeclared_error: bool = False) -> None:
    """Raise if the response (status, content type, body) does not match the spec for its request.

    A status the operation does not declare fails validation. The exceptions are 410, which the spec
    describes in its text, and any error status when allow_undeclared_error is set. Both still need an Error body.
    """
    request = ClioRequest(response.request)
    operation = _operation(request)
    declared = str(response.status_code) in operation["responses"] or "default" in operation["responses"]
    if declared:
        clio_spec().validate_response(request, ClioResponse(response))
        return

    if response.status_code in STATUSES_DOCUMENTED_OUTSIDE_OPERATIONS or (
        allow_undeclared_error and response.status_code >= 400
    ):
        _validate_error_body(response)
        return
    raise AssertionError(
        f"{request.method.upper()} {request.path} returned {response.status_code}, which the spec does not declare "
        f"(declared: {', '.join(sorted(operation['responses']))})."
    )


def _operation(request: ClioRequest) -> dict:
    paths = _spec_document()["paths"]
    relative = request.path[len(API_PREFIX):]
    for template, operations in paths.items():
        if _matches(template, relative) and request.method in operations:
            return operations[request.method]
    raise AssertionError(f"The spec has no operation {request.method.upper()} {relative}.")


def _matches(template: str, path: str) -> bool:
    template_parts = template.split("/")
    path_parts = path.split("/")
    if len(template_parts) != len(path_parts):
        return False
    for expected, actual in zip(template_parts, path_parts):
        if expected.startswith("{") and expected.endswith("}.json"):
            if not actual.endswith(".json"):
                return False
        elif not (expected.startswith("{") and expected.endswith("}")) and expected != actual:
            return False
    return True


def _validate_error_body(response: httpx.Response) -> None:
    document = _spec_document()
    schema = {"$ref": "#/components/schemas/Error", "components": document["components"]}
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        raise AssertionError(f"Error response has Content-Type {content_type!r}; expected application/json.")
    OAS30Validator(schema).validate(response.json())
