"""Django settings for MIRA, read from environment variables (see the README's Configuration)."""

import os

import dj_database_url

from mira.core import config

BASE_DIR = config.data_dir()
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key()
MIRA_ENCRYPTION_KEYS = config.encryption_keys()
DEBUG = config.env_bool("MIRA_DEBUG", False)

# The public base URL is the address firms' browsers use; the OAuth redirect URI is derived from it.
MIRA_PUBLIC_BASE_URL = os.environ.get("MIRA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# When set, the portal offers a "Sandbox" region whose Clio lives at this address.
MIRA_SANDBOX_URL = os.environ.get("MIRA_SANDBOX_URL", "").rstrip("/")
MIRA_CUSTOMER_SUCCESS_EMAIL = os.environ.get(
    "MIRA_CUSTOMER_SUCCESS_EMAIL", "customer.success@matteroom.com"
)
MIRA_SYNC_INTERVAL_MINUTES = config.env_int("MIRA_SYNC_INTERVAL_MINUTES", 60)
# Clio API minor version sent as X-API-VERSION on every call; 4.0.4 and later count quantity in seconds.
MIRA_CLIO_API_VERSION = os.environ.get("MIRA_CLIO_API_VERSION", "4.0.9")

_default_hosts = "127.0.0.1,localhost,[::1]"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("MIRA_ALLOWED_HOSTS", _default_hosts).split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [MIRA_PUBLIC_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "mira.core",
    "mira.accounts",
    "mira.destinations",
    "mira.activation",
    "mira.sync",
    "mira.timeentries",
    "mira.api",
    "mira.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mira.urls"
WSGI_APPLICATION = "mira.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'mira.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The portal, the worker, the scheduler and the sandbox are separate processes sharing one file:
    # WAL lets readers run beside the one writer, and IMMEDIATE transactions wait for the write lock
    # up front instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

SESSION_COOKIE_NAME = "mira_session"
CSRF_COOKIE_NAME = "mira_csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = MIRA_PUBLIC_BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

TASKS = {
    "default": {
        "BACKEND": os.environ.get("MIRA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

_email_backend = os.environ.get("MIRA_EMAIL_BACKEND", "console")
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = os.environ.get("MIRA_EMAIL_FILE_PATH", str(DATA_DIR / "sent-emails"))
EMAIL_HOST = os.environ.get("MIRA_EMAIL_HOST", "localhost")
EMAIL_PORT = config.env_int("MIRA_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("MIRA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MIRA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.env_bool("MIRA_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("MIRA_DEFAULT_FROM_EMAIL", "MIRA <no-reply@miranow.ai>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MIRA_LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs every request URL at INFO, and a Clio paging URL can carry a page token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# The built-in Clio sandbox: requests per access token per minute (Clio's documented peak default
# is 50) and the access-token lifetime (Clio Manage's is 30 days).
MIRA_SANDBOX_RATE_LIMIT = config.env_int("MIRA_SANDBOX_RATE_LIMIT", 50)
MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS = config.env_int("MIRA_SANDBOX_TOKEN_LIFETIME_SECONDS", 30 * 24 * 3600)
# When set, the sandbox's control API (/_sandbox/) requires this value in X-Sandbox-Control-Key.
MIRA_SANDBOX_CONTROL_KEY = os.environ.get("MIRA_SANDBOX_CONTROL_KEY") or None
# Sandbox webhooks: the first retry delay of a failed delivery (it doubles each time) and the
# timeout for a subscriber's response.
MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS = config.env_float("MIRA_SANDBOX_WEBHOOK_RETRY_SECONDS", 120.0)
MIRA_SANDBOX_WEBHOOK_TIMEOUT_SECONDS = config.env_float("MIRA_SANDBOX_WEBHOOK_TIMEOUT_SECONDS", 10.0)
