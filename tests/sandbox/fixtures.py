"""Pytest fixture that runs a seeded Clio sandbox on a free port of 127.0.0.1.

Import it into a conftest.py with `from tests.sandbox.fixtures import sandbox`.
"""

from collections.abc import Iterator

import pytest

from mira.sandbox import seed
from mira.sandbox.testing import RunningSandbox, running_sandbox


@pytest.fixture
def sandbox(transactional_db) -> Iterator[RunningSandbox]:
    """Seed the sandbox data (seed 1, 180 matters) and yield the running server; `.base_url` is its address."""
    seed.ensure_seeded()
    with running_sandbox() as server:
        yield server
