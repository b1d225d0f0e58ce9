"""Django settings for jiuzhu.

One settings module driven by environment variables (12-factor): the same code
runs the embedded SQLite demo, the test suite on SQLite and PostgreSQL, and
production.  Nothing secret is written here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from jiuzhu.pii.files import ensure_private_dir, make_private, private_umask

# Personal data on disk (ADR 0024): every file this process creates (the SQLite database and its
# -wal/-shm, the keyring, exports, uploads, snapshots) is readable by its owner only.
private_umask()

BASE_DIR = Path(__file__).resolve().parent.parent  # the jiuzhu package
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("JIUZHU_VAR_DIR", PROJECT_DIR / "var"))

# Profile (docs/operators.md, ADR 0023): "demo" (the default: `make run`, the tests) or "production"
# (HTTPS behind a proxy, secure cookies, HSTS; the release checks refuse to start on demo keys, a
# default secret or debug on).
PROFILE = os.environ.get("JIUZHU_PROFILE", "demo")
if PROFILE not in ("demo", "production"):
    raise ValueError(f"JIUZHU_PROFILE must be demo or production, not {PROFILE!r}")
DEMO_MODE = PROFILE == "demo"
DEBUG = os.environ.get("JIUZHU_DEBUG", "0") == "1"
# The value older versions shipped: the release checks refuse it (it is public).
PUBLISHED_SECRET_KEY = "insecure-dev-only-key-change-me"


def _secret_key() -> str:
    """JIUZHU_SECRET_KEY; in demo mode without one, a random key kept in var/ (never a published default)."""
    if os.environ.get("JIUZHU_SECRET_KEY"):
        return os.environ["JIUZHU_SECRET_KEY"]
    if not DEMO_MODE:
        return PUBLISHED_SECRET_KEY  # refused by the release checks (jiuzhu.apps.core.checks)
    import secrets

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("JIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "jiuzhu.apps.core",
    "jiuzhu.apps.jobs",
    "jiuzhu.apps.registry",
    "jiuzhu.apps.policy",
    "jiuzhu.apps.determination",
    "jiuzhu.apps.exchange",
    "jiuzhu.apps.sharing",
    "jiuzhu.apps.monitoring",
    "jiuzhu.apps.cycle",
    "jiuzhu.apps.applications",
    "jiuzhu.apps.assistance",
    "jiuzhu.apps.privacy",
    "jiuzhu.apps.reports",
    "jiuzhu.apps.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application itself (gunicorn has no static handler; no --insecure).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.apps.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jiuzhu.apps.core.middleware.RequestContextMiddleware",
    # After the request context (the audit needs it): the OTP step, forced password change and the
    # absolute session limit; then read records, refusals and no-store on personal pages.
    "jiuzhu.apps.core.gates.AccountGateMiddleware",
    "jiuzhu.apps.core.gates.AccessAuditMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jiuzhu.config.urls"
WSGI_APPLICATION = "jiuzhu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiuzhu.apps.core.context.nav",
            ],
            # One format for amounts and dates on every page (|yuan |amount |cn_date |iso_date …).
            "builtins": ["jiuzhu.apps.core.templatetags.formats"],
        },
    }
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"Unsupported JIUZHU_DATABASE_URL scheme: {parsed.scheme}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/"),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "TEST": {"NAME": "test_" + parsed.path.lstrip("/")},
    }


if os.environ.get("JIUZHU_DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["JIUZHU_DATABASE_URL"])}
else:
    ensure_private_dir(VAR_DIR)
    _SQLITE_PATH = os.environ.get("JIUZHU_SQLITE_PATH", str(VAR_DIR / "jiuzhu.sqlite3"))
    # A database (and its -wal/-shm) created world-readable by an older version is tightened.
    make_private(_SQLITE_PATH, f"{_SQLITE_PATH}-wal", f"{_SQLITE_PATH}-shm")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _SQLITE_PATH,
            # Durability (RELIABILITY R25): WAL with synchronous=FULL; IMMEDIATE
            # transactions so concurrent writers wait instead of failing mid-way.
            # secure_delete: deleted rows and dropped columns are zeroed in the file, not left
            # readable in free pages (ADR 0024).
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                    "PRAGMA secure_delete=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Passwords (RELIABILITY R1): every path that sets one runs these (core.services.user_set_password,
# the change form, the management commands, the demo).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jiuzhu.apps.core.passwords.RoleLengthValidator", "OPTIONS": {"min_length": 8, "admin_min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jiuzhu.apps.core.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jiuzhu.apps.core.passwords.HistoryValidator", "OPTIONS": {"keep": 5}},
]
JIUZHU_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("JIUZHU_PASSWORD_MAX_AGE_DAYS", "90"))
# Two-factor login (RELIABILITY R4): the roles that must pass a TOTP step after the password
# (comma-separated role codes; default every role).  Department machines use API tokens/signatures.
JIUZHU_OTP_REQUIRED_ROLES = frozenset(filter(None, os.environ.get(
    "JIUZHU_OTP_REQUIRED_ROLES",
    "province,city,county,township,department,auditor,sysadmin,secadmin,auditadmin,").split(",")))
OTP_TOTP_ISSUER = "jiuzhu 江西救助平台"
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions (RELIABILITY R3): 30-minute idle timeout, renewed on every request; 10 hours at most
# after login whatever the activity.
SESSION_COOKIE_AGE = 1800
JIUZHU_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("JIUZHU_SESSION_ABSOLUTE_SECONDS", str(10 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Login lockout (RELIABILITY R2).
JIUZHU_LOCKOUT_ATTEMPTS = 5
JIUZHU_LOCKOUT_MINUTES = 30
# Refused requests (403/404) per user: more than this many in the window is one security event.
JIUZHU_REFUSAL_BURST = {
    "threshold": int(os.environ.get("JIUZHU_REFUSAL_BURST_THRESHOLD", "20")),
    "window_seconds": int(os.environ.get("JIUZHU_REFUSAL_BURST_WINDOW", "600")),
}
# Audit log (RELIABILITY R11, docs/operators.md): rows older than the online period are archived
# to signed files by `jiuzhu audit archive`; the law asks at least 180 days online.
JIUZHU_AUDIT_ONLINE_DAYS = max(180, int(os.environ.get("JIUZHU_AUDIT_ONLINE_DAYS", "365")))
JIUZHU_AUDIT_DIR = os.environ.get("JIUZHU_AUDIT_DIR", str(VAR_DIR / "audit"))
# Pushes to departments (docs/exchange.md): receiver URL and shared HMAC-SM3 secret per department,
# as JSON objects {"medical_insurance": "https://…"}; without a secret one is derived from the keyring
# (demo and tests only).
JIUZHU_PUSH_ENDPOINTS = json.loads(os.environ.get("JIUZHU_PUSH_ENDPOINTS", "{}") or "{}")
JIUZHU_PUSH_SECRETS = json.loads(os.environ.get("JIUZHU_PUSH_SECRETS", "{}") or "{}")
JIUZHU_SIGNATURE_SKEW_SECONDS = int(os.environ.get("JIUZHU_SIGNATURE_SKEW_SECONDS", "300"))
# The client's address behind a reverse proxy (rate limits of the public pages, docs/operators.md):
# the header the proxy sets (e.g. X-Forwarded-For) and how many trusted proxies append to it.
# Empty = no proxy: the header is then ignored, since a client could send any value.
JIUZHU_CLIENT_IP_HEADER = os.environ.get("JIUZHU_CLIENT_IP_HEADER", "")
JIUZHU_CLIENT_IP_PROXIES = int(os.environ.get("JIUZHU_CLIENT_IP_PROXIES", "1"))
# Early-warning comparison engine: "duckdb" (default, embedded) or "spark" (local or a cluster via
# SPARK_MASTER; docs/monitoring.md).
JIUZHU_MONITORING_BACKEND = os.environ.get("JIUZHU_MONITORING_BACKEND", "duckdb")
# Spark on a cluster of several machines: a directory mounted at the same path on this machine and on
# every Spark worker (the registry snapshot and the results the jobs hand over go there, removed after
# each run). Empty = the system's temporary directory (local mode, or a cluster on one machine).
JIUZHU_SPARK_SHARED_DIR = os.environ.get("JIUZHU_SPARK_SHARED_DIR", "")
# Departments' exact-ID low-income query (docs/sharing.md): per user.
JIUZHU_SHARING_QUERY_LIMITS = {
    "per_minute": int(os.environ.get("JIUZHU_SHARING_QUERIES_PER_MINUTE", "30")),
    "per_day": int(os.environ.get("JIUZHU_SHARING_QUERIES_PER_DAY", "500")),
}

# Bulk disclosure of personal data (docs/privacy.md, ADR 0025): rows an export may have without a
# second person's approval, the largest API page, records one user may list by API in a day.
# The purposes one may state are in jiuzhu/apps/privacy/config.py (JIUZHU_EXPORT_PURPOSES overrides,
# as JSON {"code": ["中文", "English"]}).
JIUZHU_EXPORT_APPROVAL_ROWS = int(os.environ.get("JIUZHU_EXPORT_APPROVAL_ROWS", "2000"))
JIUZHU_API_PAGE_SIZE_MAX = int(os.environ.get("JIUZHU_API_PAGE_SIZE_MAX", "100"))
JIUZHU_API_DAILY_ROWS = int(os.environ.get("JIUZHU_API_DAILY_ROWS", "2000"))
JIUZHU_EXPORT_PURPOSES = json.loads(os.environ.get("JIUZHU_EXPORT_PURPOSES", "null") or "null")

# Background jobs (docs/operators.md "Jobs"): django-tasks with its database backend is the queue,
# `jiuzhu worker` runs it; jiuzhu.apps.jobs keeps one Job record per long operation.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JIUZHU_JOBS = {
    # The worker writes a heartbeat this often; a running job without one for `abandoned_after`
    # seconds (and whose worker process is gone) is marked abandoned and can be retried.
    "heartbeat_seconds": float(os.environ.get("JIUZHU_JOBS_HEARTBEAT_SECONDS", "5")),
    "abandoned_after": float(os.environ.get("JIUZHU_JOBS_ABANDONED_AFTER", "120")),
    # Department files larger than this are imported in the background (bytes).
    "import_background_bytes": int(os.environ.get("JIUZHU_JOBS_IMPORT_BACKGROUND_BYTES", str(2 * 1024 * 1024))),
    # Exports of more rows than this are written by a job and downloaded from its page.
    "export_background_rows": int(os.environ.get("JIUZHU_JOBS_EXPORT_BACKGROUND_ROWS", "5000")),
    # Files produced by jobs (large exports) are kept this long for their starter to download.
    "file_keep_hours": float(os.environ.get("JIUZHU_JOBS_FILE_KEEP_HOURS", "24")),
    # Follow-up jobs queued by events (the people-to-serve list after a determination run or an
    # import); an operator switches them off (0) during a bulk load and runs the matching once after.
    "follow_ups": os.environ.get("JIUZHU_JOBS_FOLLOW_UPS", "1") != "0",
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("JIUZHU_STATIC_ROOT", VAR_DIR / "static"))
# `make run` collects the static files (hashed, compressed: cached for a year by browsers) and sets
# JIUZHU_STATIC_COLLECTED=1; elsewhere (tests, development) WhiteNoise finds them in the apps directly.
if os.environ.get("JIUZHU_STATIC_COLLECTED") == "1":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    WHITENOISE_USE_FINDERS = True  # found in the apps, served after anything collected
    WHITENOISE_AUTOREFRESH = DEBUG
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Field encryption keys (SM4-GCM data keys, HMAC-SM3 index key).  In
# production these come from a certified key service; here from a JSON file
# that `jiuzhu demo` generates for the demo (docs/operators.md).
JIUZHU_KEYRING_FILE = os.environ.get("JIUZHU_KEYRING_FILE", str(VAR_DIR / "keyring.json"))
JIUZHU_KEYRING_JSON = os.environ.get("JIUZHU_KEYRING_JSON", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "jiuzhu.api.pagination.ClampedPagination",
    "EXCEPTION_HANDLER": "jiuzhu.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["jiuzhu.api.parsers.StrictJSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files kept on disk are owner-only, like everything else under VAR_DIR (ADR 0024).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SPECTACULAR_SETTINGS = {
    "TITLE": "jiuzhu 救助平台 API",
    "DESCRIPTION": "江西省低收入人口动态监测和分层分类社会救助平台 / Jiangxi low-income population platform",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Content Security Policy (django-csp): nothing inline, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

if PROFILE == "production":
    # Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (docs/operators.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("JIUZHU_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JIUZHU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIUZHU_LOG_LEVEL", "WARNING")},
}
