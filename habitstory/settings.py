"""HabitStory settings: one file, everything from the environment.

The defaults give the embedded setup (SQLite file, in-memory channel layer,
local-memory cache, a filesystem Celery broker, console e-mail). Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and friends. A bad value stops
start-up with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
import dj_email_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from habitstory.core.env import envbool, envint, envlist
from habitstory.core.vapid import keys_from_environment
from habitstory.core.verification_keys import keys_from_environment as verification_keys_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

# --- Core -----------------------------------------------------------------------------

DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off "
            "(set DEBUG=1 for local development, or a long random SECRET_KEY)."
        )
    SECRET_KEY = "django-insecure-local-development-only"
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG is off")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if urlparse(_origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, not {_origin!r}"
        )

SITE_NAME = "HabitStory"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if urlparse(SITE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"SITE_URL must be an http(s) URL, not {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    # third party
    "django_htmx",
    "template_partials",
    "csp",
    "channels",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    # cross-cutting apps in the project package
    "habitstory.accounts",
    "habitstory.core",
    "habitstory.live",
    "habitstory.notifications",
    "habitstory.api",
    # domain apps
    "habits",
    "goals",
    "quests",
    "archetypes",
    "verification",
    "gamification",
    "habitstory.insights",
    "habitstory.billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "habitstory.core.streaming.StaticFilesMiddleware",  # whitenoise, streamed under ASGI
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "habitstory.accounts.middleware.UserTimezoneMiddleware",
    "habitstory.billing.middleware.PlanLimitMiddleware",
]

ROOT_URLCONF = "habitstory.urls"
WSGI_APPLICATION = "habitstory.wsgi.application"
ASGI_APPLICATION = "habitstory.asgi.application"
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1

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
                "habitstory.core.context_processors.shell",
                "gamification.context_processors.xp",
                "habitstory.notifications.context_processors.bell",
                "habitstory.billing.context_processors.banner",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

_DEFAULT_DB = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
_database_url = os.environ.get("DATABASE_URL", "") or _DEFAULT_DB
if urlparse(_database_url).scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a sqlite:/// or postgres:// URL, not {_database_url!r}"
    )
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from None
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web server, the worker and beat share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif envbool("DATABASE_POOL", True):
    # A connection pool (psycopg-pool): under ASGI every request runs in a new thread, so
    # persistent connections would not be reused; each request would connect (~7 ms).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {"min_size": 1, "max_size": envint("DATABASE_POOL_SIZE", 20, minimum=1), "timeout": 10},
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker -----------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and urlparse(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// or rediss:// URL, not {REDIS_URL!r}")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, failing soft when Redis is away (habitstory/core/cache.py).
            "BACKEND": "habitstory.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hs",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8's defaults break channels_redis 4.3 (upstream issue #422): a
                # 5 s socket_timeout equals the layer's 5 s blocking read, so an idle
                # socket's wait times out and the socket is closed; max_connections=100
                # refuses the 101st concurrent handshake instead of waiting.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10, "max_connections": 10_000}],
                "prefix": "hs:live",
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # kombu's filesystem transport: a folder both the worker and beat can see
    # (memory:// would not reach a separate beat process).
    _broker_dir = VAR_DIR / "celery-broker"
    for _folder in ("out", "processed", "control"):  # kombu expects them to exist
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Broadcast (remote control) messages; by default kombu writes them to ./control.
        "control_folder": str(_broker_dir / "control"),
    }

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
# Worker processes the day close runs its batches in (habits.closing; PostgreSQL only):
# its work is mostly Python, so one per core.
CLOSE_DAYS_WORKERS = envint("CLOSE_DAYS_WORKERS", 2, minimum=1)

# --- Accounts (django-allauth) -----------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, reading the user with their profile (one query).
    "habitstory.accounts.backends.ProfileModelBackend",
    "habitstory.accounts.backends.ProfileAuthenticationBackend",
    # Sessions signed in before those existed name these; they stay valid.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:today"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured(
        "ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory, "
        f"not {ACCOUNT_EMAIL_VERIFICATION!r}"
    )
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "habitstory.accounts.forms.SignupProfileForm"
ACCOUNT_ADAPTER = "habitstory.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "habitstory.accounts.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[HabitStory] "
# allauth's defaults, written out so they are visible and tunable (they need a shared cache
# in production: Redis).
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

SOCIALACCOUNT_PROVIDERS: dict = {}
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB")):
    _client_id = os.environ.get(f"{_prefix}_CLIENT_ID", "")
    _secret = os.environ.get(f"{_prefix}_CLIENT_SECRET", "")
    if bool(_client_id) != bool(_secret):
        raise ImproperlyConfigured(
            f"{_prefix}_CLIENT_ID and {_prefix}_CLIENT_SECRET must be set together"
        )
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret, "key": ""}],
            "SCOPE": ["email"] if _provider == "github" else ["email", "profile"],
        }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- E-mail ----------------------------------------------------------------------------------

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
_email = dj_email_url.parse(EMAIL_URL)
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured(
        "EMAIL_URL must start with smtp://, smtps://, submission://, console://, file://, "
        f"memory:// or dummy://, not {EMAIL_URL!r}"
    )
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10
if _email["EMAIL_FILE_PATH"]:
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "HabitStory <hello@habitstory.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Web Push ----------------------------------------------------------------------------
# VAPID keys: from the environment, or VAPID_KEYS_FILE (habitstory/core/vapid.py).

VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = keys_from_environment(VAR_DIR / "vapid.json")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:hello@habitstory.local")

# --- Verification media at rest ----------------------------------------------------------------
# AES-GCM keys, current first (habitstory/core/verification_keys.py); `make run` writes a local one.
VERIFICATION_KEYS = verification_keys_from_environment(VAR_DIR / "verification-keys.json")
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(f"VAPID_SUBJECT must be a mailto: or https:// URL, not {VAPID_SUBJECT!r}")

# --- Billing (docs/billing.md) -------------------------------------------------------------
# Stripe's hosted Checkout and Customer Portal. Without the secret
# key, the webhook secret and a price, billing is off and nothing is limited.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PRICE_MONTHLY = os.environ.get("STRIPE_PRICE_MONTHLY", "")
STRIPE_PRICE_YEARLY = os.environ.get("STRIPE_PRICE_YEARLY", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # another Stripe API (tests' local fake)

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE must be an IANA time zone name, not {TIME_ZONE!r}")
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Uploaded files (quest attachments) are private: nothing serves MEDIA_ROOT (nor, on S3, the
# bucket); each file goes out through a view that checks its owner (quests.file_views).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Hashed file names in production; plain names for development and tests, which run
# without collectstatic.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "habitstory.core.static_files.HashedStaticFiles"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_DEFAULT_ACL = None
    # The bucket stays private: every link to a file is signed and expires in minutes.
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = envint("AWS_QUERYSTRING_EXPIRE", 300, minimum=10)
    AWS_S3_FILE_OVERWRITE = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # a request's body apart from its files
# A file past habitstory.core.uploads.UPLOAD_MAX_BYTES (30 MB, the largest any upload takes)
# is counted to its end, not kept; each app refuses what is over its own limit by that size.
# Smaller ones stay in memory up to 2.5 MB (FILE_UPLOAD_MAX_MEMORY_SIZE), then go to disk.
FILE_UPLOAD_HANDLERS = [
    "habitstory.core.uploads.UploadLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security ----------------------------------------------------------------------------

# HTTPS=1 switches on everything a site served only over HTTPS wants; each piece can
# still be set on its own.
HTTPS = envbool("HTTPS", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
if envbool("SECURE_PROXY_SSL_HEADER", HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address (allauth's sign-in limits, the API's failed-token limit) is REMOTE_ADDR
# as the ASGI server sets it: uvicorn --proxy-headers takes it from X-Forwarded-For only when
# the connection comes from FORWARDED_ALLOW_IPS (README, "Configuration"). Django reads no
# X-Forwarded-For itself, so a client cannot pick its own address.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

_MEDIA_ORIGINS: list[str] = []
if AWS_STORAGE_BUCKET_NAME:
    if AWS_S3_CUSTOM_DOMAIN:
        _MEDIA_ORIGINS = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        _MEDIA_ORIGINS = [AWS_S3_ENDPOINT_URL.rstrip("/")]
    else:
        _MEDIA_ORIGINS = ["https://*.amazonaws.com"]
_site = urlparse(SITE_URL)
_SOCKET_ORIGIN = f"{'wss' if HTTPS or _site.scheme == 'https' else 'ws'}://{_site.netloc}"
# Upgrade and Manage post here and are answered with a redirect to Stripe's hosted pages,
# which form-action must allow (Chromium checks a form's redirects too); STRIPE_API_BASE
# (a local fake) serves its stand-ins for them itself.
_api_base = urlparse(STRIPE_API_BASE)
_STRIPE_FORM_ORIGINS = ["https://checkout.stripe.com", "https://billing.stripe.com",
                        *([f"{_api_base.scheme}://{_api_base.netloc}"] if _api_base.netloc else [])]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:", *_MEDIA_ORIGINS],
        # The capture page previews what it recorded (blob:); proofs play from this site.
        "media-src": [SELF, "blob:", "mediastream:"],
        # This site only: 'self' covers the page's own host, its ws: and wss: included (CSP 3);
        # SITE_URL's socket origin is named for browsers that read 'self' as http(s) only.
        "connect-src": [SELF, _SOCKET_ORIGIN],
        "font-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF, *_STRIPE_FORM_ORIGINS],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    },
}

# --- Logging -------------------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}"
    )
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "uvicorn.access": {"level": "WARNING"},
    },
}

# --- HabitStory ----------------------------------------------------------------------------

DEMO_EMAIL = "demo@habitstory.local"
DEMO_PASSWORD = "demo-habits-2026"
STAFF_EMAIL = "admin@habitstory.local"
STAFF_PASSWORD = "admin-habitstory-2026"
