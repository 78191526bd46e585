"""Visitors' pages kept ready: the search's and each group page's content, drawn once.

What `<main>` shows on the search page and on a group page depends on nothing but the
URL (the place searched from, so the visitor's timezone too, and the filters), the
language, the day (freshness, closed groups that have ended) and the listings. So it is
kept under a key made of exactly these, the listings standing as the *directory version*:
a value in the shared cache (settings.CACHES "default") that directory_changed() replaces
after every write that changes what a visitor may see. A change then shows at once on
every server, and the next day's freshness from the first page asked for that day.

The page around it (base.html: the language switch with its CSRF token, messages,
anything about a signed-in partner) is drawn for every request, so nothing about one
visitor is kept. Only GET and HEAD requests use it.

The content is kept in each process's memory (the "pages" cache, settings.CACHES), not in
the shared cache: a new release starts with none, so no page drawn by older code is
served. An entry lasts at most PAGE_CACHE_SECONDS (0 turns keeping off), and never past
the start of the next meeting the page shows, whose "Next:" date (and, across a change of
daylight saving time, the time on the visitor's clock) then moves on.
"""

import hashlib
import math
import secrets

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
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


def kept(request, draw):
    """The page's title and content ({"title", "content"}), kept or drawn by
    draw() -> (page, meetings), `meetings` being the meeting times it shows."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds or request.method not in ("GET", "HEAD"):
        return draw()[0]
    key = _key(request)
    page = caches["pages"].get(key)
    if page is None:
        page, meetings = draw()
        caches["pages"].set(key, page, min(seconds, _until_next_meeting(meetings)))
    return page


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
