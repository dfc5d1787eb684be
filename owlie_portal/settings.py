"""The only settings module. Every variable is read once here, with a default that runs on a bare laptop.

Variables are documented in `.env.example`. Bad values fail at import with a sentence saying which
variable is wrong and what it should look like.
"""

import re as _re
from pathlib import Path

import environ
from celery.schedules import crontab as _crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # embedded-mode state: SQLite file, filesystem broker queue

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # missing file is fine: defaults apply


def _fail(variable: str, problem: str) -> None:
    raise ImproperlyConfigured(f"Setting {variable}: {problem}")


def _port(variable: str, default: int) -> int:
    value = env.str(variable, default=str(default))
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 65535):
        _fail(variable, f"{value!r} must be a TCP port number (1-65535).")
    return int(value)


# --- Core -------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
# Local ports of `make run`: the web server, and the sandbox that TWILIO_BASE_URL points at by default.
PORTAL_PORT = _port("PORTAL_PORT", 8000)
SANDBOX_PORT = _port("SANDBOX_PORT", 8765)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    _fail("SECRET_KEY", "set a random value of at least 50 characters when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        _fail("CSRF_TRUSTED_ORIGINS", f"{_origin!r} must start with http:// or https://.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "owlie_portal",
    "owlie_portal.operations",
    "owlie_portal.tenants",
    "owlie_portal.numbers",
    "owlie_portal.messaging",
    "owlie_portal.billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # must stay last (django-axes docs)
]

ROOT_URLCONF = "owlie_portal.urls"
WSGI_APPLICATION = "owlie_portal.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database: PostgreSQL in production and CI; embedded SQLite when DATABASE_URL is unset ----------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a reused connection the server dropped is replaced
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share the file; wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # login throttling first, per django-axes
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=1)
# One username on one address together: a colleague who mistypes never locks out anybody else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N trusted reverse proxies every request comes from the last proxy: the client's address is taken
# from X-Forwarded-For as the trusted proxies wrote it (owlie_portal/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    _fail("TRUSTED_PROXY_COUNT", "use the number of reverse proxies in front of gunicorn (0 when none).")
AXES_CLIENT_IP_CALLABLE = "owlie_portal.client_address.client_address"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
FORMAT_MODULE_PATH = ["owlie_portal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
LOGIN_URL = "admin:login"

# --- Security: on whenever DEBUG is off (production); `check --deploy` must stay clean ---------------
SECURE = env.bool("SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin sets inline style attributes
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Secrets at rest: MultiFernet, the first key encrypts, all decrypt ------------------------------
_DEV_FERNET_KEY = "b3dsaWUtcG9ydGFsLWRldi1vbmx5LWtleS0wMDAwMDA="  # urlsafe base64 of 32 bytes; dev only
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_DEV_FERNET_KEY] if DEBUG else [])
if not FIELD_ENCRYPTION_KEYS:
    _fail("FIELD_ENCRYPTION_KEYS", "set at least one Fernet key (python -c 'from cryptography.fernet "
          "import Fernet; print(Fernet.generate_key().decode())').")
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        _fail("FIELD_ENCRYPTION_KEYS", "each comma-separated key must be a 32-byte urlsafe-base64 Fernet key.")

# --- Celery: Redis in production and CI; kombu's filesystem transport when unset ---------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_IS_REDIS = CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = Path(env.str("CELERY_FILESYSTEM_QUEUE", default=str(VAR_DIR / "celery-queue")))
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # In and out point at one folder so every process (web, worker, beat) shares one queue.
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # broadcast (pidbox) messages; default is ./control
        "store_processed": False,
    }
elif BROKER_IS_REDIS:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Unacked messages come back after this many seconds; the stale-operation sweeper is faster.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
        # A host that drops packets fails a connect in 5 s, not the kernel's ~2 min (admin publish, reconnects).
        "socket_connect_timeout": 5,
        # A command on a connection whose server vanished without closing it fails instead of waiting forever.
        "socket_timeout": 5,
        # TCP keepalive also notices half-open connections that no command is waiting on.
        "socket_keepalive": True,
    }
    # Survival through a Redis outage (README, "When the broker (Redis) goes away"):
    # reconnect however long Redis is away; the default, 100 tries (about 46 min), ends in the worker exiting.
    CELERY_BROKER_CONNECTION_MAX_RETRIES = None
    # Redis error replies (e.g. "UNBLOCKED ... master -> replica" on a failover) reconnect instead of killing it.
    CELERY_BROKER_CHANNEL_ERROR_RETRY = True
    # Off on purpose: the threads pool cannot stop a running task; a redelivered copy loses the claim anyway.
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
else:
    _fail("CELERY_BROKER_URL", "use redis://host:port/db or leave it unset for the embedded broker.")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each worker thread holds up to this many messages. Tasks are short (one or a few Twilio calls), and
# measured on the bulk path 4 beats 1 (fewer broker round trips); unacked messages return if a worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_PREFETCH_MULTIPLIER", default=4)
# Celery's Django fixup closes every database connection before and after every task unless this is set
# (celery#4116, #9824): a new PostgreSQL connection per task was the bulk benchmark's largest cost.
# With it, worker connections follow CONN_MAX_AGE / CONN_HEALTH_CHECKS as web requests do
# (owlie_portal/celery.py calls close_old_connections around each task).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1_000_000)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
TENANT_SYNC_INTERVAL_S = env.int("TENANT_SYNC_INTERVAL_S", default=300)
NUMBER_SYNC_INTERVAL_S = env.int("NUMBER_SYNC_INTERVAL_S", default=900)
if NUMBER_SYNC_INTERVAL_S < 1:
    _fail("NUMBER_SYNC_INTERVAL_S", "must be a positive number of seconds.")
OPERATION_STALE_AFTER_S = env.int("OPERATION_STALE_AFTER_S", default=300)
OPERATION_MAX_ATTEMPTS = env.int("OPERATION_MAX_ATTEMPTS", default=8)
# Where the pool can enforce them (prefork), a task never outlives the point where the sweeper would
# re-drive its row: soft limit first (the work stops between Twilio calls), hard limit just before.
OPERATION_TASK_SOFT_TIME_LIMIT_S = max(1, int(OPERATION_STALE_AFTER_S * 0.8))
OPERATION_TASK_TIME_LIMIT_S = max(2, int(OPERATION_STALE_AFTER_S * 0.9))
USAGE_SYNC_HOUR_UTC = env.int("USAGE_SYNC_HOUR_UTC", default=2)
USAGE_SYNC_MINUTE_UTC = env.int("USAGE_SYNC_MINUTE_UTC", default=30)
if not (0 <= USAGE_SYNC_HOUR_UTC <= 23 and 0 <= USAGE_SYNC_MINUTE_UTC <= 59):
    _fail("USAGE_SYNC_HOUR_UTC", "must be an hour 0-23 (and USAGE_SYNC_MINUTE_UTC a minute 0-59).")
CELERY_BEAT_SCHEDULE = {
    "sweep-operations": {
        "task": "operations.sweep",
        "schedule": env.int("OPERATION_SWEEP_INTERVAL_S", default=60),
    },
    "sync-subaccounts": {"task": "tenants.sync_subaccounts", "schedule": TENANT_SYNC_INTERVAL_S},
    # Nightly usage sync (billing): an Operation "Sync usage from Twilio" at this hour (UTC).
    "sync-usage-nightly": {"task": "billing.sync_usage_nightly",
                           "schedule": _crontab(hour=USAGE_SYNC_HOUR_UTC, minute=USAGE_SYNC_MINUTE_UTC)},
    "sync-numbers": {"task": "numbers.sync_numbers", "schedule": NUMBER_SYNC_INTERVAL_S},
}

# --- Twilio ------------------------------------------------------------------------------------------
# Defaults are the local sandbox and its demo parent account. Only TWILIO_BASE_URL set and empty means
# real Twilio, and then none of the published development defaults may be in use (checked below).
_SANDBOX_PARENT_SID = "AC" + "0" * 32
_SANDBOX_PARENT_TOKEN = "0" * 32
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default=_SANDBOX_PARENT_SID)
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default=_SANDBOX_PARENT_TOKEN)
TWILIO_BASE_URL = env.str("TWILIO_BASE_URL", default=f"http://127.0.0.1:{SANDBOX_PORT}").rstrip("/")
TWILIO_MAX_CONCURRENCY = env.int("TWILIO_MAX_CONCURRENCY", default=10)
TWILIO_WEBHOOK_BASE_URL = env.str("TWILIO_WEBHOOK_BASE_URL", default=f"http://127.0.0.1:{PORTAL_PORT}").rstrip("/")
TWILIO_HTTP_TIMEOUT = env.float("TWILIO_HTTP_TIMEOUT", default=15.0)
# Twilio's magic test numbers (+1 500 555 xxxx) are refused as real numbers unless listed here. The
# default lists the documented ones only while talking to a sandbox (docs/twilio-behaviour.md §8).
TWILIO_ALLOWED_MAGIC_NUMBERS = frozenset(env.list(
    "TWILIO_ALLOWED_MAGIC_NUMBERS",
    default=[f"+1500555000{i}" for i in range(10)] if TWILIO_BASE_URL else []))
TWILIO_REDIS_URL = env.str("TWILIO_REDIS_URL", default=CELERY_BROKER_URL if BROKER_IS_REDIS else "")
if not _re.fullmatch(r"AC[0-9a-f]{32}", TWILIO_ACCOUNT_SID):
    _fail("TWILIO_ACCOUNT_SID", "must be 'AC' followed by 32 lowercase hex characters.")
if TWILIO_BASE_URL and not TWILIO_BASE_URL.startswith(("http://", "https://")):
    _fail("TWILIO_BASE_URL", "must be empty (real Twilio) or an origin such as http://127.0.0.1:8765.")
if TWILIO_MAX_CONCURRENCY < 1:
    _fail("TWILIO_MAX_CONCURRENCY", "must be a positive integer.")
if TWILIO_HTTP_TIMEOUT <= 0:
    _fail("TWILIO_HTTP_TIMEOUT", "must be a positive number of seconds.")
if not TWILIO_BASE_URL:
    # Fail closed: these values are in the repository, so real credentials and tokens must not rely on them.
    _dev_defaults = [name for name, in_use in (
        ("SECRET_KEY", SECRET_KEY == _DEV_SECRET),
        ("FIELD_ENCRYPTION_KEYS", _DEV_FERNET_KEY in FIELD_ENCRYPTION_KEYS),
        ("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID == _SANDBOX_PARENT_SID),
        ("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN == _SANDBOX_PARENT_TOKEN),
    ) if in_use]
    if _dev_defaults:
        _fail(", ".join(_dev_defaults), "still the published development default, and TWILIO_BASE_URL is empty "
              "(real Twilio). Set your own value(s), or set TWILIO_BASE_URL to a sandbox origin.")

# --- Billing -----------------------------------------------------------------------------------------
# Markup added to Twilio's cost when a tenant has none of its own; threads that read tenants' usage at
# once (each request still takes a slot of TWILIO_MAX_CONCURRENCY).
BILLING_DEFAULT_MARKUP_PERCENT = env.str("BILLING_DEFAULT_MARKUP_PERCENT", default="20")
USAGE_SYNC_THREADS = env.int("USAGE_SYNC_THREADS", default=TWILIO_MAX_CONCURRENCY)
# Lanes a batch is worked through by (operations/lanes.py): half again the budget, like the worker threads,
# so a slot given back is taken while other lanes record their results.
OPERATION_BATCH_LANES = env.int("OPERATION_BATCH_LANES", default=-(-3 * TWILIO_MAX_CONCURRENCY // 2))
try:
    import decimal as _decimal

    if _decimal.Decimal(BILLING_DEFAULT_MARKUP_PERCENT) < 0:
        raise ValueError
except (ValueError, _decimal.InvalidOperation):
    _fail("BILLING_DEFAULT_MARKUP_PERCENT", "must be a number of percent, 0 or more (e.g. 20 or 12.5).")
if USAGE_SYNC_THREADS < 1:
    _fail("USAGE_SYNC_THREADS", "must be a positive integer.")
# Spend-cap warnings go to account managers by email; the console backend prints them (demo, tests).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="owlie-portal@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "refused_one_line": {"()": "owlie_portal.logging_filters.RefusedRequestOneLine"},
        "handled_task_failures": {"()": "owlie_portal.logging_filters.HandledTaskFailureDropped"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The twilio client logs request bodies at DEBUG (they can hold auth tokens); keep it quiet.
        "twilio.http_client": {"level": "WARNING"},
        "django.request": {"filters": ["refused_one_line"]},
        "django.security": {"filters": ["refused_one_line"]},
        "celery.app.trace": {"filters": ["handled_task_failures"]},
    },
}

# Development and tests serve static files straight from the finders; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
