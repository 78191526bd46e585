"""The site's URLs plus one view that fails, to see the page a server error shows."""

from django.urls import path

from groupfinder.urls import urlpatterns as site


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [*site, path("broken/", broken)]
