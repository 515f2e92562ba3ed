"""krm settings: one file, configured through KRM_* environment variables.

Defaults are safe for development. With KRM_DEBUG=0 (production) krm refuses to start
without KRM_ALLOWED_HOSTS or with a default or weak KRM_SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the checkout (krm is installed editable)
VAR_DIR = BASE_DIR / "var"

DEVELOPMENT_SECRET_KEY = "krm-development-secret-key-do-not-use-in-production-0123456789"  # noqa: S105


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (0/1), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _entropy_bits(key: str) -> float:
    """Shannon entropy of the key's characters times its length: a rough upper bound of
    its randomness (a repeated pattern scores low)."""
    counts = [key.count(c) for c in set(key)]
    return -sum(n * math.log2(n / len(key)) for n in counts)


def _periodic(key: str) -> bool:
    """The key is a shorter string repeated ("abcde" × 12)."""
    return any(
        key == (key[:period] * (len(key) // period + 1))[: len(key)]
        for period in range(1, len(key) // 2 + 1)
    )


def is_weak_secret(key: str) -> bool:
    """Django's own rule for check --deploy (security.W009), our development default, and
    keys with too little randomness: a repeated pattern or under 200 bits by character
    frequency (64 hex digits have 256, `secrets.token_urlsafe(64)` about 470)."""
    return (
        key == DEVELOPMENT_SECRET_KEY
        or key.startswith("django-insecure")
        or len(key) < 50
        or len(set(key)) < 5
        or _periodic(key)
        or _entropy_bits(key) < 200
    )


DEBUG = env_bool("KRM_DEBUG", True)
DEMO = env_bool("KRM_DEMO", False)

SECRET_KEY = env_str("KRM_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("KRM_ALLOWED_HOSTS")

if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if is_weak_secret(SECRET_KEY):
        raise ImproperlyConfigured(
            "KRM_SECRET_KEY must be set to a random value of at least 50 characters (no "
            "repeated pattern) in "
            "production (KRM_DEBUG=0); e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(64))'"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("KRM_ALLOWED_HOSTS is required in production (KRM_DEBUG=0)")
    if any("*" in host for host in ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            "KRM_ALLOWED_HOSTS must name the host names in production (KRM_DEBUG=0), no '*'"
        )
    if DEMO:
        raise ImproperlyConfigured("KRM_DEMO=1 (demo logins) is not allowed with KRM_DEBUG=0")
    if is_weak_secret(env_str("KRM_AUDIT_KEY")) or env_str("KRM_AUDIT_KEY") == SECRET_KEY:
        raise ImproperlyConfigured(
            "KRM_AUDIT_KEY must be set in production (KRM_DEBUG=0) to a random value of at "
            "least 50 characters, other than KRM_SECRET_KEY; it seals the audit trail and "
            "must stay the same for the life of the installation (docs/operations.md)"
        )

# The key of the audit trail's MACs (krm/audit/chain.py). Never rotate it: events sealed
# with another key no longer verify. Development derives one from the secret key.
KRM_AUDIT_KEY = (
    env_str("KRM_AUDIT_KEY") or hashlib.sha256(f"krm-audit|{SECRET_KEY}".encode()).hexdigest()
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "pgtrigger",
    "django_tasks",
    "django_tasks_db",
    "krm.jobcenters",
    "krm.accounts",
    "krm.audit",
    "krm.cases",
    "krm.intake",
    "krm.documents",
    "krm.letters",
    "krm.mail",
    "krm.mailbox",
    "krm.worker",
    "krm.ablage",
    "krm.retention",
    "krm.api",
    "krm.oversight",
    "krm.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "krm.accounts.middleware.CrossOriginResourcePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "krm.accounts.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "krm.accounts.middleware.AdminInlineStyleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "krm.audit.context.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "krm.accounts.middleware.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
if DEMO:
    # krm's own German error pages also where the demo runs with DEBUG on.
    # Right inside the security middleware: it sees what any later layer turns into a page.
    MIDDLEWARE.insert(1, "krm.accounts.middleware.DemoErrorPagesMiddleware")

ROOT_URLCONF = "krm.urls"
WSGI_APPLICATION = "krm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "krm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "krm.cases.context_processors.navigation",
            ],
        },
    },
]

# Database: KRM_DATABASE_URL, default SQLite under var/ of the checkout.
DEFAULT_SQLITE_PATH = VAR_DIR / "krm.sqlite3"
DATABASE_URL = env_str("KRM_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so concurrent registrations queue
        # instead of failing with "database is locked" halfway through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory
    if not DEBUG and not env_bool("KRM_ALLOW_SQLITE", False):
        raise ImproperlyConfigured(
            "Production (KRM_DEBUG=0) runs on PostgreSQL: set KRM_DATABASE_URL, or "
            "KRM_ALLOW_SQLITE=1 to run on SQLite knowingly (one small office, no "
            "concurrent writers, no database-level protection of the audit trail)"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
CSRF_FAILURE_VIEW = "krm.accounts.views.csrf_failure"
LOGIN_REDIRECT_URL = "/"  # the start page: Meine Aufgaben for whoever has tasks
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch")]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "krm" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "krm" / "static"]
# The documents of the cases (krm/documents): a local folder by default; any Django storage
# backend by configuration, e.g. S3-compatible object storage with django-storages
# (docs/operations.md): KRM_DOCUMENT_STORAGE names the backend class, KRM_DOCUMENT_STORAGE_OPTIONS
# its options as JSON.
KRM_DOCUMENT_ROOT = Path(env_str("KRM_DOCUMENT_ROOT") or VAR_DIR / "documents")
_document_storage = env_str("KRM_DOCUMENT_STORAGE") or "django.core.files.storage.FileSystemStorage"
_document_options = json.loads(env_str("KRM_DOCUMENT_STORAGE_OPTIONS") or "{}")
if _document_storage.endswith("FileSystemStorage"):
    _document_options = {
        "location": str(KRM_DOCUMENT_ROOT),
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        **_document_options,
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {"BACKEND": _document_storage, "OPTIONS": _document_options},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security headers, on in every mode; the HTTPS ones in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
# A session ends when the browser closes, after KRM_SESSION_IDLE_MINUTES without a request
# and at the latest KRM_SESSION_AGE seconds after the login (krm/accounts/sessions.py).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("KRM_SESSION_AGE", 8 * 3600, minimum=60)
KRM_SESSION_IDLE_MINUTES = env_int("KRM_SESSION_IDLE_MINUTES", 30, minimum=1)
CSRF_COOKIE_HTTPONLY = True
# Request bodies: forms as Django's default (2.5 MB); API JSON bodies at most this size.
KRM_API_MAX_BODY_BYTES = env_int("KRM_API_MAX_BODY_BYTES", 1_000_000, minimum=1024)
# The read log (who opened which case) is kept this long, then `krm prune-logs` deletes it.
KRM_READ_LOG_DAYS = env_int("KRM_READ_LOG_DAYS", 365, minimum=1)
SILENCED_SYSTEM_CHECKS: list[str] = []

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("KRM_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("KRM_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("KRM_CSRF_TRUSTED_ORIGINS")

# KRM_PROXY_SSL_HEADER: the header a TLS proxy sets, e.g. "X-Forwarded-Proto: https".
_proxy_header = env_str("KRM_PROXY_SSL_HEADER")
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition(":")
    if not _sep or not _name.strip() or not _value.strip():
        raise ImproperlyConfigured("KRM_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _name.strip().upper().replace("-", "_"),
        _value.strip(),
    )

# Permissions-Policy (django-permissions-policy): krm uses none of these browser features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Content Security Policy (django-csp 4): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],  # everything not named below is refused
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes, krm/accounts/throttling.py): failures counted per username
# and address, per username, and per address, each with its own limit; counts in the database.
AXES_HANDLER = "krm.accounts.throttling.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("KRM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
KRM_LOGIN_FAILURE_LIMIT_USER = env_int("KRM_LOGIN_FAILURE_LIMIT_USER", 20, minimum=1)
KRM_LOGIN_FAILURE_LIMIT_ADDRESS = env_int("KRM_LOGIN_FAILURE_LIMIT_ADDRESS", 100, minimum=1)
KRM_LOGIN_KNOWN_DAYS = env_int("KRM_LOGIN_KNOWN_DAYS", 30, minimum=0)
AXES_COOLOFF_TIME = env_int("KRM_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
# Logins and failed logins are kept this long (the known-address rule reads the logins).
KRM_LOGIN_LOG_DAYS = env_int("KRM_LOGIN_LOG_DAYS", 90, minimum=1)
if KRM_LOGIN_LOG_DAYS < KRM_LOGIN_KNOWN_DAYS:
    raise ImproperlyConfigured("KRM_LOGIN_LOG_DAYS must be at least KRM_LOGIN_KNOWN_DAYS")
AXES_RESET_ON_SUCCESS = True  # the handler clears only the successful username's failures
# Failures during a lockout do not extend it (the message says how long it lasts).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "krm.accounts.views.lockout_response"
# No login records in the admin: nobody deletes them there without a trace. A lockout ends
# by itself; on the server `krm axes_reset_username NAME` ends it at once.
AXES_ENABLE_ADMIN = False
# Reverse proxies in front of krm (they set X-Forwarded-For); 0: none, use REMOTE_ADDR.
KRM_PROXY_COUNT = env_int("KRM_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "krm.accounts.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS: list[str] = []  # the security log names username and address
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["krm.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["krm.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "krm.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "krm API",
    "DESCRIPTION": "Kundenreaktionsmanagement — REST API v1",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "krm.cases.kinds.Kind",
        "DocumentKindEnum": "krm.documents.models.DocumentKind",
        "LetterKindEnum": "krm.letters.models.LetterKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("KRM_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},  # failures and lockouts; successes are in AccessLog
        "django.db.backends": {"level": "INFO"},
        # The document libraries report every step at INFO: only their warnings.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        "extract_msg": {"level": "WARNING"},
    },
}

# Mail out (krm/mail): SMTP when KRM_SMTP_HOST is set, else printed to the console (demo).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("KRM_SMTP_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("KRM_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("KRM_SMTP_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("KRM_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("KRM_SMTP_PASSWORD")
# STARTTLS by default; KRM_SMTP_SECURITY=ssl for implicit TLS (port 465), none for a relay
# on the same host.
_SMTP_SECURITY = env_str("KRM_SMTP_SECURITY", "starttls")
EMAIL_USE_TLS = _SMTP_SECURITY == "starttls"
EMAIL_USE_SSL = _SMTP_SECURITY == "ssl"
EMAIL_TIMEOUT = env_int("KRM_SMTP_TIMEOUT", 30, minimum=1)
# Sender when a Jobcenter has no KRM mailbox address; the domain of krm's Message-IDs.
KRM_MAIL_FROM = env_str("KRM_MAIL_FROM", "krm@localhost")
DEFAULT_FROM_EMAIL = KRM_MAIL_FROM
SERVER_EMAIL = KRM_MAIL_FROM
KRM_MAIL_DOMAIN = env_str("KRM_MAIL_DOMAIN")
# How often a mail is tried before it is flagged in the Postausgang.
KRM_MAIL_ATTEMPTS = env_int("KRM_MAIL_ATTEMPTS", 8, minimum=1)
# Mail in (krm/mailbox): the mailboxes are configured in the admin; they are read every
# KRM_MAILBOX_POLL_MINUTES over IMAP with TLS, trusting the system's CAs or KRM_IMAP_CA_FILE.
# A message larger than KRM_MAIL_MAX_MB is quarantined (its attachments are held to
# KRM_MAX_UPLOAD_MB like uploads).
KRM_MAILBOX_POLL_MINUTES = env_int("KRM_MAILBOX_POLL_MINUTES", 2, minimum=1)
KRM_IMAP_CA_FILE = env_str("KRM_IMAP_CA_FILE")
KRM_MAIL_MAX_MB = env_int("KRM_MAIL_MAX_MB", 60, minimum=1)
# The address of krm as users reach it: links in mails.
KRM_BASE_URL = env_str("KRM_BASE_URL", "http://127.0.0.1:8000")

# Uploads to a case (krm/documents/inspection.py): the largest file accepted.
KRM_MAX_UPLOAD_BYTES = env_int("KRM_MAX_UPLOAD_MB", 25, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads go to temporary files and stop being received past KRM_MAX_UPLOAD_MB; files of
# requests without a login or API key are not received at all; one file per upload form.
FILE_UPLOAD_HANDLERS = ["krm.documents.uploads.LimitedUploadHandler"]
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# Background work (text extraction and OCR, mail, retention) on Django's tasks framework:
# the django-tasks backport with its database backend; `krm worker` runs the tasks.
# KRM_TASK_BACKEND=rq moves the queue to RQ on Redis (django-tasks-rq, at KRM_REDIS_URL) for
# several workers on several machines; or a backend's dotted path. See docs/operations.md.
_TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
_task_backend = env_str("KRM_TASK_BACKEND") or "database"
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(_task_backend, _task_backend),
        "QUEUES": ["default"],
    }
}
KRM_REDIS_URL = env_str("KRM_REDIS_URL") or "redis://127.0.0.1:6379/0"
# The RQ backend's queues (django-rq), read only when it is selected: one per queue of TASKS;
# RQ ends a task after an hour (DEFAULT_TIMEOUT, then it counts as failed and is retried).
RQ_QUEUES = {
    name: {"URL": KRM_REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in TASKS["default"]["QUEUES"]
}
_TASKS_ON_RQ = TASKS["default"]["BACKEND"].startswith("django_tasks_rq.")
if _TASKS_ON_RQ:
    INSTALLED_APPS.append("django_rq")  # its checks; RQ's dashboard in the admin (superusers)
# How often a failed task is tried in all, and after how many seconds a worker that stopped
# reporting counts as dead (its running task is then given to another worker).
KRM_TASK_ATTEMPTS = env_int("KRM_TASK_ATTEMPTS", 5, minimum=1)
if _TASKS_ON_RQ and KRM_TASK_ATTEMPTS > 10:
    raise ImproperlyConfigured("KRM_TASK_ATTEMPTS is at most 10 on RQ (it keeps 10 results a task)")
KRM_WORKER_STALE_SECONDS = env_int("KRM_WORKER_STALE_SECONDS", 60, minimum=2)
KRM_WORKER_REPORT_SECONDS = env_int("KRM_WORKER_REPORT_SECONDS", 10, minimum=1)
# An archive package (the dossiers of the cases the archive took over) is removed from krm's
# storage this many days after it was made: by then it has been handed to the archive.
KRM_ARCHIVE_PACKAGE_DAYS = env_int("KRM_ARCHIVE_PACKAGE_DAYS", 90, minimum=1)
