"""Faults on demand: a WSGI wrapper that answers chosen API requests with errors, delays or broken responses.

A rule matches requests by path and method and decides each matched response, either from a script
(the next N outcomes, then the rule is spent) or at random from a seed and probabilities. Rules live
in memory in the server process and are shared by all request threads under one lock.

Outcomes: "ok" (serve normally), 429/500/502/503 (Error body), "slow" (serve after delay_ms),
"timeout" (serve, then hold the response for hold_ms), "drop" (close the socket with no response),
"truncate" (serve the body cut to truncate_at bytes, with a matching Content-Length) and "revoke"
(serve, then revoke the request's access token so later requests get 401).
"""

import dataclasses
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"
# The request handler puts a callable under this environ key that marks the connection for closing.
DROP_CONNECTION_KEY = "mira.sandbox.drop_connection"

ERROR_STATUSES = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
ERROR_TYPES = {429: "RateLimited", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable"}
NAMED_OUTCOMES = ("ok", "slow", "timeout", "drop", "truncate", "revoke")
METHODS = ("*", "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS")

DEFAULT_DELAY_MS = 2000
DEFAULT_HOLD_MS = 60_000
DEFAULT_RETRY_AFTER = 1
DEFAULT_TRUNCATE_AT = 20

_NUMBER_SEGMENT = re.compile(r"^[0-9]+(\.json)?$")


class DroppedConnection(ConnectionAbortedError):
    """Raised by the fault wrapper to end a request without a response.

    wsgiref's handler returns quietly on ConnectionAbortedError, so nothing is written to the socket.
    """


class FaultRuleError(ValueError):
    """A fault rule with an invalid value; the message names the value and the fix."""


def path_template(path: str) -> str:
    """Return the path with numeric segments replaced by {id}, e.g. /api/v4/activities/{id}.json."""
    segments = []
    for segment in path.split("?")[0].split("/"):
        if _NUMBER_SEGMENT.match(segment):
            segment = "{id}" + (".json" if segment.endswith(".json") else "")
        segments.append(segment)
    return "/".join(segments)


def _comparable(path: str) -> str:
    # The API accepts /matters, /matters.json and /matters/, so a rule for one covers all three.
    path = path.rstrip("/")
    return path[: -len(".json")] if path.endswith(".json") else path


@dataclasses.dataclass
class Outcome:
    kind: str
    status: int | None = None
    delay_ms: int | None = None


@dataclasses.dataclass
class FaultRule:
    id: int
    path: str
    method: str
    script: list[Outcome] | None
    probabilities: dict[str, float] | None
    seed: int | None
    burst: int
    delay_ms: int
    hold_ms: int
    retry_after: int
    truncate_at: int
    served: int = 0
    rng: random.Random | None = None
    burst_left: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return _comparable(self.path) in (_comparable(path), _comparable(path_template(path)))

    @property
    def spent(self) -> bool:
        return self.script is not None and self.served >= len(self.script)

    def next_outcome(self) -> Outcome:
        """Return this rule's outcome for the next matched request; the caller holds the store's lock."""
        self.served += 1
        if self.script is not None:
            return self.script[self.served - 1]
        return self._random_outcome()

    def _random_outcome(self) -> Outcome:
        if self.burst_left > 0:
            self.burst_left -= 1
            return Outcome("error", status=429)

        draw = self.rng.random()
        for name, probability in self.probabilities.items():
            if draw < probability:
                outcome = parse_outcome(name)
                if outcome.status == 429:
                    self.burst_left = self.burst - 1
                return outcome
            draw -= probability
        return Outcome("ok")

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id, "path": self.path, "method": self.method,
            "script": [describe_outcome(outcome) for outcome in self.script] if self.script is not None else None,
            "random": self.probabilities, "seed": self.seed, "burst": self.burst,
            "delay_ms": self.delay_ms, "hold_ms": self.hold_ms, "retry_after": self.retry_after,
            "truncate_at": self.truncate_at, "served": self.served,
            "remaining": len(self.script) - self.served if self.script is not None else None,
        }


def parse_outcome(value: Any) -> Outcome:
    """Parse one script item: a status (429, 500, 502, 503), a name from NAMED_OUTCOMES, or "slow:MS"."""
    text = str(value).strip().lower()
    if text.isdigit():
        status = int(text)
        if status not in ERROR_STATUSES:
            raise FaultRuleError(f"Fault outcome {value!r} is not supported; use 429, 500, 502 or 503.")
        return Outcome("error", status=status)

    name, _, argument = text.partition(":")
    if name not in NAMED_OUTCOMES:
        raise FaultRuleError(
            f"Fault outcome {value!r} is unknown; use 429, 500, 502, 503, {', '.join(NAMED_OUTCOMES)} or slow:MS."
        )
    if not argument:
        return Outcome(name)
    if name != "slow" or not argument.isdigit():
        raise FaultRuleError(f"Fault outcome {value!r} is invalid; only slow takes a value, as slow:1500 (milliseconds).")
    return Outcome(name, delay_ms=int(argument))


def describe_outcome(outcome: Outcome) -> str | int:
    if outcome.kind == "error":
        return outcome.status
    if outcome.delay_ms is not None:
        return f"{outcome.kind}:{outcome.delay_ms}"
    return outcome.kind


class FaultStore:
    """The fault rules of one server process; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1
        # Set when the rules are cleared, so responses held for a "timeout" are released early.
        self._release = threading.Event()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Validate a rule given as JSON and add it; raise FaultRuleError naming the bad value."""
        rule = build_rule(spec, rule_id=0)
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        logger.info("Added fault rule %s for %s %s", rule.id, rule.method, rule.path)
        return rule

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules = []
            release, self._release = self._release, threading.Event()
        release.set()
        logger.info("Cleared %s fault rule(s)", count)
        return count

    def decide(self, method: str, path: str) -> tuple[FaultRule, Outcome, threading.Event] | None:
        """Return the first matching rule, its outcome for this request and the release event, or None."""
        with self._lock:
            for rule in self._rules:
                if rule.spent or not rule.matches(method, path):
                    continue
                return rule, rule.next_outcome(), self._release
        return None


def build_rule(spec: dict[str, Any], rule_id: int) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultRuleError('A fault rule must be a JSON object like {"path": "/api/v4/matters.json", "script": [429, "ok"]}.')
    unknown = sorted(set(spec) - {"path", "method", "script", "random", "seed", "burst", "delay_ms", "hold_ms", "retry_after", "truncate_at"})
    if unknown:
        raise FaultRuleError(f"Fault rule field {unknown[0]!r} is unknown; remove it.")

    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise FaultRuleError(f"path {path!r} is invalid; send a path like /api/v4/matters.json, or a prefix ending in * like /api/v4/*.")
    if path.startswith(CONTROL_PREFIX):
        raise FaultRuleError(f"path {path!r} is invalid: the control API under {CONTROL_PREFIX} is never faulted.")

    method = str(spec.get("method") or "*").upper()
    if method not in METHODS:
        raise FaultRuleError(f"method {spec.get('method')!r} is invalid; use one of {', '.join(METHODS)}.")

    script, probabilities = _parse_mode(spec)
    seed = _integer(spec, "seed", None, minimum=0)
    return FaultRule(
        id=rule_id, path=path, method=method, script=script, probabilities=probabilities, seed=seed,
        burst=_integer(spec, "burst", 1, minimum=1),
        delay_ms=_integer(spec, "delay_ms", DEFAULT_DELAY_MS, minimum=0),
        hold_ms=_integer(spec, "hold_ms", DEFAULT_HOLD_MS, minimum=0),
        retry_after=_integer(spec, "retry_after", DEFAULT_RETRY_AFTER, minimum=0),
        truncate_at=_integer(spec, "truncate_at", DEFAULT_TRUNCATE_AT, minimum=0),
        rng=random.Random(seed) if probabilities is not None else None,
    )


def _parse_mode(spec: dict[str, Any]) -> tuple[list[Outcome] | None, dict[str, float] | None]:
    has_script = "script" in spec
    has_random = "random" in spec
    if has_script == has_random:
        raise FaultRuleError('Send exactly one of "script" (a list like [429, 429, "ok"]) or "random" (like {"503": 0.2}).')

    if has_script:
        script = spec["script"]
        if isinstance(script, str):
            script = [item for item in script.split(",") if item.strip()]
        if not isinstance(script, list) or not script:
            raise FaultRuleError(f"script {spec['script']!r} is invalid; send a non-empty list like [429, 429, \"ok\", 503].")
        return [parse_outcome(item) for item in script], None

    probabilities = spec["random"]
    if not isinstance(probabilities, dict) or not probabilities:
        raise FaultRuleError(f"random {probabilities!r} is invalid; send an object of outcome to probability, like {{\"429\": 0.1, \"drop\": 0.05}}.")
    checked = {}
    for name, probability in probabilities.items():
        parse_outcome(name)
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            raise FaultRuleError(f"random probability {probability!r} for {name!r} is invalid; use a number from 0 to 1.")
        checked[str(name).strip().lower()] = float(probability)
    if sum(checked.values()) > 1:
        raise FaultRuleError(f"random probabilities add up to {sum(checked.values()):.3f}; they must add up to at most 1.")
    return None, checked


def _integer(spec: dict[str, Any], name: str, default: int | None, minimum: int) -> int | None:
    value = spec.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultRuleError(f"{name} {value!r} is invalid; use a whole number of at least {minimum}.")
    return value


STORE = FaultStore()

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


class FaultInjector:
    """WSGI wrapper that applies STORE's rules to every request outside the control API."""

    def __init__(self, app: WSGIApp, store: FaultStore = STORE) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path.startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)

        decision = self.store.decide(method, path)
        if decision is None:
            return self.app(environ, start_response)

        rule, outcome, release = decision
        logger.info("Fault rule %s: %s %s -> %s", rule.id, method, path_template(path), describe_outcome(outcome))
        return self._apply(rule, outcome, release, environ, start_response)

    def _apply(self, rule: FaultRule, outcome: Outcome, release: threading.Event,
               environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if outcome.kind == "error":
            return _error_response(outcome.status, rule.retry_after, start_response)
        if outcome.kind == "drop":
            _drop_connection(environ)
        if outcome.kind == "slow":
            time.sleep((outcome.delay_ms if outcome.delay_ms is not None else rule.delay_ms) / 1000)
        if outcome.kind in ("timeout", "truncate", "revoke"):
            return self._serve_altered(rule, outcome, release, environ, start_response)
        return self.app(environ, start_response)

    def _serve_altered(self, rule: FaultRule, outcome: Outcome, release: threading.Event,
                       environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = _run_buffered(self.app, environ)
        if outcome.kind == "revoke":
            _revoke_access_token(environ)
        if outcome.kind == "timeout":
            # The request has been handled (a write is stored), but the client sees no response in time.
            release.wait(rule.hold_ms / 1000)
        if outcome.kind == "truncate":
            body = body[: rule.truncate_at]
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]


def _error_response(status: int, retry_after: int, start_response: StartResponse) -> list[bytes]:
    message = f"Injected fault: HTTP {status} from the sandbox's fault rules."
    if status == 429:
        message = f"Rate limit exceeded (injected fault); retry after {retry_after} s."
    body = json.dumps({"error": {"type": ERROR_TYPES[status], "message": message}}).encode()
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
    if status == 429:
        headers.append(("Retry-After", str(retry_after)))
    start_response(f"{status} {ERROR_STATUSES[status]}", headers)
    return [body]


def _drop_connection(environ: dict) -> None:
    mark_for_closing = environ.get(DROP_CONNECTION_KEY)
    if mark_for_closing is None:
        raise RuntimeError("Dropping a connection needs the sandbox's request handler (mira.sandbox.server).")
    mark_for_closing()
    raise DroppedConnection("Injected fault: connection dropped without a response.")


def _run_buffered(app: WSGIApp, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"] = status
        captured["headers"] = list(headers)
        return lambda data: None

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body


def _revoke_access_token(environ: dict) -> None:
    from mira.sandbox.models import AccessToken, hash_token

    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        logger.warning("Fault rule asked to revoke a token, but the request sent no bearer token")
        return
    try:
        revoked = AccessToken.objects.filter(token_hash=hash_token(token.strip())).update(revoked=True)
    finally:
        # Django closed this thread's connection when the response finished; close the one reopened here.
        close_old_connections()
        connection.close()
    logger.info("Fault rule revoked %s access token(s) after serving the request", revoked)
