"""groupfinder's settings, all read from the environment.

With no environment at all this runs on a SQLite file in the project, for a
local try. Production sets at least SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL;
`manage.py check --deploy` refuses the unsafe defaults (see directory/checks.py).
"""

import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true or false), not {value!r}.")


def envint(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envdecimal(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return Decimal(value)
    except ArithmeticError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def envlist(name, default):
    value = os.environ.get(name, "")
    if value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url):
    """Turn postgres://user:password@host:port/name or sqlite:///path into a DATABASES entry
    (PostgreSQL's with DB_CONNECT_TIMEOUT and DB_STATEMENT_TIMEOUT, set before DATABASES)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///db.sqlite3 is relative to the project, sqlite:////srv/db.sqlite3 absolute.
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured("DATABASE_URL sqlite:/// needs a file name.")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / path,
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
        }
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL postgres://… needs a database name.")
        # The site's queries are short; starting parallel workers for them made
        # the search's 95th percentile 9 ms slower (manage.py bench_search).
        options = "-c max_parallel_workers_per_gather=0"
        if DB_STATEMENT_TIMEOUT:
            options += f" -c statement_timeout={DB_STATEMENT_TIMEOUT}s"
        return {
            # Django's backend, waiting out a database restart (groupfinder/postgresql/).
            "ENGINE": "groupfinder.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": DB_CONNECT_TIMEOUT, "options": options},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite:///, not {parts.scheme!r}."
    )


# The key that makes a local try work; directory.E001 refuses it in production.
INSECURE_SECRET_KEY = "insecure-local-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_SECRET_KEY
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "groupfinder.apps.CuratorsAdminConfig",  # django.contrib.admin, with a throttled sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "directory",
    "partners",
    # After directory: its db_worker command (directory/worker.py) replaces this app's own.
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # 414 for an over-long request line, 503 when the database fails (in the visitor's
    # language, so after LocaleMiddleware); then which database serves the request.
    "groupfinder.errors.FailureMiddleware",
    "groupfinder.database.DatabaseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "groupfinder.urls"
WSGI_APPLICATION = "groupfinder.wsgi.application"

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

# PostgreSQL's time limits, in seconds. A server that does not answer within
# DB_CONNECT_TIMEOUT (a restart refusing connections is waited out that long) makes
# pages answer 503 (groupfinder/errors.py). Statements are cut after DB_STATEMENT_TIMEOUT
# seconds, 0 meaning never: gunicorn.conf.py makes it 5 for the web server, so that a
# visitor's page is answered, or says it can't be, within seconds. Commands and the task
# worker (migrations, imports) are never cut; partners' and curators' writes (POST under
# /partners/ and /admin/) may take DB_WRITE_STATEMENT_TIMEOUT (below gunicorn's 30 s).
DB_CONNECT_TIMEOUT = envint("DB_CONNECT_TIMEOUT", 3)
DB_STATEMENT_TIMEOUT = envint("DB_STATEMENT_TIMEOUT", 0)
DB_WRITE_STATEMENT_TIMEOUT = envint("DB_WRITE_STATEMENT_TIMEOUT", 25)
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))}
# A read replica, optionally: visitors' pages read the directory from it, everything else
# (writes, partners' and curators' pages, sessions, the cache) uses the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(os.environ["DATABASE_REPLICA_URL"]) | {
        "TEST": {"MIRROR": "default"}
    }
    DATABASE_ROUTERS = ["groupfinder.database.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# English and Spanish. A visitor's browser picks one (Accept-Language) until
# they choose with the switch in the footer, which a cookie then remembers.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["groupfinder.formats"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

# The image runs collectstatic with STATIC_COLLECTED=1 and serves hashed,
# compressed files; a local try and the tests serve straight from static/.
STATIC_COLLECTED = envbool("STATIC_COLLECTED", False)
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles" if STATIC_COLLECTED else None
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Rate limits (directory/abuse.py) count in the cache, which every gunicorn worker and
# server must share: Redis when REDIS_URL is set, else a table in the database (created by
# the migration directory/0005_cache_table when `migrate` runs; after switching from Redis
# to it later, run `manage.py createcachetable` once). The database cache's incr() is not
# atomic (a read, then a write): two failures at the same instant may count as one.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "groupfinder.caching.SharedRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "groupfinder_cache",
            # Past this many rows, a third are deleted (the expired ones first): room
            # enough that nobody can push a lock out by filling the table.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Visitors' pages kept ready (directory/pages.py): the search and group pages, whole but
# for each visitor's CSRF token, in each process's memory, for at most PAGE_CACHE_SECONDS
# (0: drawn every time), drawn afresh once a listing changes (the directory version, in
# the shared cache above) or a day passes. At most PAGE_CACHE_ENTRIES of them: 6 KB a
# group page, 20 KB a search.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 600)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_ENTRIES", 2000)},
}
# How many proxies in front of the app add to X-Forwarded-For (0: use REMOTE_ADDR).
PROXY_COUNT = envint("PROXY_COUNT", 0)

# Behind a TLS-terminating proxy (the usual deployment) set SECURE_PROXY=1: then cookies
# are sent over https only and browsers are told to use https for a year, subdomains
# included (HSTS), unless SECURE_COOKIES=0 or SECURE_HSTS_SECONDS=0 say otherwise.
# SECURE_HSTS_PRELOAD=1 asks browsers' preload lists to include the domain: hard to undo.
SECURE_PROXY = envbool("SECURE_PROXY", False)
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = envbool(
    "SECURE_COOKIES", SECURE_PROXY
)
# The language cookie is read by the server alone, and only matters on the site's pages.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SECURE_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
# Everything comes from this site: no third-party scripts, styles, fonts or
# frames, and no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # What people search for is nobody's business: request lines are
        # logged without their query string.
        "drop_query_string": {"()": "directory.privacy.DropQueryString"},
        # A path with "%0d%0a" in it is one line, not two.
        "escape_control_characters": {"()": "groupfinder.logs.EscapeControlCharacters"},
        # A database outage is logged when it starts and ends, not for each page.
        "skip_answered_outages": {"()": "groupfinder.errors.SkipAnsweredOutages"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["drop_query_string", "escape_control_characters"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["skip_answered_outages"],
        },
    },
}

# Geocoding. Visitors' searches are always resolved offline, from the ZIP
# gazetteer that ships with the `zipcodes` package. Listing addresses without
# coordinates are geocoded the same way by default; a deployment with network
# access may set GEOCODER=nominatim to geocode street addresses with geopy.
GEOCODER = os.environ.get("GEOCODER", "offline")
GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "groupfinder")

# The open-data API (api/): requests a minute from one address before it answers 429.
API_REQUESTS_PER_MINUTE = envint("API_REQUESTS_PER_MINUTE", 300)

SEARCH_PAGE_SIZE = 20
# A search near a place counts the online groups after the nearby ones up to
# this many, and lists that many at most ("more than 1,000 online groups").
SEARCH_ONLINE_LIMIT = 1000

# Passwords, wherever one is chosen (the partners' emailed link, the admin's forms,
# createsuperuser): at least 12 characters, not close to the person's username, email or
# name, not a common password, not only digits. Django says why in the visitor's language.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The email first: partners sign in with it (it is their username too).
        "OPTIONS": {"user_attributes": ["email", "username", "first_name", "last_name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "partners:sign_in"
LOGIN_REDIRECT_URL = "partners:dashboard"
# Where links in emails point.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Email goes to the console unless an SMTP server is configured (EMAIL_HOST).
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "groupfinder <noreply@example.org>")

# Work that outlives a request (CSV imports, emails, the daily jobs) runs on Django's Tasks
# framework. TASKS_BACKEND=database (the image sets it): tasks are rows in the database
# (django-tasks-db), run by a second process, `python manage.py db_worker`, which also starts
# the daily jobs and runs again a task whose worker died (directory/worker.py). Unset
# (a local try, `make run`, the tests): each task runs at once, inside the request that
# asks for it, and nothing else needs to run.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database or immediate, not {TASKS_BACKEND!r}."
    )
# A task still running on a worker not heard from for this long is run again.
WORKER_LOST_SECONDS = envint("WORKER_LOST_SECONDS", 30)

# The vetting checklist (directory/vetting.py): online groups charging more than
# this per session are flagged, and listings not confirmed within this many
# months get a warning.
VETTING_FEE_THRESHOLD = envdecimal("VETTING_FEE_THRESHOLD", Decimal("75"))
VETTING_FRESH_MONTHS = envint("VETTING_FRESH_MONTHS", 12)
# Keeping listings current: organizations are reminded about groups not
# confirmed for this many months, and groups leave the search after this many.
FRESHNESS_REMIND_MONTHS = envint("FRESHNESS_REMIND_MONTHS", 11)
FRESHNESS_HIDE_MONTHS = envint("FRESHNESS_HIDE_MONTHS", 18)
