"""Settings for the test suite: an isolated data directory and throwaway keys, then MIRA's settings.

DATABASE_URL from the environment still applies, so the same suite runs on SQLite and PostgreSQL.
"""

import os
import tempfile

from cryptography.fernet import Fernet

# Every run gets its own data directory, so parallel runs never share a SQLite test database.
os.environ["MIRA_DATA_DIR"] = tempfile.mkdtemp(prefix="mira-tests-")
os.environ.setdefault("MIRA_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("MIRA_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("MIRA_EMAIL_BACKEND", "memory")

from mira.settings import *  # noqa: E402,F403
