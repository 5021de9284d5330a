"""How long to wait before the next request to Clio: rate-limit pacing and retry backoff.

Clio limits requests per access token over a 60-second window, and reports the window on every
response: X-RateLimit-Remaining (requests left) and X-RateLimit-Reset (Unix time the window ends).
"""

import math
import random
import threading
from collections.abc import Callable

import httpx

from mira.clio.errors import ClioError, ClioRateLimitedError

BASE_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0

# Clio's window is 60 seconds, so a reset further away than this means a skewed clock, not a real wait.
MAX_PACING_WAIT_SECONDS = 60.0

# A 429 asking for a longer wait is raised to the caller, so a sync job can be rescheduled
# instead of holding a worker asleep.
MAX_RATE_LIMIT_WAIT_SECONDS = 120.0


class RateLimitPacer:
    """Latest rate-limit headers of one access token, and the wait they impose before the next request."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset_at: float | None = None

    @property
    def remaining(self) -> int | None:
        return self._remaining

    def record(self, headers: httpx.Headers) -> None:
        """Store X-RateLimit-Remaining and X-RateLimit-Reset from a response, when present."""
        remaining = _parse_int(headers.get("X-RateLimit-Remaining"))
        reset_at = _parse_float(headers.get("X-RateLimit-Reset"))

        with self._lock:
            if remaining is not None:
                self._remaining = remaining
            if reset_at is not None:
                self._reset_at = reset_at

    def seconds_until_reset(self) -> float | None:
        """Return seconds until the current window ends, or None if no reset time is known."""
        with self._lock:
            reset_at = self._reset_at
        if reset_at is None:
            return None
        return min(max(0.0, reset_at - self._clock()), MAX_PACING_WAIT_SECONDS)

    def wait_before_next_request(self) -> float:
        """Return seconds to wait: until the reset when no requests remain, otherwise 0."""
        with self._lock:
            exhausted = self._remaining is not None and self._remaining <= 0
        if not exhausted:
            return 0.0
        return self.seconds_until_reset() or 0.0

    def mark_waited(self) -> None:
        """Forget the exhausted window after sleeping through it, so the wait is not repeated."""
        with self._lock:
            self._remaining = None


def backoff_seconds(retry_number: int, rng: random.Random | None = None) -> float:
    """Return the wait before retry `retry_number` (0 for the first): exponential, jittered, capped.

    The wait is drawn between half and all of min(60, 2**retry_number) seconds, so clients that
    failed together do not all retry at the same moment.
    """
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2**retry_number)
    return (rng or random).uniform(ceiling / 2, ceiling)


def retry_wait_seconds(error: ClioError, retry_number: int, pacer: RateLimitPacer) -> float | None:
    """Return how long to wait before retrying after `error`, or None to give up now.

    A 429 waits for Retry-After, else for the window reset, else backs off. It gives up when
    Clio requests a wait longer than MAX_RATE_LIMIT_WAIT_SECONDS.
    """
    if not isinstance(error, ClioRateLimitedError):
        return backoff_seconds(retry_number)

    wait = error.retry_after
    if wait is None:
        wait = pacer.seconds_until_reset()
    if wait is None:
        wait = backoff_seconds(retry_number)

    if wait > MAX_RATE_LIMIT_WAIT_SECONDS:
        return None
    return wait


def _parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _parse_float(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
