"""Read MIRA's configuration from environment variables and the data directory.

Every variable is documented in the README. Secrets that `mira demo` generates (the Django secret
key and the encryption keys) live as files in the data directory, so a restarted demo can still
decrypt what it stored.
"""

import os
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

SECRET_KEY_FILE = "secret-key"
ENCRYPTION_KEYS_FILE = "encryption-keys"


def data_dir() -> Path:
    """Return the data directory from MIRA_DATA_DIR, defaulting to `.mira` in the working directory."""
    return Path(os.environ.get("MIRA_DATA_DIR", ".mira")).resolve()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean. Use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number of seconds.") from None


def _read_key_file(name: str) -> str | None:
    path = data_dir() / name
    if path.exists():
        return path.read_text().strip()
    return None


def secret_key() -> str:
    """Return MIRA_SECRET_KEY, or the key that `mira demo` wrote into the data directory."""
    key = os.environ.get("MIRA_SECRET_KEY") or _read_key_file(SECRET_KEY_FILE)
    if not key:
        raise ImproperlyConfigured(
            "MIRA_SECRET_KEY is not set and the data directory "
            f"{data_dir()} has no {SECRET_KEY_FILE} file. Set MIRA_SECRET_KEY, "
            "or run `mira init-keys` once to generate the keys into the data directory."
        )
    return key


def encryption_keys() -> list[str]:
    """Return the Fernet keys for secrets at rest, newest first.

    MIRA_ENCRYPTION_KEYS is a comma-separated list. The first key encrypts and every key decrypts,
    so a key is rotated by putting a new one in front and keeping the old one until re-encryption.
    """
    raw = os.environ.get("MIRA_ENCRYPTION_KEYS") or _read_key_file(ENCRYPTION_KEYS_FILE)
    if not raw:
        raise ImproperlyConfigured(
            "MIRA_ENCRYPTION_KEYS is not set and the data directory "
            f"{data_dir()} has no {ENCRYPTION_KEYS_FILE} file. Set MIRA_ENCRYPTION_KEYS to one "
            "or more comma-separated Fernet keys, or run `mira init-keys` once."
        )
    keys = [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            # The key itself is a secret, so the message names its position, never its value.
            raise ImproperlyConfigured(
                f"Encryption key number {position} in MIRA_ENCRYPTION_KEYS is not a valid Fernet "
                "key (32 url-safe base64-encoded bytes). Generate one with `mira init-keys --print`."
            ) from None
    return keys


def write_missing_keys(directory: Path) -> list[str]:
    """Generate the secret key and an encryption key into `directory` unless they exist there.

    Returns the names of the files it created. The files are readable by their owner only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    created = []
    for name, make in ((SECRET_KEY_FILE, get_random_secret_key),
                       (ENCRYPTION_KEYS_FILE, lambda: Fernet.generate_key().decode())):
        path = directory / name
        if path.exists():
            continue
        path.write_text(make() + "\n")
        path.chmod(0o600)
        created.append(name)
    return created
