"""Settings for the Rights Portal.

Everything that differs between a laptop and production comes from the
environment (read with django-environ); there is one settings module.  With no
variables set the portal runs embedded: SQLite, tasks in-process, mail to the
console.  See README.md for the documented variables.

It runs past 500 lines because each setting sits beside the comment that says
why it has its value; splitting it would put the reasons in a second place.
"""

import base64
import hashlib
import ipaddress
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal.kernel import keyhints
from portal.kernel.logs import logging_config as portal_logging_config
from portal.storage import private_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `.env` in the checkout, or the file ENV_FILE names; the environment's values
# come first. An empty ENV_FILE reads no file: the tests' settings
# (tests/settings.py) set it, so an operator's production `.env` in the
# checkout changes neither the tests nor the processes they start.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE:
    if "ENV_FILE" in env.ENVIRON and not Path(ENV_FILE).is_file():
        raise ImproperlyConfigured(f"ENV_FILE names {ENV_FILE}, which is not a readable file.")
    environ.Env.read_env(ENV_FILE, overwrite=False)

# DEBUG defaults on, so a fresh clone runs as is; production sets DEBUG=0.
DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="embedded-development-key-never-used-in-production")
else:
    # Missing or empty is refused with the other required settings, at the end
    # of this module (Django itself refuses it only at the first request).
    SECRET_KEY = env.str("SECRET_KEY", default="")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.kernel.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the widgets' own templates, for FORM_RENDERER below
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "django_ratelimit",
    "pgtrigger",
    "ninja",  # the API's interactive docs from its own static files (CSP: 'self' only)
    "portal.kernel.apps.PortalConfig",
    "portal.records.apps.RecordsConfig",
    "rights.apps.RightsConfig",
    "consent.apps.ConsentConfig",
]

MIDDLEWARE = [
    "portal.kernel.middleware.HeadWithoutBodyMiddleware",
    "portal.kernel.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the middleware that may answer before any view (a host not served is
    # refused by CommonMiddleware): those answers get the headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.kernel.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.kernel.middleware.BadTextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.kernel.middleware.LoggedInNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.kernel.middleware.SessionSecurityMiddleware",
    "portal.kernel.middleware.StaffTimeZoneMiddleware",
    # Before the policy gate: the signal is honoured on the page the gate stops at too.
    "consent.middleware.OptOutSignalMiddleware",
    "consent.middleware.PolicyAcceptanceMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.accounts.idle.idle_warning",
            ],
        },
    },
]


# Widgets are drawn with the templates above, so the project's templates/ may replace
# one: the admin's date-and-time boxes get labels (admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"


def _url_config(name: str, value: str, parse, what: str, example: str) -> dict:
    """``parse`` of the URL ``value`` of variable ``name``, or ImproperlyConfigured naming
    the variable and the scheme (never the value: it may hold a password)."""
    try:
        config = parse(value)
        if "ENGINE" in config:  # django-environ passes an unknown scheme on as the engine
            usable = config["ENGINE"] in set(environ.Env.DB_SCHEMES.values())
        else:  # a cache class Django no longer has (memcache://) fails at the first request
            usable = bool(import_string(config["BACKEND"]))
    except (ImproperlyConfigured, ImportError, KeyError, ValueError):
        usable = False
    if not usable:
        scheme = value.partition("://")[0] if "://" in value else ""
        raise ImproperlyConfigured(
            f"{name} is not a {what} URL (scheme {scheme!r}): write e.g. {example}."
        )
    return config


DATABASES = {
    "default": _url_config(
        "DATABASE_URL",
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        env.db_url_config,
        "database",
        "postgres://user:pass@host:5432/portal",
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps each connection for a minute (no connect per request: a
# PostgreSQL connection costs a few milliseconds and a process); development
# opens one per request, so a changed database is seen at once.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if DEBUG else 60))
# A persistent connection is checked before each request reuses it, so one the
# database dropped (restart, failover, a killed backend) is replaced, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# On PostgreSQL the registry's counts query of every "my data" page runs as a
# prepared statement (portal.kernel.registry.engine; Django's own queries bind
# on the client and are never prepared). Off behind a connection pooler in
# transaction mode that does not keep prepared statements (PgBouncer before 1.21).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Internationalisation: Japanese first, English second.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
try:  # Django's own refusal ("Incorrect timezone setting") named no variable
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE: {TIME_ZONE!r} is not a time zone (an IANA name such as Asia/Tokyo)."
    ) from None
USE_I18N = True
USE_TZ = True
# One date, time and number style per language (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")

# E-mail: console by default, SMTP (or any backend) through EMAIL_URL.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# What the portal publishes about the company (APPI art. 32(1), 38: /privacy/,
# /fees/, disclosure reports, receipts, the sender of its mail): the demo
# company's values, Japanese and English, until a deployment sets its own;
# `manage.py check --deploy` warns while one is left (portal.kernel.company).
_DEMO_OFFICE = "〒150-0043 東京都渋谷区道玄坂1-2-3 ライツポータル株式会社 個人情報窓口"
_DEMO_OFFICE_EN = "Privacy Office, Rights Portal K.K., 1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043"
DEMO_COMPANY = {
    "PRIVACY_COMPANY_NAME": ("ライツポータル株式会社", "Rights Portal K.K."),
    "PRIVACY_COMPANY_REPRESENTATIVE": (
        "代表取締役 山本 一郎",
        "Ichiro Yamamoto, Representative Director",
    ),
    "PRIVACY_OFFICE_ADDRESS": (_DEMO_OFFICE, _DEMO_OFFICE_EN),
    "PRIVACY_OFFICE_PHONE": ("03-5555-0100", ""),
    "DEFAULT_FROM_EMAIL": ("privacy@rights-portal.example", ""),
    "RIGHTS_FEE_BANK_ACCOUNT": (
        "サンプル銀行 渋谷支店 普通預金 1234567 口座名義 ライツポータル(カ",
        "Sample Bank, Shibuya branch, ordinary account 1234567, holder ライツポータル(カ",
    ),
    "RIGHTS_FEE_POSTAL_ADDRESS": (_DEMO_OFFICE, _DEMO_OFFICE_EN),
    "RIGHTS_FEE_RECEIPT_ISSUER": ("ライツポータル株式会社", "Rights Portal K.K."),
}


def _published(name: str) -> tuple[str, str]:
    """The setting ``name`` and its English twin ``<name>_EN``. English falls back
    to Japanese (an empty twin), so the demo's English is the twin's default only
    while the Japanese is the demo's too: a company that set its name alone is
    not called "Rights Portal K.K." on the English pages."""
    demo, demo_en = DEMO_COMPANY[name]
    value = env.str(name, default=demo)
    return value, env.str(f"{name}_EN", default=demo_en if value == demo else "")


DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=DEMO_COMPANY["DEFAULT_FROM_EMAIL"][0])
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions and cookies.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# A session ends after this many seconds without a request (portal.kernel.middleware):
# customers 30 minutes, staff in the admin their own value; 0 turns it off.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (portal.kernel.middleware): scripts and styles only from the
# site's own static files, never inline; images also as data: URIs (the QR code
# of an authenticator set-up); no framing, no plugins, forms post only here.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}

# Login throttling (portal.kernel.throttle): wrong passwords allowed per account and
# per network address within one window, on the customer and the admin login.
LOGIN_THROTTLE_ACCOUNT_FAILURES = env.int("LOGIN_THROTTLE_ACCOUNT_FAILURES", default=5)
LOGIN_THROTTLE_IP_FAILURES = env.int("LOGIN_THROTTLE_IP_FAILURES", default=30)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=15 * 60)
if not DEBUG:
    # Production: HTTPS only.  A TLS-terminating proxy sets X-Forwarded-Proto;
    # gunicorn believes it only from FORWARDED_ALLOW_IPS and sets the request's
    # scheme (wsgi.url_scheme), which Django reads.  SECURE_PROXY_SSL_HEADER would
    # believe the header from any client that reaches gunicorn directly.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Celery: Redis is the broker when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged when it has finished, not when it starts: a worker
# lost mid-task (killed, out of memory, machine gone) leaves it to be redone.
# Tasks are written to be redone safely (see portal.kernel.outbox.OutboxTask).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged task to another worker after this many seconds.
# It must exceed the longest task and the longest retry countdown (an hour,
# rights.tasks.execute_deletion), or a task still running or waiting to retry
# would be started a second time; tests/test_outbox.py checks the countdowns.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # A broker that stops answering must not hold a web request: without these
    # a publish to a hung Redis waits forever. Tasks are published through the
    # outbox (portal.kernel.outbox), which retries later instead of waiting.
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
# The beat schedule; each feature adds its periodic jobs here. Every job's
# task is a portal.kernel.jobs.ScheduledJob and claims its period (a system check
# says so), so a second beat, or a retried task, changes nothing.
CELERY_BEAT_SCHEDULER = "portal.kernel.jobs:ClaimingScheduler"
# A claim not finished after this long, held by another message, is taken over:
# that message is gone (it outlived the broker's visibility timeout).
BEAT_CLAIM_STALE_SECONDS = env.int(
    "BEAT_CLAIM_STALE_SECONDS", default=CELERY_VISIBILITY_TIMEOUT + 60 * 60
)
# Tests and demonstrations only: every crontab job runs every this many
# seconds instead (0 = the schedules as written).
BEAT_EVERY_SECONDS = env.float("BEAT_EVERY_SECONDS", default=0)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "audit-verify-chain": {
        "task": "portal.tasks.verify_audit_chain",
        "schedule": crontab(hour=3, minute=15),
    },
    "audit-checkpoint": {
        "task": "portal.tasks.audit_checkpoint",
        "schedule": crontab(minute=5),
    },
    "consent-marketing-mail": {
        "task": "consent.tasks.marketing_mail_weekly",
        "schedule": crontab(day_of_week="mon", hour=10, minute=0),
    },
}

# The outbox (portal.kernel.outbox): the drain publishes what could not be published
# after its commit (broker down) every OUTBOX_DRAIN_SECONDS; a drain that waited
# longer than three periods in the queue is dropped, the next one does its work.
# A message published but not done (its task has not finished) after
# OUTBOX_REDELIVER_SECONDS is published again (lost with a crashed Redis): it
# must exceed the longest normal run of any outbox task with its retries, and
# the visibility timeout, after which Redis itself hands out what it still has.
# Done messages are deleted after OUTBOX_KEEP_DAYS.
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=10.0)
OUTBOX_REDELIVER_SECONDS = env.int(
    "OUTBOX_REDELIVER_SECONDS", default=CELERY_VISIBILITY_TIMEOUT + 60 * 60
)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
CELERY_BEAT_SCHEDULE.update(
    {
        "outbox-drain": {
            "task": "portal.tasks.outbox_drain",
            "schedule": OUTBOX_DRAIN_SECONDS,
            "options": {"expires": 3 * OUTBOX_DRAIN_SECONDS},
        },
        "outbox-purge": {
            "task": "portal.tasks.outbox_purge",
            "schedule": crontab(hour=4, minute=15),
        },
        "portal-scheduled-runs-purge": {
            "task": "portal.tasks.scheduled_runs_purge",
            "schedule": crontab(hour=4, minute=20),
        },
        "api-callbacks-retry": {
            "task": "portal.tasks.api_callbacks_retry",
            "schedule": crontab(),
        },
    }
)

# The API (docs/api.md): callback URLs must be https:// to a public address, except
# http://127.0.0.1 (loopback) with DEBUG on; the tests set this for their receivers.
API_CALLBACK_ALLOW_LOOPBACK_HTTP = DEBUG

# The cache holds the counters of every rate limit (django-ratelimit) and of
# the login throttle, so it must be shared by every web process and count
# atomically: Redis (django-environ picks django-redis for redis:// URLs, the
# backend django-ratelimit supports; no memcached client is installed). Each
# process's own memory would give every gunicorn worker its own allowance; it is
# used only with DEBUG on and nothing set, where runserver is the one process.
# With DEBUG=0 a shared cache is required, as SECRET_KEY is: gunicorn runs no
# system checks, so the settings refuse to start instead.
_CACHE_EXAMPLE = "redis://host:6379/2"
if REDIS_URL:  # the broker's URL is the cache's by default: refused by the same name
    _url_config("REDIS_URL", REDIS_URL, env.cache_url_config, "Redis", _CACHE_EXAMPLE)
if env.str("CACHE_URL", default=REDIS_URL):
    CACHES = {
        "default": _url_config(
            "CACHE_URL" if env.str("CACHE_URL", default="") else "REDIS_URL",
            env.str("CACHE_URL", default=REDIS_URL),
            env.cache_url_config,
            "Redis",
            _CACHE_EXAMPLE,
        )
    }
    if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
        # A Redis that hangs (accepts connections, never answers) fails a cache
        # call within a second instead of holding the page: Redis answers in
        # well under a millisecond when it is well.
        CACHES["default"].setdefault("OPTIONS", {})
        CACHES["default"]["OPTIONS"].setdefault("SOCKET_CONNECT_TIMEOUT", 1)
        CACHES["default"]["OPTIONS"].setdefault("SOCKET_TIMEOUT", 1)
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:  # refused with the other required settings, at the end of this module
    CACHES = {}
if CACHES and not DEBUG:
    from django_ratelimit.checks import KNOWN_BROKEN_CACHE_BACKENDS

    _backend = CACHES["default"]["BACKEND"]
    if _backend in KNOWN_BROKEN_CACHE_BACKENDS:
        raise ImproperlyConfigured(
            f"CACHE_URL: {_backend} {KNOWN_BROKEN_CACHE_BACKENDS[_backend]}, so rate limits "
            "and the login throttle would miscount across web processes; with DEBUG off use "
            "Redis (redis://host:6379/2)."
        )

# One-time passwords (django-otp).
# The code mail is rendered by portal.kernel.tasks.send_otp_email in the customer's
# language; django-otp's own rendering is reduced to a placeholder it discards.
OTP_EMAIL_BODY_TEMPLATE = "-"
OTP_EMAIL_TOKEN_VALIDITY = env.int("OTP_EMAIL_TOKEN_VALIDITY", default=10 * 60)
OTP_EMAIL_COOLDOWN_DURATION = env.int("OTP_EMAIL_COOLDOWN_DURATION", default=30)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Rights Portal")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Step-up: sensitive pages need a code checked within this many seconds.
STEP_UP_MAX_AGE = env.int("STEP_UP_MAX_AGE", default=15 * 60)
# Wrong codes allowed before the device locks; the lock then doubles each time.
OTP_FREE_ATTEMPTS = env.int("OTP_FREE_ATTEMPTS", default=4)
OTP_LOCKOUT_SECONDS = env.int("OTP_LOCKOUT_SECONDS", default=60)

# Records of provision to third parties are kept this many years from their
# date (APPI Art. 29: 3 years), then deleted by a nightly job.
CONSENT_PROVISION_RECORD_YEARS = env.int("CONSENT_PROVISION_RECORD_YEARS", default=3)

# How long an e-mail verification link stays valid (seconds).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# Logs: one JSON object a line in production, readable lines in development;
# every line written while a request or a task runs carries its request id
# (portal/kernel/logs.py). Log ids and counts, never personal data.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = portal_logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))

# The public address of the portal, used in links inside e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so concurrent writers queue
    # instead of failing with "database is locked" half-way.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

# Rights requests: deadlines (see rights/deadlines.py).
RIGHTS_DEFAULT_REGIME = env.str("RIGHTS_DEFAULT_REGIME", default="appi")
RIGHTS_APPI_TARGET_DAYS = env.int("RIGHTS_APPI_TARGET_DAYS", default=14)
RIGHTS_APPI_MAX_EXTENSION_DAYS = env.int("RIGHTS_APPI_MAX_EXTENSION_DAYS", default=14)
# Each regime's deadlines count in the time zone of its requesters (stored on
# each request when it is filed): APPI in Japan, GDPR in central Europe, CCPA in
# California (docs/legal.md#deadlines).
RIGHTS_REGIME_TIME_ZONES = {
    "appi": env.str("RIGHTS_APPI_TIME_ZONE", default="Asia/Tokyo"),
    "gdpr": env.str("RIGHTS_GDPR_TIME_ZONE", default="Europe/Berlin"),
    "ccpa": env.str("RIGHTS_CCPA_TIME_ZONE", default="America/Los_Angeles"),
}
# Customers see dates in the zone of the regime their requests are filed under
# (its requests' pages and e-mails do); staff in their own (User.time_zone).
CUSTOMER_TIME_ZONE = env.str(
    "CUSTOMER_TIME_ZONE", default=RIGHTS_REGIME_TIME_ZONES.get(RIGHTS_DEFAULT_REGIME, TIME_ZONE)
)
# Public-holiday calendars (country, subdivision) for business days, per regime.
RIGHTS_HOLIDAY_CALENDARS = {
    "appi": ("JP", None),
    "gdpr": (env.str("RIGHTS_GDPR_HOLIDAY_COUNTRY", default="") or None, None),
    "ccpa": ("US", "CA"),
}

# Files customers and staff send (evidence, documents): private storage, never
# under a public URL; served only by views that check who is asking.
# PRIVATE_STORAGE_URL chooses the backend: empty, MEDIA_ROOT on this machine;
# s3://bucket/prefix, an S3 bucket (portal/storage.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": private_storage(env.str("PRIVATE_STORAGE_URL", default=""), MEDIA_ROOT),
    # Production serves compressed (gzip, brotli) files with hashed names through
    # whitenoise after `collectstatic`; development serves the source files.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
RIGHTS_UPLOAD_MAX_BYTES = env.int("RIGHTS_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
CELERY_BEAT_SCHEDULE.update(
    {
        "rights-remind-due-soon": {
            "task": "rights.tasks.remind_due_soon",
            "schedule": crontab(minute=0, hour="9-18"),
        },
        "rights-escalate-overdue": {
            "task": "rights.tasks.escalate_overdue",
            "schedule": crontab(hour=9, minute=30),
        },
        "rights-expire-unpaid-fees": {
            "task": "rights.tasks.expire_unpaid_fees",
            "schedule": crontab(hour=4, minute=30),
        },
    }
)

# Fees (APPI art. 38; see rights/fees.py). An unpaid request stays open this
# many days after the fee is asked, then expires; the period is published on /fees/.
RIGHTS_FEE_UNPAID_DAYS = env.int("RIGHTS_FEE_UNPAID_DAYS", default=30)
# On: moving a reviewed, chargeable APPI request on asks the published fee by
# itself. Off: staff confirm each fee on the request's page.
RIGHTS_FEE_AUTOMATIC = env.bool("RIGHTS_FEE_AUTOMATIC", default=False)
# How to pay, as shown on /fees/ and with each fee due (the demo's values until
# set; in English the account holder stays as the bank knows it, in katakana).
RIGHTS_FEE_BANK_ACCOUNT, RIGHTS_FEE_BANK_ACCOUNT_EN = _published("RIGHTS_FEE_BANK_ACCOUNT")
RIGHTS_FEE_POSTAL_ADDRESS, RIGHTS_FEE_POSTAL_ADDRESS_EN = _published("RIGHTS_FEE_POSTAL_ADDRESS")
# Who issues fee receipts, and the qualified-invoice registration number
# (T + 13 digits) printed on them when the company has one.
RIGHTS_FEE_RECEIPT_ISSUER, RIGHTS_FEE_RECEIPT_ISSUER_EN = _published("RIGHTS_FEE_RECEIPT_ISSUER")
RIGHTS_FEE_INVOICE_REGISTRATION = env.str("RIGHTS_FEE_INVOICE_REGISTRATION", default="")
# Online payment providers: name in the webhook URL -> adapter class. The
# fake provider verifies an HMAC-SHA256 signature over the signing time and the
# body, made with this secret (an empty secret refuses every call), and refuses
# calls signed more than the tolerance away from now (replays).
PAYMENT_PROVIDERS = {"fake": "rights.payments.FakeProvider"}
PAYMENT_WEBHOOK_SECRET = env.str("PAYMENT_WEBHOOK_SECRET", default="")
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300)

# Retention (rights/retention): fiscal years, the jobs and the erasure ledger.
# The company's fiscal year ends with this month (Corporation Tax Act periods
# count from two months after it).
RIGHTS_FISCAL_YEAR_END_MONTH = env.int("RIGHTS_FISCAL_YEAR_END_MONTH", default=3)
# Calendar years in which a fiscal year with a loss carried forward ended: their
# transaction documents are kept 10 years instead of 7.
RIGHTS_LOSS_FISCAL_YEARS = env.list("RIGHTS_LOSS_FISCAL_YEARS", cast=int, default=[])
# Files attached to requests (identity documents, proof of authority, evidence)
# are removed this many days after the request is closed.
RIGHTS_DOCUMENT_KEEP_DAYS = env.int("RIGHTS_DOCUMENT_KEEP_DAYS", default=90)
# A closed account's address is erased once the final notice is sent, or after this
# many days if it could not be sent.
RIGHTS_NOTICE_ERASE_GRACE_DAYS = env.int("RIGHTS_NOTICE_ERASE_GRACE_DAYS", default=3)
# Rows per batch of the retention jobs; 0 chooses per database (100,000 PostgreSQL, 1,000 SQLite).
RIGHTS_RETENTION_BATCH_SIZE = env.int("RIGHTS_RETENTION_BATCH_SIZE", default=0)
# A retention run whose heartbeat (written by each batch, and every fifth of this on
# PostgreSQL while a batch runs) is older than this many seconds was interrupted:
# staff see it so, and the next run of the job resumes it where it stopped.
RIGHTS_RETENTION_HEARTBEAT_TIMEOUT = env.int("RIGHTS_RETENTION_HEARTBEAT_TIMEOUT", default=300)
# The erasure ledger is also appended here, outside the database, so that it
# survives a restore of the database; empty turns the file off.
RIGHTS_ERASURE_LEDGER_FILE = env.str(
    "RIGHTS_ERASURE_LEDGER_FILE", default=str(BASE_DIR / "var" / "erasure-ledger.jsonl")
)
CELERY_BEAT_SCHEDULE.update(
    {
        "rights-retention-deferred": {
            "task": "rights.tasks.retention_deferred",
            "schedule": crontab(hour=2, minute=30),
        },
        "rights-retention-sweep": {
            "task": "rights.tasks.retention_sweep",
            "schedule": crontab(hour=3, minute=0),
        },
        "rights-retention-purge": {
            "task": "rights.tasks.retention_purge",
            "schedule": crontab(hour=3, minute=30),
        },
        "rights-erasure-ledger-fill": {
            "task": "rights.tasks.erasure_ledger_fill",
            "schedule": crontab(hour=4, minute=0),
        },
    }
)

# Anonymised statistics: smallest published cell, and the purpose of use that,
# when the company defines it, customers may withdraw to be left out.
STATISTICS_MIN_CELL = env.int("STATISTICS_MIN_CELL", default=10)
STATISTICS_PURPOSE_CODE = env.str("STATISTICS_PURPOSE_CODE", default="statistics")

# The company and its privacy office, as named in disclosure reports and notices
# of purposes of use (APPI art. 32(1): name, address, representative and where to
# file requests and complaints). Japanese and English; English falls back to Japanese.
PRIVACY_COMPANY_NAME, PRIVACY_COMPANY_NAME_EN = _published("PRIVACY_COMPANY_NAME")
PRIVACY_COMPANY_REPRESENTATIVE, PRIVACY_COMPANY_REPRESENTATIVE_EN = _published(
    "PRIVACY_COMPANY_REPRESENTATIVE"
)
PRIVACY_OFFICE_ADDRESS, PRIVACY_OFFICE_ADDRESS_EN = _published("PRIVACY_OFFICE_ADDRESS")
PRIVACY_OFFICE_EMAIL = env.str("PRIVACY_OFFICE_EMAIL", default=DEFAULT_FROM_EMAIL)
PRIVACY_OFFICE_PHONE = env.str(
    "PRIVACY_OFFICE_PHONE", default=DEMO_COMPANY["PRIVACY_OFFICE_PHONE"][0]
)
# Where a complaint may also go (APPI art. 32(1), GDPR art. 77): published on
# /privacy/ with the items above.
PRIVACY_SUPERVISORY_AUTHORITY = env.str(
    "PRIVACY_SUPERVISORY_AUTHORITY", default="個人情報保護委員会"
)
PRIVACY_SUPERVISORY_AUTHORITY_EN = env.str(
    "PRIVACY_SUPERVISORY_AUTHORITY_EN", default="Personal Information Protection Commission, Japan"
)
PRIVACY_SUPERVISORY_AUTHORITY_URL = env.str(
    "PRIVACY_SUPERVISORY_AUTHORITY_URL", default="https://www.ppc.go.jp/"
)

# Days the link mailed to the person an agent acted for (CCPA §7063) may be
# answered; it answers once, and an expired link asks them to contact the office.
RIGHTS_AGENT_LINK_DAYS = env.int("RIGHTS_AGENT_LINK_DAYS", default=14)

# Disclosures and notices of purposes (rights/disclosure). The download link
# works this many days and this many times; the package is encrypted at rest
# with DISCLOSURE_ENCRYPTION_KEY (comma-separated, the first encrypts, all
# decrypt; required when DEBUG is off, see rights/disclosure/crypto.py).
DISCLOSURE_LINK_DAYS = env.int("DISCLOSURE_LINK_DAYS", default=14)
DISCLOSURE_MAX_DOWNLOADS = env.int("DISCLOSURE_MAX_DOWNLOADS", default=1)
DISCLOSURE_ENCRYPTION_KEY = env.list("DISCLOSURE_ENCRYPTION_KEY", default=[])
# Only the embedded default (DEBUG on, no key set) derives a development key.
DISCLOSURE_DEV_KEY = DEBUG and not DISCLOSURE_ENCRYPTION_KEY

# Columns encrypted at rest (portal/kernel/encryption.py): keys in Fernet's format,
# comma-separated, the first encrypts and all decrypt (`manage.py
# rotate_field_keys` moves every row to the first); the keyed hash that lets
# staff search by phone or date of birth. Both are required when DEBUG is off.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
if DEBUG:  # the embedded default derives development keys from SECRET_KEY
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"field keys:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
    FIELD_HASH_KEY = (
        FIELD_HASH_KEY or hashlib.sha256(f"field hash:{SECRET_KEY}".encode()).hexdigest()
    )

# The audit trail (portal/kernel/audit.py): each row's hash is an HMAC-SHA256
# under AUDIT_CHAIN_KEY (required when DEBUG is off, at least 32 characters),
# and every hour the chain's head is appended, signed, to AUDIT_CHECKPOINT_FILE
# and written to the log, outside the database; empty turns the file off (the
# log keeps the checkpoints).
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")
if DEBUG:  # the embedded default derives a development key from SECRET_KEY
    AUDIT_CHAIN_KEY = (
        AUDIT_CHAIN_KEY or hashlib.sha256(f"audit chain:{SECRET_KEY}".encode()).hexdigest()
    )
AUDIT_CHECKPOINT_FILE = env.str(
    "AUDIT_CHECKPOINT_FILE", default=str(BASE_DIR / "var" / "audit-checkpoints.jsonl")
)

# With DEBUG off nothing starts without SECRET_KEY, the shared cache and the
# four keys above, well formed. Each one missing or malformed is named in the
# one refusal, so a start from an empty environment lists all of them.
if not DEBUG:
    _refusals = keyhints.production_refusals(
        secret_key=SECRET_KEY,
        cache_configured=bool(CACHES),
        field_encryption_keys=FIELD_ENCRYPTION_KEYS,
        field_hash_key=FIELD_HASH_KEY,
        disclosure_keys=DISCLOSURE_ENCRYPTION_KEY,
        audit_chain_key=AUDIT_CHAIN_KEY,
    )
    if _refusals:
        raise ImproperlyConfigured(keyhints.refusal(_refusals))

# Requests without an account and by agents (rights/requesters). Identity
# documents are deleted this many days after the decision on identity (or after
# the request closed without one); a document showing a My Number at once.
RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS = env.int("RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS", default=30)
# Rate limits of the public request form (django-ratelimit on the default
# cache): "count/period", period s, m, h or d, e.g. "5/h" or "20/15m".
RIGHTS_PUBLIC_RATE_START_IP = env.str("RIGHTS_PUBLIC_RATE_START_IP", default="10/h")
RIGHTS_PUBLIC_RATE_START_EMAIL = env.str("RIGHTS_PUBLIC_RATE_START_EMAIL", default="5/h")
RIGHTS_PUBLIC_RATE_CODE_IP = env.str("RIGHTS_PUBLIC_RATE_CODE_IP", default="20/h")
RIGHTS_PUBLIC_RATE_CODE_EMAIL = env.str("RIGHTS_PUBLIC_RATE_CODE_EMAIL", default="10/h")
RIGHTS_PUBLIC_RATE_FORM_IP = env.str("RIGHTS_PUBLIC_RATE_FORM_IP", default="10/h")
RIGHTS_PUBLIC_RATE_FORM_EMAIL = env.str("RIGHTS_PUBLIC_RATE_FORM_EMAIL", default="5/h")
RIGHTS_PUBLIC_RATE_FOLLOW_IP = env.str("RIGHTS_PUBLIC_RATE_FOLLOW_IP", default="30/h")
RIGHTS_PUBLIC_RATE_FOLLOW_EMAIL = env.str("RIGHTS_PUBLIC_RATE_FOLLOW_EMAIL", default="20/h")
# Requests for a link that changes a customer's login address (/account/email/),
# per account and per network address; same form as above.
ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT = env.str("ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT", default="5/h")
ACCOUNT_EMAIL_CHANGE_RATE_IP = env.str("ACCOUNT_EMAIL_CHANGE_RATE_IP", default="20/h")
# Sign-up, password reset and "send the link again", which mail whatever address is
# typed: per typed address (one count for the three) and per network address.
ACCOUNT_MAIL_RATE_EMAIL = env.str("ACCOUNT_MAIL_RATE_EMAIL", default="5/h")
ACCOUNT_MAIL_RATE_IP = env.str("ACCOUNT_MAIL_RATE_IP", default="20/h")
RATELIMIT_USE_CACHE = "default"
# The proxies in front of gunicorn (addresses or networks, comma-separated, e.g.
# "127.0.0.1" for a proxy on the same host). X-Forwarded-For is believed only
# from them; empty: the connecting address (REMOTE_ADDR) is the client's.
# portal/kernel/client_address.py is the one policy for the audit trail, the login
# throttle and every rate limit.
TRUSTED_PROXIES = [p.strip() for p in env.list("TRUSTED_PROXIES", default=[]) if p.strip()]
for _proxy in TRUSTED_PROXIES:  # a typo must stop the start, not trust nobody silently
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network"
        ) from _error
RATELIMIT_IP_META_KEY = "portal.kernel.client_address.ratelimit_ip"
# django-ratelimit's check (django_ratelimit.E003/W001) stays on: it reports a
# cache that is not shared, not atomic or not supported. The one exception is
# the development default above (DEBUG on, local memory), where runserver is
# one process and the local-memory cache counts correctly under its lock;
# DEBUG=0 never gets here without a shared cache.
SILENCED_SYSTEM_CHECKS = []
if DEBUG and CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# Systems outside this database (rights/connectors, docs/connectors.md): the
# back-off of HTTP connector calls (seconds, doubling up to the maximum), the
# attempts before a call is failed for staff, how far a signature's timestamp
# may be from now, and the days a system without its own setting has to answer
# (fixed values: the contract, docs/connectors.md, states them to service teams).
CONNECTOR_BACKOFF_SECONDS = 60
CONNECTOR_BACKOFF_MAX_SECONDS = 1800
CONNECTOR_MAX_ATTEMPTS = 10
CONNECTOR_SIGNATURE_TOLERANCE = 300
CONNECTOR_ANSWER_DAYS = 7
# The most read of one answer of an HTTP connector (bytes): a longer answer fails
# the call (an announced length at once, any other as soon as it passes), so a
# system, or whoever answers at its address, cannot fill a worker's memory. One
# person's records from one system fit many times over in 64 MiB; parsed, an
# answer takes several times its size.
try:
    CONNECTOR_ANSWER_MAX_BYTES = env.int("CONNECTOR_ANSWER_MAX_BYTES", default=64 * 1024 * 1024)
except ValueError:
    CONNECTOR_ANSWER_MAX_BYTES = 0
if CONNECTOR_ANSWER_MAX_BYTES < 1:
    raise ImproperlyConfigured(
        f"CONNECTOR_ANSWER_MAX_BYTES: {env.str('CONNECTOR_ANSWER_MAX_BYTES')!r} is not a "
        "number of bytes above 0 (e.g. 67108864 for 64 MiB)."
    )
CELERY_BEAT_SCHEDULE.update(
    {
        "rights-connectors-due": {
            "task": "rights.tasks.connectors_due",
            "schedule": crontab(minute="*"),
        },
        "rights-connectors-remind": {
            "task": "rights.tasks.connectors_remind",
            "schedule": crontab(hour=9, minute=45),
        },
        "rights-connectors-after-holds": {
            "task": "rights.tasks.connectors_after_holds",
            "schedule": crontab(hour=2, minute=40),
        },
    }
)
