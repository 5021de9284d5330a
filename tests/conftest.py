"""Test-wide set-up: an isolated data directory and keys, before Django reads its settings."""

import os
import tempfile

from cryptography.fernet import Fernet

_data_dir = tempfile.mkdtemp(prefix="mira-tests-")
os.environ.setdefault("MIRA_DATA_DIR", _data_dir)
os.environ.setdefault("MIRA_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("MIRA_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("MIRA_EMAIL_BACKEND", "memory")
