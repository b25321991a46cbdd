"""The one settings module. Everything that differs between machines comes from
environment variables read through the typed helpers below, which fail loudly."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sanxin.lib.network import own_private_addresses

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = PACKAGE_DIR.parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}"
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def _default_var_dir() -> Path:
    # A source checkout (editable install) keeps its state in <repo>/var; an installed
    # package keeps it in ./var of wherever it is run.
    if (_REPO_DIR / "pyproject.toml").exists():
        return _REPO_DIR / "var"
    return Path.cwd() / "var"


VAR_DIR = Path(env_str("SANXIN_VAR_DIR") or _default_var_dir())
# Owner only: it holds the database, the generated keys and uploaded evidence.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

DEBUG = env_bool("SANXIN_DEBUG", True)


def _secret_from_env_or_var(name: str, filename: str) -> str:
    """A secret from the environment, or from the file named by <name>_FILE (a keys
    directory or a Docker secret, kept apart from the data); in debug mode, generated
    once into var/."""
    value = env_str(name)
    if value:
        return value
    if key_file := env_str(f"{name}_FILE"):
        try:
            return Path(key_file).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc}") from None
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} is required when SANXIN_DEBUG is off")
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_from_env_or_var("SANXIN_SECRET_KEY", "secret_key")
# Former secret keys, still accepted when checking signatures (the QR links on
# printed certificates), so the key can be changed without voiding them.
SECRET_KEY_FALLBACKS = env_list("SANXIN_SECRET_KEY_FALLBACKS", [])
# Key(s) for field encryption. Comma-separated: the first encrypts, all decrypt
# (rotation: put the new key first, run `sanxin rotate-data-key`, drop the old one).
DATA_KEYS = [
    k.strip()
    for k in _secret_from_env_or_var("SANXIN_DATA_KEY", "data_key").split(",")
    if k.strip()
]

SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE = 50, 5  # as Django's security.W009 check
DATA_KEY_MIN_LENGTH, DATA_KEY_MIN_UNIQUE = 32, 10
_KEY_HINT = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'


def weak_key_problems(secret_key: str, data_keys: list[str]) -> list[str]:
    """Why these keys are too weak for production (empty when they are fine). The
    secret key signs sessions and certificate links; each data key (any string; it is
    stretched with HKDF) encrypts identity numbers and keys their search index."""
    problems = []
    if (
        len(secret_key) < SECRET_KEY_MIN_LENGTH
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE
        or secret_key.startswith("django-insecure-")
    ):
        problems.append(
            f"SANXIN_SECRET_KEY is too weak: it needs at least {SECRET_KEY_MIN_LENGTH} "
            f"characters with at least {SECRET_KEY_MIN_UNIQUE} different ones ({_KEY_HINT})"
        )
    if not data_keys:
        problems.append(f"SANXIN_DATA_KEY is empty ({_KEY_HINT})")
    for position, key in enumerate(data_keys, start=1):
        if len(key) < DATA_KEY_MIN_LENGTH or len(set(key)) < DATA_KEY_MIN_UNIQUE:
            problems.append(
                f"SANXIN_DATA_KEY key #{position} of {len(data_keys)} is too weak: each "
                f"comma-separated key needs at least {DATA_KEY_MIN_LENGTH} characters with "
                f"at least {DATA_KEY_MIN_UNIQUE} different ones ({_KEY_HINT})"
            )
    return problems


if not DEBUG and (_weak := weak_key_problems(SECRET_KEY, DATA_KEYS)):
    raise ImproperlyConfigured("; ".join(_weak))

# In debug mode (the demo) the machine's own private addresses are allowed too, so a
# phone on the same network reaches `make demo HOST=0.0.0.0` at http://192.168.x.y:8000/.
ALLOWED_HOSTS = env_list(
    "SANXIN_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "testserver", *own_private_addresses()] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = env_list("SANXIN_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "sanxin.web.errors.csrf_failure"
# With DEBUG on the error pages stay the Chinese ones (the demo runs with DEBUG);
# set this to see Django's technical 404 and 500 pages while developing.
SANXIN_TECHNICAL_ERROR_PAGES = env_bool("SANXIN_TECHNICAL_ERROR_PAGES", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "sanxin.regions",
    "sanxin.audit",
    "sanxin.accounts",
    "sanxin.households",
    "sanxin.oversight",
    "sanxin.rules",
    "sanxin.ledger",
    "sanxin.credit",
    "sanxin.ratings",
    "sanxin.rewards",
    "sanxin.lending",
    "sanxin.engagement",
    "sanxin.privacy",
    "sanxin.notifications",
    "sanxin.jobs",
    "sanxin.api",
    "sanxin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "sanxin.web.errors.ChineseErrorPagesMiddleware",
]

ROOT_URLCONF = "sanxin.urls"
WSGI_APPLICATION = "sanxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanxin.accounts.context_processors.scope",
                "sanxin.accounts.context_processors.elder",
                "sanxin.web.context_processors.inbox",
            ],
        },
    },
]


def _private_sqlite_file(name: str) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does
    (SQLite gives its -wal and -shm files the database file's mode), and take group
    and world access away from an existing one and its -wal/-shm."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for file in (path, Path(f"{name}-wal"), Path(f"{name}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


DATABASE_URL = env_str("SANXIN_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'sanxin.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("SANXIN_DB_CONN_MAX_AGE", 0))
except Exception as exc:  # dj_database_url raises plain ValueErrors
    raise ImproperlyConfigured(f"SANXIN_DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # One writer at a time, taken at BEGIN: read-then-write transactions wait for
        # the lock (busy timeout) instead of failing with SQLITE_BUSY halfway through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # recursive_triggers: REPLACE (REPLACE INTO, INSERT/UPDATE OR REPLACE) deletes
        # the conflicting row, and SQLite fires delete triggers for that only with it
        # on; without it the append-only tables could be rewritten by a REPLACE.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            " PRAGMA recursive_triggers=ON;"
        ),
    }
    _db["TEST"] = {"NAME": env_str("SANXIN_TEST_SQLITE_NAME")}
    _private_sqlite_file(_db["NAME"])
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
else:
    raise ImproperlyConfigured("SANXIN_DATABASE_URL must point at SQLite or PostgreSQL")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sanxin.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an (account, IP) pair after 5 failures for 30 minutes. Failures
# count against the account whichever identifier was typed (username or phone).
AXES_FAILURE_LIMIT = env_int("SANXIN_LOGIN_FAILURE_LIMIT", 5)
AXES_USERNAME_CALLABLE = "sanxin.accounts.backends.lockout_username"
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected static files: outside the data directory in the Docker image (built in).
STATIC_ROOT = Path(env_str("SANXIN_STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise and the static-file storage: see "Production serving" at the end.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Notices and certificates embed a subset of LXGW WenKai shipped with the product;
# point this at a full TrueType (glyf) Chinese font to print rare characters too.
SANXIN_PDF_FONT = env_str("SANXIN_PDF_FONT")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Bounds on imported spreadsheets: the defaults are sanxin.lib.sheet_reader.Limits
# (listed in docs/roster-import.md); SANXIN_IMPORT_<NAME> overrides one, e.g.
# SANXIN_IMPORT_ROWS=30000.
SANXIN_IMPORT_LIMITS = {
    name: env_int(f"SANXIN_IMPORT_{name.upper()}", 0)
    for name in (
        "file_bytes",
        "rows",
        "columns",
        "stored_rows",
        "cells",
        "elements",
        "shared_strings",
        "members",
        "sheets",
        "member_bytes",
        "part_bytes",
        "part_elements",
        "total_bytes",
        "ratio",
        "line_chars",
    )
}

# The product's own loggers (`sanxin.<app>.<module>`: imports, computations, admin
# actions, the demo build) log at INFO to stderr, so operators see them under
# runserver and WSGI; SANXIN_LOG_LEVEL changes their level. Other libraries: WARNING.
# Log lines carry counts, ids and durations, never names, ID numbers or phones.
LOG_LEVEL = env_str("SANXIN_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"}  # stderr
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # No handler of its own: it reaches the root's console handler (and pytest's caplog).
        "sanxin": {"level": LOG_LEVEL},
    },
}

# --- Personal information (PIPL; docs/privacy.md) ------------------------------------
# People who left the register (moved out, household closed) are anonymised this many
# years after they left: the rows stay so the ledger still adds up, the personal
# fields go (`sanxin anonymise-departed`, run daily).
SANXIN_DEPARTED_RETENTION_YEARS = env_int("SANXIN_DEPARTED_RETENTION_YEARS", 3)
# The audit log is kept at least six months (网络安全法 Art. 21); older rows may be
# removed by `sanxin prune-audit`. A value under 183 days is refused at start-up.
SANXIN_AUDIT_RETENTION_DAYS = env_int("SANXIN_AUDIT_RETENTION_DAYS", 3 * 365)
if SANXIN_AUDIT_RETENTION_DAYS < 183:
    raise ImproperlyConfigured(
        "SANXIN_AUDIT_RETENTION_DAYS must be at least 183 (the audit log is kept six months)"
    )
if SANXIN_DEPARTED_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("SANXIN_DEPARTED_RETENTION_YEARS must be at least 1")

# --- Backups and two-factor login (issue 15: `sanxin backup`, `sanxin restore`,
# docs/backup.md; docs/two-factor.md) -----------------------------------------------
# Where `sanxin backup` writes (keep a copy off this machine) and how many it keeps.
SANXIN_BACKUP_DIR = Path(env_str("SANXIN_BACKUP_DIR") or VAR_DIR / "backups")
SANXIN_BACKUP_KEEP = env_int("SANXIN_BACKUP_KEEP", 14)
# Two-factor login (TOTP) for the roles that can reveal ID numbers, assign roles or manage
# schemes and credit (sanxin.accounts.otp). On by default in production, off in debug
# mode (the demo's accounts, and the test suite, are then not asked).
SANXIN_REQUIRE_2FA = env_bool("SANXIN_REQUIRE_2FA", not DEBUG)
# The authenticators are accounts.EncryptedTOTPDevice (the secret encrypted with the data
# key); otp_totp stays installed for its verification code and for migration
# accounts.0008, which moved its clear-key rows over (its table stays empty).
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "sanxin.accounts.middleware.SecondFactorMiddleware",
)
OTP_TOTP_ISSUER = "三信平台"
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code
OTP_STATIC_THROTTLE_FACTOR = 1
# --- end of backups and two-factor login ---------------------------------------------

# ====================================================================================
# Production serving (issue 15): security headers, Content-Security-Policy, static
# files, health check, metrics. docs/deploy.md lists every variable; with the settings
# it documents, `sanxin check --deploy` prints no warning (tests/test_settings_deploy.py).
# ====================================================================================
from csp.constants import NONE, SELF  # noqa: E402

# Behind a TLS-terminating reverse proxy (nginx) that sets X-Forwarded-Proto: trust it
# for request.is_secure() and send plain-HTTP requests to https.
BEHIND_PROXY = env_bool("SANXIN_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SANXIN_SSL_REDIRECT", BEHIND_PROXY)
# Monitoring polls these over plain HTTP from the machine itself: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# HSTS: a year in production. Subdomains and preload commit the whole domain to HTTPS
# (preload is hard to undo), so they are opt-in; check --deploy warns until they are on.
SECURE_HSTS_SECONDS = env_int("SANXIN_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SANXIN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SANXIN_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): no inline script, style or event handler
# anywhere (tests/web/test_csp.py scans the templates); data goes to JS through
# json_script or data- attributes, behaviour lives in static/sanxin/sanxin.js.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Static files. In production (DEBUG off) `sanxin collectstatic` (run when the image is
# built, or by hand after an upgrade) copies them to STATIC_ROOT with content-hashed
# names; WhiteNoise serves them with far-future caching and precompressed (gzip/brotli).
# In debug mode (the demo, the tests) they are served straight from the package
# without a collect step. SANXIN_STATIC_MANIFEST overrides the choice.
STATIC_MANIFEST = env_bool("SANXIN_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# /healthz (sanxin.web.health): free space under VAR_DIR must stay above both bounds.
SANXIN_HEALTH_MIN_FREE_MB = env_int("SANXIN_HEALTH_MIN_FREE_MB", 1024)
SANXIN_HEALTH_MIN_FREE_PERCENT = env_int("SANXIN_HEALTH_MIN_FREE_PERCENT", 5)

# Prometheus metrics (django-prometheus), off by default. When on, /metrics answers
# requests from the machine itself that came through no proxy, or any request carrying
# `Authorization: Bearer <SANXIN_METRICS_TOKEN>` when a token is set.
SANXIN_METRICS = env_bool("SANXIN_METRICS", False)
SANXIN_METRICS_TOKEN = env_str("SANXIN_METRICS_TOKEN")
if SANXIN_METRICS:
    INSTALLED_APPS += ["django_prometheus"]
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# ---------------------------------------------------------------------------------------
# Background jobs (django-tasks, database backend; docs/jobs.md). `sanxin worker` runs
# them and writes a heartbeat every SANXIN_WORKER_HEARTBEAT_SECONDS; /healthz says
# "worker" failing when none was seen for SANXIN_WORKER_STALE_SECONDS. A running job
# with no progress for SANXIN_JOB_STALE_SECONDS (or whose worker is gone) is shown as
# interrupted, with a retry button. SANXIN_JOBS_BACKEND names the TASKS alias jobs go
# to; the tests run most jobs at once through "immediate" and the worker path through
# "default".
INSTALLED_APPS += ["django_tasks", "django_tasks.backends.database"]
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"},
    "immediate": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "ENQUEUE_ON_COMMIT": False,
    },
}
SANXIN_JOBS_BACKEND = env_str("SANXIN_JOBS_BACKEND") or "default"
SANXIN_WORKER_HEARTBEAT_SECONDS = env_int("SANXIN_WORKER_HEARTBEAT_SECONDS", 30)
SANXIN_WORKER_STALE_SECONDS = env_int("SANXIN_WORKER_STALE_SECONDS", 300)
SANXIN_JOB_STALE_SECONDS = env_int("SANXIN_JOB_STALE_SECONDS", 900)
# A job's file (batch certificates, card sheets, reports, large exports) is kept under
# MEDIA_ROOT/jobs/ (never served publicly) for this many days, then deleted by the
# worker's periodic step or `sanxin prune-job-files`.
SANXIN_JOB_FILE_DAYS = env_int("SANXIN_JOB_FILE_DAYS", 7)
# The household list exports at most this many rows inside the request; a larger one
# is made by a background job.
SANXIN_EXPORT_SYNC_ROWS = env_int("SANXIN_EXPORT_SYNC_ROWS", 2000)

# ---------------------------------------------------------------------------------------
# Rate limits (sanxin/accounts/rates.py; docs/access.md, docs/api.md), counted in the
# database per one-minute window so that they hold across server processes. The public
# API: requests per user (all their tokens together) and minute, reads (GET) and writes
# apart, and failed authentications per client address (after which the address gets
# 429 until the minute ends).
SANXIN_API_READS_PER_MINUTE = env_int("SANXIN_API_READS_PER_MINUTE", 120)
SANXIN_API_WRITES_PER_MINUTE = env_int("SANXIN_API_WRITES_PER_MINUTE", 30)
SANXIN_API_AUTH_FAILURES_PER_MINUTE = env_int("SANXIN_API_AUTH_FAILURES_PER_MINUTE", 20)
# The pages' sensitive actions, per user and minute (429 past them; the first refusal of
# a minute is audited): full identity numbers shown; spreadsheets and PDFs of lists of
# people or money (exports, reports, card sheets, batch certificates, a job's file);
# redemptions confirmed at the counter and batches of paper slips.
SANXIN_ID_REVEALS_PER_MINUTE = env_int("SANXIN_ID_REVEALS_PER_MINUTE", 10)
SANXIN_EXPORTS_PER_MINUTE = env_int("SANXIN_EXPORTS_PER_MINUTE", 10)
SANXIN_REDEMPTIONS_PER_MINUTE = env_int("SANXIN_REDEMPTIONS_PER_MINUTE", 30)
