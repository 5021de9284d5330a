"""Request counts per endpoint and status, kept in memory by a WSGI wrapper around the sandbox.

Endpoints are counted by method and path template (numeric segments become {id}), so no record id,
query string or token is stored. Requests to the control API under /_sandbox/ are not counted.
"""

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from mira.sandbox.faults import CONTROL_PREFIX, DroppedConnection, StartResponse, WSGIApp, path_template

logger = logging.getLogger(__name__)

DROPPED = "dropped"


class RequestStats:
    """Counts of (method, path template, status); every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def record(self, method: str, path: str, status: str) -> None:
        with self._lock:
            self._counts[(method, path_template(path), status)] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
        logger.info("Reset the sandbox's request counts")

    def snapshot(self) -> dict[str, Any]:
        """Return the counts grouped by endpoint, e.g. {"GET /api/v4/matters.json": {"200": 3, "429": 1}}."""
        with self._lock:
            items = sorted(self._counts.items())
        endpoints: dict[str, dict[str, Any]] = {}
        for (method, template, status), count in items:
            entry = endpoints.setdefault(f"{method} {template}", {"method": method, "path": template, "total": 0, "statuses": {}})
            entry["statuses"][status] = count
            entry["total"] += count
        return {"total": sum(entry["total"] for entry in endpoints.values()), "endpoints": endpoints}


STATS = RequestStats()


class StatsRecorder:
    """WSGI wrapper that records the status each request was answered with, or "dropped"."""

    def __init__(self, app: WSGIApp, stats: RequestStats = STATS) -> None:
        self.app = app
        self.stats = stats

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path.startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)

        def counting_start_response(status: str, headers: list, exc_info: Any = None):
            self.stats.record(method, path, status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.app(environ, counting_start_response)
        except DroppedConnection:
            self.stats.record(method, path, DROPPED)
            raise
