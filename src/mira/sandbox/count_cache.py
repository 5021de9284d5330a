"""COUNT results reused while a SQLite database has not changed, for listing totals (`meta.records`).

Every page of a listing reports the total of the whole listing, and at 100,000 matters that COUNT scans
an index of 100,000 entries (about 0.5 ms). A client paging through a listing repeats the same COUNT
for each page, so each thread keeps the last results of its database connection. They are dropped when
`PRAGMA data_version` shows a commit by another connection or `total_changes` shows a change by this
connection. Other database backends count every time.
"""

import threading

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

# Results are kept per thread because each thread has its own database connection.
_cache = threading.local()
# Maximum distinct COUNT queries kept per thread, because filters such as ids[] or query vary without bound.
MAXIMUM_ENTRIES = 64


def count(queryset: QuerySet) -> int:
    """Return queryset.count(), from the cache while the database is unchanged since it was counted."""
    wrapper = connections[queryset.db]
    if wrapper.vendor != "sqlite":
        return queryset.count()
    try:
        sql, params = queryset.query.sql_with_params()
        key = (sql, tuple(params))
        hash(key)
    except (EmptyResultSet, TypeError):
        # A queryset that can match nothing (queryset.none()) counts without a query, and unhashable
        # parameters cannot be part of a key.
        return queryset.count()

    wrapper.ensure_connection()
    database = wrapper.connection
    # Read the version before counting: a commit in between changes it, so the next call counts again.
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        version = (database, cursor.fetchone()[0], database.total_changes)
    if getattr(_cache, "version", None) != version:
        _cache.version = version
        _cache.results = {}

    if key not in _cache.results:
        if len(_cache.results) >= MAXIMUM_ENTRIES:
            _cache.results.clear()
        _cache.results[key] = queryset.count()
    return _cache.results[key]
