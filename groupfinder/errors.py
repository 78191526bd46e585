"""Honest failures: the site's own page, with the crisis line, when a request can't be served.

- A request line longer than gunicorn's old limit answers 414 (gunicorn.conf.py lets longer
  lines through, up to 8,190 bytes, so that this page answers rather than gunicorn's bare one).
- A database that can't be reached, or a query cut by the statement timeout, answers 503 with
  Retry-After. The log says so once when it starts and once when it ends (for each process),
  not a traceback for every request.

Both pages are drawn without the request, like Django's 500 page: nothing on them may need
the database (the messages and the session live there).
"""

import logging
import threading
import time
from contextlib import ExitStack

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader

log = logging.getLogger(__name__)

# gunicorn's default limit on a request line ("GET /groups/?… HTTP/1.1"), in bytes: what
# worked before still works.
MAX_REQUEST_LINE = 4094
# How long to ask browsers and crawlers to wait before trying again, in seconds.
RETRY_AFTER = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


class Outage:
    """This process's view of the database: since when it has failed, and how many pages
    said so. Thread-safe (gunicorn's threaded workers share one)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since = None
        self.pages = 0

    @property
    def on(self):
        return self.since is not None

    def begin(self, error):
        """A request failed on `error`: log it if it is the first since the database worked."""
        with self._lock:
            self.pages += 1
            if self.since is not None:
                return
            self.since = time.monotonic()
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        log.error(
            "Database unavailable (%s: %s); pages answer 503 until it is back.",
            type(error.__cause__ or error).__name__,
            first_line,
        )

    def end(self):
        """A query worked: log the end of the outage, if there was one."""
        with self._lock:
            if self.since is None:
                return
            seconds, pages = time.monotonic() - self.since, self.pages
            self.since, self.pages = None, 0
        log.warning(
            "Database back after %.1f s; %d page%s answered 503 meanwhile.",
            seconds,
            pages,
            "" if pages == 1 else "s",
        )


outage = Outage()


def request_line_length(request):
    """The request line's length in bytes as the client sent it: gunicorn passes the raw
    URL (RAW_URI); other servers (the test client) give it back from the parsed request."""
    url = request.META.get("RAW_URI") or request.get_full_path()
    protocol = request.META.get("SERVER_PROTOCOL", "HTTP/1.1")
    return len(f"{request.method} {url} {protocol}".encode("latin-1", "replace"))


def page(template_name, status):
    return HttpResponse(loader.get_template(template_name).render(), status=status)


class FailureMiddleware:
    """Answers over-long request lines with 414 before any work, and database failures in a
    view with 503 (put it after LocaleMiddleware, so that both pages are in the visitor's
    language). Its log lines go through groupfinder.logs's filter, like every other.

    A page asked for with GET or HEAD whose database connection was cut under it (a restart
    ends every connection) is served once more, on a new connection: such a request changes
    nothing, so it is safe to repeat, and the visitor never sees the restart.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_line_length(request) > MAX_REQUEST_LINE:
            return page("414.html", 414)
        response = self._respond(request)
        error = getattr(response, "database_error", None)
        if error is not None and request.method in ("GET", "HEAD") and _connection_cut():
            for connection in connections.all():
                connection.close_if_unusable_or_obsolete()
            response = self._respond(request)
            error = getattr(response, "database_error", None)
        if error is not None:
            outage.begin(error)
        return response

    def _respond(self, request):
        if not outage.on:
            return self.get_response(request)
        # During an outage, the first query that works ends it.
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(_ends_outage))
            return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        response = page("503.html", 503)
        response["Retry-After"] = str(RETRY_AFTER)
        response.database_error = exception
        return response


def _connection_cut():
    """Whether a connection that worked was cut (not: could not be opened, or a query was
    cancelled for taking too long)."""
    return any(getattr(connection.connection, "broken", False) for connection in connections.all())


class SkipAnsweredOutages(logging.Filter):
    """For the django.request logger: a 503 answered here is logged once per outage (by
    Outage), not once per request."""

    def filter(self, record):
        return getattr(record, "status_code", None) != 503


def _ends_outage(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    outage.end()
    return result
