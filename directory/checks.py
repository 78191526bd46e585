"""System checks that make unsafe settings loud.

The deploy ones run with `manage.py check --deploy`, which the image runs
before it starts gunicorn.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the built-in key for trying groupfinder locally.",
                hint="Set the SECRET_KEY environment variable to a long random string, e.g. "
                "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
                id="directory.E001",
            )
        ]
    return []


# Not Tags.database: checks with that tag run only when `check --database` names one.
@register(deploy=True)
def check_database(app_configs, **kwargs):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "The database is a SQLite file, meant for trying groupfinder locally.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/groupfinder.",
                id="directory.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs, **kwargs):
    if "*" in settings.ALLOWED_HOSTS:
        return [
            Warning(
                "ALLOWED_HOSTS accepts any host name.",
                hint="Set ALLOWED_HOSTS to the site's host names, comma-separated.",
                id="directory.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_language_cookie(app_configs, **kwargs):
    # Django checks the session and CSRF cookies (security.W012, W016), not this one.
    if not settings.LANGUAGE_COOKIE_SECURE:
        return [
            Warning(
                "The language cookie may be sent over plain http.",
                hint="Serve the site over https and set SECURE_COOKIES=1 (SECURE_PROXY=1 "
                "behind a TLS proxy turns it on).",
                id="directory.W005",
            )
        ]
    return []


@register()
def check_geocoder(app_configs, **kwargs):
    if settings.GEOCODER not in ("offline", "nominatim"):
        return [
            Error(
                f"GEOCODER is {settings.GEOCODER!r}, which groupfinder does not know.",
                hint="Use GEOCODER=offline (the default: nothing leaves the server) or "
                "GEOCODER=nominatim (listing addresses are sent to OpenStreetMap's Nominatim).",
                id="directory.E004",
            )
        ]
    return []


@register(deploy=True)
def check_tasks(app_configs, **kwargs):
    if settings.TASKS_BACKEND != "database":
        return [
            Warning(
                "Background work (CSV imports, emails) runs inside web requests, and nothing "
                "runs the daily jobs (TASKS_BACKEND is not database).",
                hint="Set TASKS_BACKEND=database and run `python manage.py db_worker` beside "
                "the web servers (the image sets it; compose.yaml runs the worker).",
                id="directory.W006",
            )
        ]
    return []
