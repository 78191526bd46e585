from django.contrib.admin.apps import AdminConfig


class CuratorsAdminConfig(AdminConfig):
    """Django's admin with groupfinder's site (groupfinder/admin.py) as `admin.site`."""

    default_site = "groupfinder.admin.CuratorsAdminSite"
