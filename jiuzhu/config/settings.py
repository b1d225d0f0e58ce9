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

DEBUG = os.environ.get("JIUZHU_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("JIUZHU_SECRET_KEY", "insecure-dev-only-key-change-me")
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
    "jiuzhu.apps.core",
    "jiuzhu.apps.registry",
    "jiuzhu.apps.policy",
    "jiuzhu.apps.determination",
    "jiuzhu.apps.exchange",
    "jiuzhu.apps.sharing",
    "jiuzhu.apps.monitoring",
    "jiuzhu.apps.applications",
    "jiuzhu.apps.assistance",
    "jiuzhu.apps.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.apps.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiuzhu.apps.core.middleware.RequestContextMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jiuzhu.apps.core.passwords.CharacterClassValidator"},
]

# Sessions (RELIABILITY R3): 30-minute idle timeout, renewed on every request.
SESSION_COOKIE_AGE = 1800
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
# Pushes to departments (docs/exchange.md): receiver URL and shared HMAC-SM3 secret per department,
# as JSON objects {"medical_insurance": "https://…"}; without a secret one is derived from the keyring
# (demo and tests only).
JIUZHU_PUSH_ENDPOINTS = json.loads(os.environ.get("JIUZHU_PUSH_ENDPOINTS", "{}") or "{}")
JIUZHU_PUSH_SECRETS = json.loads(os.environ.get("JIUZHU_PUSH_SECRETS", "{}") or "{}")
JIUZHU_SIGNATURE_SKEW_SECONDS = int(os.environ.get("JIUZHU_SIGNATURE_SKEW_SECONDS", "300"))
# Early-warning comparison engine: "duckdb" (default, embedded) or "spark" (local or a cluster via
# SPARK_MASTER; docs/monitoring.md).
JIUZHU_MONITORING_BACKEND = os.environ.get("JIUZHU_MONITORING_BACKEND", "duckdb")
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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = PROJECT_DIR / "staticfiles"

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIUZHU_LOG_LEVEL", "WARNING")},
}
