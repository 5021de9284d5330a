import pytest

from tests.sandbox.fixtures import sandbox  # noqa: F401


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    # The suite sends more requests per token than Clio's 50 per minute; the 429 checks set their own limit.
    settings.MIRA_SANDBOX_RATE_LIMIT = 10_000
    settings.MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS = 0.05
