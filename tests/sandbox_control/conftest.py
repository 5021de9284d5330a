from collections.abc import Iterator

import pytest

from mira.sandbox.faults import STORE
from mira.sandbox.stats import STATS
from tests.sandbox.fixtures import sandbox  # noqa: F401


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    # Fault and stats tests send more requests than Clio's 50 per minute.
    settings.MIRA_SANDBOX_RATE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def clean_faults_and_stats() -> Iterator[None]:
    # Fault rules and counts live in the process, so one test's rules must not reach the next.
    STORE.clear()
    STATS.reset()
    yield
    STORE.clear()
    STATS.reset()
