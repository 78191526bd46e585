"""Visitors' pages kept ready: the search page and each group page, drawn once.

What the search page and a group page show depends on nothing but the URL (the place
searched from, so the visitor's timezone too, and the filters), the language, the day
(freshness, closed groups that have ended) and the listings. So each is kept under a key
made of exactly these, the listings standing as the *directory version*: a value in the
shared cache (settings.CACHES "default") that directory_changed() replaces after every
write that changes what a visitor may see. A change then shows at once on every server,
and the next day's freshness from the first page asked for that day.

Nothing about one visitor is kept. A page is kept drawn for no one: the CSRF token of its
language switch is a mark, replaced by each visitor's own token as the page is sent, and
a visitor with a message waiting (base.html shows it once) gets the page drawn for them.
Only GET and HEAD requests use it.

The pages are kept in each process's memory (the "pages" cache, settings.CACHES), not in
the shared cache: a new release starts with none, so no page drawn by older code is
served. An entry lasts at most PAGE_CACHE_SECONDS (0 turns keeping off), and never past
the start of the next meeting the page shows, whose "Next:" date (and, across a change of
daylight saving time, the time on the visitor's clock) then moves on.
"""

import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation

VERSION_KEY = "directory:version"


def directory_changed():
    """Say that what visitors' pages show has changed: a listing, its meeting times or
    focus, its organization, the focus vocabulary, a group published, archived or deleted.

    Every write path calls it after writing. Kept pages are drawn afresh once the change
    is committed (not before, so that a page drawn meanwhile from the data as it was is
    not kept as new). Should the shared cache fail then, the write stands and the failure
    is logged: pages then catch up within PAGE_CACHE_SECONDS. Once per transaction, however
    many listings it writes (an import writes thousands).
    """
    pending = transaction.get_connection().run_on_commit
    if not any(function is _new_version for _savepoints, function, _robust in pending):
        transaction.on_commit(_new_version, robust=True)


def _new_version():
    cache.set(VERSION_KEY, secrets.token_hex(8), None)


def version():
    """The directory version: a new one once the shared cache has lost it (never an
    earlier one, so that a page kept before is never taken for current)."""
    found = cache.get(VERSION_KEY)
    if found is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        found = cache.get(VERSION_KEY)
    return found


def kept_value(name, compute, seconds=24 * 60 * 60):
    """A value that depends on nothing but the listings and the day (a count of listed
    groups, say), kept in the shared cache under the directory version and the date like
    the pages, so it changes when they do. `name` tells it apart from other values."""
    if not settings.PAGE_CACHE_SECONDS:
        return compute()
    today = timezone.localdate().isoformat()
    key = f"value:{version()}:{today}:{hashlib.sha256(name.encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


# Where a kept page has the visitor's CSRF token: a value that no page holds otherwise.
TOKEN_MARK = secrets.token_hex(16)


def respond(request, draw):
    """The visitor's page, kept or drawn: draw() -> ({"title", "content"}, meetings) draws
    what it shows (directory/page.html puts it in base.html), `meetings` being the meeting
    times it shows."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds or request.method not in ("GET", "HEAD") or get_messages(request):
        return render(request, "directory/page.html", draw()[0])
    key = _key(request)
    page = caches["pages"].get(key)
    if page is None:
        shown, meetings = draw()
        page = render_to_string("directory/page.html", shown | {"csrf_token": TOKEN_MARK}, request)
        caches["pages"].set(key, page, min(seconds, _until_next_meeting(meetings)))
    return HttpResponse(page.replace(TOKEN_MARK, get_token(request)))


def _key(request):
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    today = timezone.localdate().isoformat()
    return f"page:{version()}:{today}:{translation.get_language()}:{path}"


def _until_next_meeting(meetings):
    """Seconds until the soonest of the meetings starts (math.inf when none will)."""
    now = timezone.now()
    starts = [start for meeting in meetings if (start := meeting.next_meeting(now))]
    if not starts:
        return math.inf
    return max(1, math.ceil((min(starts) - now).total_seconds()))
