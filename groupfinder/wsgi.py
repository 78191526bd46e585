import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groupfinder.settings")

application = get_wsgi_application()

# Load the ZIP code gazetteer before gunicorn forks its workers (preload_app),
# so they share it and no visitor waits for it.
from directory import geo  # noqa: E402

geo.load()
