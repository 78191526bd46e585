"""Keeping the public forms (sign-in, password links, join requests, problem reports) from
being abused: rate limits, and a honeypot field that people never see.

Visitors are told apart by a keyed hash of their IP address, and accounts by a keyed hash
of the username typed; both are kept only in the cache and only for the length of the
limit's window. The cache is shared by every worker and server (Redis, or else a table in
the database: see CACHES in settings), so a count is the same wherever a request lands.
"""

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


def _keyed_hash(text):
    digest = hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def visitor_key(request):
    """A short keyed hash of the visitor's address (the proxy's view of it behind a proxy)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.PROXY_COUNT:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= settings.PROXY_COUNT:
            address = forwarded[-settings.PROXY_COUNT]
    return _keyed_hash(address)


def account_key(username):
    """A short keyed hash of a username or email as typed, the same however it is spaced or
    capitalised (" Ana@Example.org" is "ana@example.org")."""
    return _keyed_hash(username.strip().lower())


@dataclass(frozen=True)
class Limit:
    """At most `limit` counted events per subject (an address, an account) in each window of
    `period` seconds. Windows are fixed (12:00–12:15, 12:15–12:30…), so every count in one
    ends at the same moment and a page can say how long that is."""

    scope: str
    limit: int
    period: int

    def _key(self, subject):
        return f"abuse:{self.scope}:{subject}:{int(time.time() // self.period)}"

    def reached(self, subject):
        return cache.get(self._key(subject), 0) >= self.limit

    def count(self, subject):
        """Count one event; return the count in this window so far."""
        key = self._key(subject)
        cache.add(key, 0, timeout=self.period)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=self.period)
            return 1
        # Redis increments atomically. The database cache's incr() is a read then a write,
        # not atomic: two events at the same instant may count as one, a slack the limits
        # below can afford. Its write also stores the key with the cache's default timeout
        # (5 minutes), so the key is given back its window here.
        cache.touch(key, self.period)
        return count

    def clear(self, subject):
        cache.delete(self._key(subject))

    def minutes_left(self):
        """Whole minutes until this window, and every count in it, ends."""
        return math.ceil((self.period - time.time() % self.period) / 60)


def _wait(limits):
    """Minutes until every (limit, subject) pair given is below its limit again; 0: now."""
    reached = [limit for limit, subject in limits if limit.reached(subject)]
    return max((limit.minutes_left() for limit in reached), default=0)


# Signing in, at the partners' door (/partners/sign-in/) and the curators' (/admin/login/),
# one count for both. A failed attempt counts against the account (the username typed,
# from any address) and against the address (whatever the account). Once either has
# reached its limit, every attempt is refused, even with the right password, until the
# window ends: 10 guesses at one account from anywhere, or 20 guesses from one address at
# any accounts, in 15 minutes. Refused attempts do not count, so someone who forgot their
# password is locked out of their account after 10 tries but does not lock their office's
# address too; they get back in at once by choosing a new password (unlock_sign_in).
SIGN_IN_FAILURES_PER_ACCOUNT = Limit("sign-in-account", 10, 15 * 60)
SIGN_IN_FAILURES_PER_ADDRESS = Limit("sign-in-address", 20, 15 * 60)


def _sign_in_limits(request, username):
    return [
        (SIGN_IN_FAILURES_PER_ACCOUNT, account_key(username)),
        (SIGN_IN_FAILURES_PER_ADDRESS, visitor_key(request)),
    ]


def sign_in_wait(request, username):
    """Minutes until this address may try to sign in as `username` again; 0: now."""
    return _wait(_sign_in_limits(request, username))


def sign_in_failed(request, username):
    for limit, subject in _sign_in_limits(request, username):
        limit.count(subject)


def unlock_sign_in(user):
    """Lift the account's lock: its owner has just chosen a new password from the emailed
    link. (A locked address stays locked: it may be the one that was guessing.)"""
    SIGN_IN_FAILURES_PER_ACCOUNT.clear(account_key(user.get_username()))


class SignInLimitMixin:
    """For an AuthenticationForm: while the account or the address is locked, refuse without
    looking at the password; count every refused username and password. A door answers
    429 when form.is_locked(), with locked_message(minutes) as the form's error."""

    def locked_message(self, minutes):
        raise NotImplementedError

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username:  # the field says what is missing; nothing was tried
            return super().clean()
        minutes = sign_in_wait(self.request, username)
        if minutes:
            raise ValidationError(self.locked_message(minutes), code="locked")
        try:
            return super().clean()
        except ValidationError:
            sign_in_failed(self.request, username)
            raise

    def is_locked(self):
        return self.has_error(NON_FIELD_ERRORS, "locked")


# Asking for a link to choose a new password (/partners/password/): counted per address
# and per email address typed, whether or not it has an account, and answered the same
# either way so that the answer never tells. A stranger asking for someone's links
# cannot lock them out: the links already sent keep working.
PASSWORD_LINKS_PER_EMAIL = Limit("password-link-email", 3, 60 * 60)
PASSWORD_LINKS_PER_ADDRESS = Limit("password-link-address", 5, 60 * 60)


def password_link_wait(request, email):
    """Minutes to wait before this address may ask for a link for `email` again (0: go
    ahead, and the request is counted)."""
    limits = [
        (PASSWORD_LINKS_PER_EMAIL, account_key(email)),
        (PASSWORD_LINKS_PER_ADDRESS, visitor_key(request)),
    ]
    minutes = _wait(limits)
    if not minutes:
        for limit, subject in limits:
            limit.count(subject)
    return minutes


def allow(request, scope, limit, period):
    """Count one attempt at `scope`; False once the visitor made more than `limit` in the
    current window of `period` seconds."""
    return Limit(scope, limit, period).count(visitor_key(request)) <= limit


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from screen readers) and bots fill in."""

    homepage = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_spam(self):
        return bool(self.data.get(self.add_prefix("homepage")))
