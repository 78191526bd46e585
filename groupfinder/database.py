"""Which database serves a request, and how long its statements may take.

- Visitors' pages (GET and HEAD outside /partners/ and /admin/) read the directory from the
  read replica when DATABASE_REPLICA_URL sets one (ReplicaRouter). Everything else (every
  write, partners' and curators' pages, which must see their own changes at once, sessions,
  the cache that counts rate limits) uses the primary.
- The web server cuts statements after DB_STATEMENT_TIMEOUT seconds; partners' and curators'
  writes get DB_WRITE_STATEMENT_TIMEOUT, so that an edit waiting behind an import's locks is
  not cut at the visitors' limit (see settings).
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from groupfinder.errors import DATABASE_ERRORS

STAFF_PATHS = ("/partners/", "/admin/")
REPLICA = "replica"
# The models a visitor's page reads from the replica: the directory's listings.
REPLICA_APPS = {"directory"}

_visitor_page = ContextVar("visitor_page", default=False)


def is_visitor_page(request):
    return request.method in ("GET", "HEAD") and not request.path.startswith(STAFF_PATHS)


def is_staff_write(request):
    return request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith(STAFF_PATHS)


class DatabaseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_visitor_page(request):
            token = _visitor_page.set(True)
            try:
                return self.get_response(request)
            finally:
                _visitor_page.reset(token)
        if is_staff_write(request) and _statement_timeout_on():
            return self._with_longer_statements(request)
        return self.get_response(request)

    def _with_longer_statements(self, request):
        connection = connections[DEFAULT_DB_ALIAS]
        seconds = settings.DB_WRITE_STATEMENT_TIMEOUT
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = '{int(seconds)}s'")
        except DATABASE_ERRORS:
            return self.get_response(request)  # its own queries will say what is wrong
        try:
            return self.get_response(request)
        finally:
            # Back to the connection's own limit (its startup options) for the next request.
            try:
                with connection.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
            except DATABASE_ERRORS:
                connection.close()  # a new connection starts with the visitors' limit


def _statement_timeout_on():
    return (
        settings.DB_STATEMENT_TIMEOUT
        and settings.DB_WRITE_STATEMENT_TIMEOUT
        and connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    )


class ReplicaRouter:
    """Visitors' reads of the directory go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if _visitor_page.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS
