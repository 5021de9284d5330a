import pytest

from tests.sandbox.fixtures import sandbox  # noqa: F401


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    # Paging through every matter takes more requests than Clio's 50 per minute; the rate-limit
    # tests set their own limit.
    settings.MIRA_SANDBOX_RATE_LIMIT = 10_000
