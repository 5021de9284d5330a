from tests.sandbox.fixtures import sandbox  # noqa: F401
from tests.sync.support import clio_settings, connection, firm, sandbox_control, timekeeper  # noqa: F401
