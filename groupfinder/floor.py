"""The benchmark's floor: the smallest Django app, one view answering "ok".

`manage.py bench_http` serves it with the same Django and the same gunicorn
(gunicorn.conf.py, as many workers) as the project, so the project's figures
read as a share of what this machine can do at all:

    gunicorn -c gunicorn.conf.py groupfinder.floor
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="the-floor-has-nothing-to-sign",
)


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("", ok)]

application = get_wsgi_application()
