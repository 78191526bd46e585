"""The site's URLs plus one view that fails, to see the page a server error shows (and what
the log says about it, whatever the path holds)."""

from django.urls import path, re_path

from groupfinder.urls import urlpatterns as site


def broken(request, anything=None):
    raise RuntimeError("a bug")


urlpatterns = [
    *site,
    path("broken/", broken),
    re_path(r"^broken/(?P<anything>[\s\S]+)/$", broken),
]
