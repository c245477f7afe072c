"""Charter settings: one file, driven by the environment.

With nothing set, Charter runs on its *embedded default* (DESIGN §2): SQLite under ``var/``,
Celery tasks run in-process, e-mail is written to files under ``var/mail/`` and the cache is
local memory. Setting ``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` switches on the full stack
(PostgreSQL, Redis for the Celery broker and the cache, SMTP). See README.md for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config import sso as sso_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# The embedded default keeps its database, mail and collected static files here; creating it
# up front spares a newcomer an "unable to open database file" on the very first command.
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# --- Core ----------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-charter-development-key-not-for-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    # One line, so that it reads well in a container log.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 40 characters when DEBUG is off "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "django_htmx",
    "template_partials",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    # Swagger UI (and Redoc) for /api/docs/, served from our own static files so the docs work
    # offline (drf-spectacular's default loads them from a CDN).
    "drf_spectacular_sidecar",
    "simple_history",
    # Failed sign-ins and lockouts (the "Sign-in protection" section below).
    "axes",
    # Sign-in, password reset, e-mail addresses, sessions and two-factor pages (the "Accounts"
    # section below); socialaccount and its OpenID Connect provider for single sign-on.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # Charter, in floors: each app imports only the ones above it in this list.
    "projects",
    "scheduling",
    "stakeholders",
    "budgets",
    "risks",
    "reports",
    "interchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # The sign-in pages may send a form on to the single sign-on provider (projects.sso).
    "projects.sso.FormActionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # allauth's sign-in flow state (pending two-factor step, re-authentication); the sessions
    # page's records of each signed-in browser.
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # The person's own time zone for timestamps (projects/timezones.py; no query: the session).
    "projects.timezones.UserTimeZoneMiddleware",
    # Cache-Control: private, no-store on signed-in users' responses (static files never get here).
    "config.middleware.PrivateCacheMiddleware",
    # Learns SITE_URL from signed-in people's requests when the environment does not set it.
    "projects.site.SiteUrlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sends a person who must use two-factor authentication (MFA_REQUIRED) to set it up.
    "projects.auth.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records request.user as the author of every history row written during the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a sign-in that axes refused into the lockout page (last, as axes asks).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "projects.context_processors.navigation",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'charter.sqlite3'}"),
}
# Persistent connections (a new PostgreSQL connection costs more than a light request: 60 s
# gave 1.46x on the light endpoints), checked before reuse so a restarted database costs one
# failed ping, not an error. CONN_MAX_AGE=0 turns it off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a browser, htmx requests and in-process tasks at once:
    # write-ahead logging lets readers go on during a write, and IMMEDIATE transactions take
    # the write lock up front, so concurrent writers wait (up to the timeout) instead of
    # failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, failing open: a Redis error is logged and answered as a
            # miss, never a 500 (config/cache.py).
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="charter"),
            # Seconds. Redis answers in about a millisecond; a dead or unreachable one must cost
            # a request milliseconds, not redis-py's default of 5 s per call.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions stay in the database (Django's default), never in the cache: signing in to the pages
# must not depend on Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Eager Celery still opens a producer on the broker to round-trip each task's arguments through
# the serializer; "memory://" without a host makes kombu warn "No hostname was supplied" on the
# first task of every process, so the in-memory broker is named with one.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run in-process at the point they are queued (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-way is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a request gives up within seconds when the broker is away (a refused
# connection at once; an unreachable host after the 1 s connect timeout, retried once; one that
# accepts but never answers after two 2 s socket timeouts): the write is committed by then, and
# projects.queue keeps the task for the sweeper instead of holding the request (Celery's
# defaults spent ~20 s in the result backend and answered 500, or waited for ever on a hung
# connection). The socket timeout stays above the worker's 1 s BRPOP poll.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.5,
    "interval_step": 0.5,
    "interval_max": 1,
}
# Work waits this many minutes for a worker before the sweeper queues it again: a status report
# delivery still pending, or retrying well past its time (its task message was lost). Tasks the
# broker refused are sent again at the next sweep, and a delivery whose worker died mid-send
# once its claim is CLAIM_TIMEOUT (10 minutes) old.
REQUEUE_AFTER_MINUTES = env.int("REQUEUE_AFTER_MINUTES", default=5)
# A change that moves a project's KPIs queues one snapshot refresh this many seconds later;
# further changes to the project inside the window ride on it (reports/receivers/kpi.py). 0
# refreshes right after each committing change: the embedded default, where tasks run in-process
# and a countdown could not wait.
KPI_REFRESH_DEBOUNCE = env.int("KPI_REFRESH_DEBOUNCE", default=30 if REDIS_URL else 0)
# The worker heartbeat that /readyz/ reads lives outside the apps (config/health.py).
CELERY_IMPORTS = ["config.health"]
CELERY_BEAT_SCHEDULE = {
    # Proves to /readyz/ that beat, the broker and a worker all move work; an hour of heartbeats
    # queued while no worker runs is dropped, not replayed.
    "worker-heartbeat": {
        "task": "config.health.heartbeat",
        "schedule": 60,  # config.health.HEARTBEAT_EVERY
        "options": {"expires": 60},
    },
    "purge-expired-api-tokens": {
        "task": "projects.tasks.purge_expired_api_tokens",
        "schedule": 60 * 60,  # hourly
    },
    "purge-sign-in-logs": {
        "task": "projects.tasks.purge_sign_in_logs",
        "schedule": crontab(hour=3, minute=45),  # nightly
    },
    # Every project whose forecast is over a day old (or missing) is forecast again, before the
    # KPI refresh so that the night's health reads the fresh chance of meeting the target.
    "refresh-stale-forecasts": {
        "task": "risks.tasks.refresh_stale_forecasts",
        "schedule": crontab(hour=1, minute=30),  # nightly
    },
    "refresh-kpi-snapshots": {
        "task": "reports.tasks.kpi.refresh_all_kpi_snapshots",
        "schedule": crontab(hour=2, minute=15),  # nightly, after the day's work is in
    },
    # Programme status reports: Monday morning, the week's roll-up to every programme member.
    "send-programme-reports": {
        "task": "reports.tasks.programmes.send_programme_reports",
        "schedule": crontab(day_of_week="mon", hour=7, minute=45),
    },
    "remind-post-implementation-reviews": {
        "task": "reports.tasks.closure.remind_post_implementation_reviews",
        "schedule": crontab(hour=7, minute=30),  # daily, before the working day starts
    },
    # Each project's report goes out at its own weekday and hour in its own time zone, so the
    # finder runs every hour (at :05, clear of the hour's other jobs) and picks the due ones.
    "send-due-status-reports": {
        "task": "reports.tasks.status.send_due_status_reports",
        "schedule": crontab(minute=5),
    },
    # Each person's daily digest goes out at 08:00 in their own time zone: the finder runs on
    # the hour and picks those for whom it is 08:00 (projects.services.notifications).
    "send-notification-digests": {
        "task": "projects.tasks.send_notification_digests",
        "schedule": crontab(minute=0),
    },
    # Due tomorrow / overdue reminders, per project time zone; hourly so that every zone's day
    # is caught, each record told once per state (projects.events.due_reminders_record).
    "record-task-due-reminders": {
        "task": "scheduling.tasks.record_task_due_reminders",
        "schedule": crontab(minute=20),
    },
    "record-action-item-due-reminders": {
        "task": "stakeholders.tasks.record_action_item_due_reminders",
        "schedule": crontab(minute=25),
    },
    # Last week's timesheet not submitted: told once it is Monday 09:00 in the person's time
    # zone, so the finder runs hourly; once per person and week (budgets.services.timesheets).
    "record-timesheet-reminders": {
        "task": "budgets.tasks.record_timesheet_reminders",
        "schedule": crontab(minute=35),
    },
    # Work a broker outage or a dead worker left waiting goes back in the queue within minutes.
    "requeue-waiting-work": {
        "task": "reports.tasks.queue.requeue_waiting_work",
        "schedule": 60,  # every minute
    },
    # The same for webhook deliveries (interchange sits beside reports, which cannot import it).
    "requeue-webhook-deliveries": {
        "task": "interchange.tasks.requeue_webhook_deliveries",
        "schedule": 60,
    },
}

# --- E-mail --------------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Charter <charter@localhost>")
# Where people reach Charter: links in e-mails (approval requests, status reports) start here.
# Unset, Charter uses the address signed-in people reach it at (projects.site), so a server run
# on another host or port mails links that work; set it in production.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Authentication ------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked; it needs the request,
    # which the login page, the admin's login and the API's token sign-in all pass.
    "axes.backends.AxesStandaloneBackend",
    # Under OIDC_SSO_ONLY, refuses every password but the break-glass accounts' (projects.sso).
    "projects.sso.PasswordsOffBackend",
    # Username (any case) or any of the person's e-mail addresses, with the password.
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts (django-allauth) -------------------------------------------------------------------
# The pages under /accounts/: sign-in, password reset by e-mail, e-mail addresses, change
# password, two-factor authentication (/accounts/2fa/) and sessions (/accounts/sessions/).
# Charter's part (adapter, two-factor requirement) is projects/auth.py.

ACCOUNT_ADAPTER = "projects.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
# Accounts come from invitations and the admin (signup is closed: projects.auth), so these
# fields only shape the forms allauth shares with its signup.
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# A new address is used only once its owner followed the link mailed to it. Addresses that were
# there before allauth were marked verified by migration (projects 0010), and an invitation's
# address is verified by its link.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Charter] "
# A reset asked for an address without an account sends nothing (allauth would mail the address
# "you have no account", which lets anyone send mail from Charter to anyone).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Sign-out is a POST (the account menu's button); a GET shows a confirmation page.
ACCOUNT_LOGOUT_ON_GET = False
# Wrong passwords are counted by django-axes ("Sign-in protection" below; the adapter skips
# allauth's own count) and the reset e-mail's limit is projects/views/password.py's. allauth's
# other limits stay, among them wrong two-factor codes (5 per account in 5 minutes); they live in
# the cache, which fails open.
ACCOUNT_RATE_LIMITS = {"reset_password": False}
# Two-factor: an authenticator app (TOTP) plus one-time recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Charter"
# Keeps a person who must use two-factor (MFA_REQUIRED below) from removing their authenticator.
MFA_ADAPTER = "projects.auth.MFAAdapter"
# Who must use two-factor authentication: "none", "managers" (managers of at least one project)
# or "everyone". Such a person without it is sent to set it up from every page but the account
# pages (projects.auth.TwoFactorRequiredMiddleware); API tokens need the code too.
MFA_REQUIRED = env.str("MFA_REQUIRED", default="none")
if MFA_REQUIRED not in {"none", "managers", "everyone"}:
    raise ImproperlyConfigured("MFA_REQUIRED must be none, managers or everyone.")

# --- Single sign-on (OpenID Connect) -------------------------------------------------------------
# One identity provider (Entra ID, Google Workspace, Okta, Keycloak, …) through allauth's
# openid_connect provider; none unless OIDC_SERVER_URL is set. The provider sends people back to
# <site>/accounts/oidc/sso/login/callback/. Charter's rules (linking by verified e-mail, groups →
# default role, SSO only with break-glass accounts) are projects/sso.py; the README lists these.
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")  # the issuer, e.g. …/v2.0 on Entra ID
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")  # "Sign in with …"
OIDC_SCOPES = env.list("OIDC_SCOPES", default=["openid", "profile", "email"])
# The claim that lists the person's groups, and which group gives which default project role
# ("pmo=manager,engineering=member"): the role a manager's "add member" gives when none is named.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_ROLES = env.dict("OIDC_GROUP_ROLES", default={})
if set(OIDC_GROUP_ROLES.values()) - {"manager", "member", "viewer"}:
    raise ImproperlyConfigured("OIDC_GROUP_ROLES maps groups to manager, member or viewer.")
# Password sign-in off everywhere (page, admin, API token sign-in) except these accounts.
OIDC_SSO_ONLY = env.bool("OIDC_SSO_ONLY", default=False)
OIDC_BREAK_GLASS_USERS = env.list("OIDC_BREAK_GLASS_USERS", default=[])
OIDC_PROVIDER_ID = sso_config.PROVIDER_ID
if OIDC_SERVER_URL and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_SERVER_URL needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
SOCIALACCOUNT_PROVIDERS = sso_config.socialaccount_providers(
    server_url=OIDC_SERVER_URL,
    client_id=OIDC_CLIENT_ID,
    client_secret=OIDC_CLIENT_SECRET,
    name=OIDC_PROVIDER_NAME,
    scopes=OIDC_SCOPES,
)
# The first sign-in links to the account that has the provider's verified e-mail address, or
# makes one; a provider that vouches for addresses without saying so (Entra ID sends no
# email_verified) can be trusted with OIDC_TRUST_EMAIL.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
OIDC_TRUST_EMAIL = env.bool("OIDC_TRUST_EMAIL", default=False)
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button POSTs (no sign-in started by a link)
SOCIALACCOUNT_ADAPTER = "projects.sso.SocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False

# --- Sign-in protection --------------------------------------------------------------------------
# django-axes counts failed sign-ins on every way in (the login page, the admin's login, the
# API's POST /api/v1/auth/tokens/) and refuses further tries for a while: 429 with Retry-After,
# the login page saying "Too many failed sign-ins. Try again in N minutes.", JSON on the API.
# Failures live in the database (axes' database handler), so the lockout works on the embedded
# default and a Redis outage neither lifts it nor turns a sign-in into a 500. Admins see
# attempts, lockouts and sign-ins under "Axes" in the admin and unlock a person there or with
# `python manage.py axes_reset_username <name>`. projects/lockout.py holds Charter's part.

AXES_HANDLER = "projects.lockout.LockoutHandler"
# Three rules, each locking on its own limit (projects.lockout.LockoutHandler):
#  - one account from one address, AXES_FAILURE_LIMIT: a person guessing one password;
#  - one account from any address, LOCKOUT_ACCOUNT_FAILURE_LIMIT: guessing spread over many
#    addresses. Higher, because anyone who knows a username can spend these tries: at 5, a
#    stranger could keep the owner locked out;
#  - one address, any accounts, LOCKOUT_ADDRESS_FAILURE_LIMIT: one password sprayed over many
#    accounts. Higher, because a whole office may sign in from one NAT address.
# A lockout by the first rule leaves the account open from other addresses and the address open
# for other accounts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURE_LIMIT", default=5)
LOCKOUT_ACCOUNT_FAILURE_LIMIT = env.int("LOCKOUT_ACCOUNT_FAILURE_LIMIT", default=20)
LOCKOUT_ADDRESS_FAILURE_LIMIT = env.int("LOCKOUT_ADDRESS_FAILURE_LIMIT", default=20)
# Back-off: a first lockout lasts LOCKOUT_COOLOFF; each further one of the same account or
# address within a day lasts twice the one before, up to LOCKOUT_COOLOFF_MAX (5, 10, 20, 40, 60
# minutes by default). Failures older than the cool-off no longer count.
AXES_COOLOFF_TIME = "projects.lockout.cool_off"
LOCKOUT_COOLOFF = timedelta(minutes=env.int("LOCKOUT_COOLOFF_MINUTES", default=5))
LOCKOUT_COOLOFF_MAX = timedelta(minutes=env.int("LOCKOUT_COOLOFF_MAX_MINUTES", default=60))
# Tries while locked out are refused without counting, so a person who retries early (even with
# the right password) does not lengthen their own lockout; each lockout then leaves exactly one
# failure log marked "locked out", which the back-off counts.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Sign-ins and failures stay readable in the admin this long (a nightly task deletes older ones;
# the back-off reads only the last day).
SIGN_IN_LOG_DAYS = env.int("SIGN_IN_LOG_DAYS", default=90)
# A successful sign-in forgets that account's failures from that address (a typo or two is not
# held against the next day's sign-in).
AXES_RESET_ON_SUCCESS = True
# The same "Maria", "maria" or "maria@example.com" is one account, as the sign-in reads it.
AXES_USERNAME_CALLABLE = "projects.lockout.username_for"
# The caller's address: REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies of our own the
# address the outermost one saw (X-Forwarded-For). Set it behind a proxy, or every client
# shares the proxy's address and one address's limit locks everyone out.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "projects.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "projects.lockout.lockout_response"
# Log lines name the account and address of each failure and lockout (axes masks both by
# default), so an operator can act on them; passwords are always masked.
AXES_SENSITIVE_PARAMETERS = []

# --- Internationalisation ------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Freeze Charter's clock (projects/clock.py) at an ISO 8601 instant, e.g. 2026-11-26T12:00:00+00:00:
# the test suite does; unset, the clock is the system's.
CHARTER_NOW = env.str("CHARTER_NOW", default="") or None

# --- Plans in other formats (interchange/convert.py) ---------------------------------------------

# .mpp, .mpx, .xer and Primavera P6 XML are turned into MS Project XML by MPXJ in a `java`
# subprocess on the worker (Debian's default-jre-headless; scripts/ensure-system-libs installs
# it). MPXJ_JAVA names the runtime (a path, or a command on PATH); without one, only MS Project
# XML can be imported and the upload says so.
MPXJ_JAVA = env.str("MPXJ_JAVA", default="java")
MPXJ_TIMEOUT = env.int("MPXJ_TIMEOUT", default=120)  # seconds, then the JVM is killed
MPXJ_MEMORY_MB = env.int("MPXJ_MEMORY_MB", default=1024)  # the JVM's heap (-Xmx)

# --- Uploaded files (attachments) ----------------------------------------------------------------
# Attachments live in Django's default storage: files under var/media on the embedded default,
# an S3-compatible bucket (AWS S3, MinIO, Ceph, Wasabi, ...) when STORAGE_URL or
# AWS_STORAGE_BUCKET_NAME is set. STORAGE_URL=s3://<bucket>[/<prefix>] names the bucket (and a key
# prefix); AWS_S3_ENDPOINT_URL points at a server other than AWS; AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or boto3's own chain: instance roles, ~/.aws) sign the requests. Files
# are never served from a public URL (there is no MEDIA_URL route): downloads stream through the
# access door, so the bucket stays private.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGE_URL = env.str("STORAGE_URL", default="")
if STORAGE_URL and not STORAGE_URL.startswith("s3://"):
    raise ImproperlyConfigured("STORAGE_URL must look like s3://<bucket>[/<prefix>].")
_bucket, _, _prefix = STORAGE_URL.removeprefix("s3://").partition("/")
AWS_STORAGE_BUCKET_NAME = _bucket or env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "location": _prefix.strip("/") or env.str("AWS_LOCATION", default=""),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            # "path" for servers without virtual-host buckets (MinIO on one host name).
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # Private objects; a key never overwritten (each attachment has a random one).
            "default_acl": None,
            "file_overwrite": False,
        },
    }
else:
    # Under MEDIA_ROOT, read when used (so tests may point it elsewhere).
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# The largest attachment accepted, in bytes (25 MB); a bigger one is refused with 413 before a
# byte of it is stored.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)

# --- Webhooks (interchange/webhooks.py) ----------------------------------------------------------

# Endpoints on loopback, private, link-local and reserved addresses are refused (the SSRF guard,
# at registration and at each send) unless this is true: tests, or an intranet's own receivers.
# Cloud metadata addresses (169.254.169.254, fd00:ec2::254) are refused even then.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)

# --- Static files --------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
if DEBUG:
    # WhiteNoise warns on every request while STATIC_ROOT is missing (development never
    # collects static files; production does, at build time).
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        # Hashed, compressed files in production (after collectstatic); plain files in
        # development and tests, which never run collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- Security (production) -----------------------------------------------------------------------
# Safe defaults once DEBUG is off; each can be relaxed by environment where a proxy terminates TLS.

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and the compose file probe the health endpoints over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): everything from Charter's own origin. Scripts only from
# our static files: no inline <script>, no event-handler attributes, no eval (htmx's allowEval is
# off in base.html), so an injected tag cannot run. Styles: stylesheets and <style> elements only
# from our own files too (style-src-elem; htmx's injected indicator <style> is turned off, its
# rules are in charter.css); but style="" attributes are allowed (style-src-attr 'unsafe-inline'):
# the Gantt, progress bars and tree indents place each row from server-computed numbers (width,
# left, --depth) that a stylesheet cannot know, and an attribute restyles its own element but
# neither runs script nor loads anything. style-src keeps 'unsafe-inline' only for browsers
# older than CSP 3, which ignore the -elem/-attr split and would otherwise drop the Gantt's
# geometry. img-src allows data: for Swagger UI's icons. E-mails are not served pages: no policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    },
}

# --- REST API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Knox's check, less its sweep of the user's other tokens (projects/api/authentication.py).
        "projects.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "projects.api.errors.Pagination",
    # DRF's defaults, with a JSON parser that answers 400 to a body nested past 64 levels.
    "DEFAULT_PARSER_CLASSES": [
        "projects.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter's, with its filter set classes built once (projects/api/filters.py).
        "projects.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="2000/minute"),
        "login": env.str("API_THROTTLE_LOGIN", default="10/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "projects.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    # Knox stores only a hash of each token; tokens expire and are purged hourly by beat.
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Charter API",
    "DESCRIPTION": (
        "REST API of Charter, the IT project manager's workplace. Authenticate with a session or "
        "with a token from `POST /api/v1/auth/tokens/` sent as `Authorization: Token <token>`. "
        "Every project-owned resource is nested under `/api/v1/projects/{project_pk}/`; a project "
        "you are not a member of answers 404. Writes that carry a `version` are refused with 409 "
        "when the record changed since it was read."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the errors it can answer (400/401/403/404/409/429), so a client
    # generated from the schema knows them and schemathesis can hold the API to them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_errors",
    ],
    # One name per choice set: several fields share one (membership role, a project's my_role),
    # and several models have a field named "status" with choices of their own.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "projects.models.Role.choices",
        "NotificationChannelEnum": "projects.models.NotificationPreference.Channel",
        "NotificationReasonEnum": "projects.models.Notification.Reason",
        "ObjectiveStatusEnum": "projects.models.Objective.Status",
        "DeliverableStatusEnum": "projects.models.Deliverable.Status",
        "RequirementStatusEnum": "projects.models.Requirement.Status",
        "ChangeRequestStatusEnum": "projects.models.ChangeRequest.Status",
        "ProjectTypeEnum": "projects.models.Project.Type",
        "DependencyTypeEnum": "scheduling.models.Dependency.Type",
        "TaskStatusEnum": "scheduling.models.Task.Status",
        "EngagementEnum": "stakeholders.models.Engagement",
        "StakeholderKindEnum": "stakeholders.models.Stakeholder.Kind",
        "RaciRoleEnum": "stakeholders.models.RaciEntry.Role",
        "CommunicationKindEnum": "stakeholders.models.CommunicationPlanItem.Kind",
        "MeetingKindEnum": "stakeholders.models.Meeting.Kind",
        "ActionItemStatusEnum": "stakeholders.models.ActionItem.Status",
        "ApprovalKindEnum": "stakeholders.models.Approval.Kind",
        "ApprovalDecisionEnum": "stakeholders.models.Approval.Decision",
        "ApprovalVerdictEnum": "stakeholders.api.approvals.VERDICTS",
        "GateDecisionEnum": "scheduling.models.GateReview.Decision",
        "RagEnum": "reports.models.Rag",
        "StatusReportStatusEnum": "reports.models.StatusReport.Status",
        "LessonCategoryEnum": "reports.models.LessonLearned.Category",
        "RiskStatusEnum": "risks.models.Status",
        "RiskCategoryEnum": "risks.models.Category",
        # A risk's level and an issue's priority share one choice set (low … critical).
        "RiskLevelEnum": "risks.models.Level",
        "IssueStatusEnum": "risks.models.Issue.Status",
        "ForecastStatusEnum": "risks.models.ForecastRun.Status",
        # Named because the risks' category and priority fields share their field names.
        "BudgetCategoryEnum": "budgets.models.Category",
        "RequirementPriorityEnum": "projects.models.Requirement.Priority",
    },
}

# --- Logging -------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF step at INFO.
    "loggers": {
        # Axes narrates every sign-in at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
