"""The curators' admin site: Django's own, with its sign-in (/admin/login/) behind the same
limits as the partners' door (directory/abuse.py).

The site's login_form counts failures and refuses a locked account or address, and
login() turns that refusal into a 429. groupfinder.apps.CuratorsAdminConfig, listed in
INSTALLED_APPS in place of "django.contrib.admin", makes this the default site, so
`admin.site` and every @admin.register in the apps land here unchanged. The admin is in
English only.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import reverse
from django.utils.html import format_html

from directory.abuse import SignInLimitMixin


class CuratorSignInForm(SignInLimitMixin, AdminAuthenticationForm):
    def locked_message(self, minutes):
        return format_html(
            "Too many failed sign-ins for this account or from your network, so signing in "
            "is paused. Wait {minutes} minute{s} and try again, or "
            '<a href="{url}">choose a new password</a>: you can sign in with it right away.',
            minutes=minutes,
            s="" if minutes == 1 else "s",
            url=reverse("partners:password_reset"),
        )


class CuratorsAdminSite(admin.AdminSite):
    login_form = CuratorSignInForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", {}).get("form")
        if form is not None and form.is_locked():
            response.status_code = 429
        return response
