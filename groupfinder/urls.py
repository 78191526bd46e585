from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("directory.urls")),
    path("partners/", include("partners.urls")),
    path("api/", include("api.urls")),
    # Curators choose a new password where partners do; naming this URL puts a link to it
    # on the admin's sign-in page.
    path(
        "admin/password-reset/",
        RedirectView.as_view(pattern_name="partners:password_reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
