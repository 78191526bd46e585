"""Keeping the public forms (sign-in, join requests, problem reports) from being abused:
rate limits per visitor and a honeypot field that people never see.

Visitors are told apart by a keyed hash of their IP address, kept only in the
cache and only for the length of the limit's window.
"""

import hashlib
import hmac
import time

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _


def visitor_key(request):
    """A short keyed hash of the visitor's address (the proxy's view of it behind a proxy)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.PROXY_COUNT:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= settings.PROXY_COUNT:
            address = forwarded[-settings.PROXY_COUNT]
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def allow(request, scope, limit, period, key=""):
    """Count one attempt at `scope`; False once the visitor made more than `limit` in the
    current window of `period` seconds."""
    return _count(request, scope, period, key) <= limit


def _count(request, scope, period, key):
    window = int(time.time() // period)
    cache_key = f"abuse:{scope}:{visitor_key(request)}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period)
        return 1


def attempts(request, scope, period, key=""):
    """How many attempts the visitor made at `scope` in the current window."""
    window = int(time.time() // period)
    return cache.get(f"abuse:{scope}:{visitor_key(request)}:{key}:{window}", 0)


def record(request, scope, period, key=""):
    """Count one attempt without deciding anything (a failed sign-in, say)."""
    _count(request, scope, period, key)


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from screen readers) and bots fill in."""

    homepage = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_spam(self):
        return bool(self.data.get(self.add_prefix("homepage")))
