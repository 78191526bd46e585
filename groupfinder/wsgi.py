import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groupfinder.settings")

application = get_wsgi_application()

# Before gunicorn forks its workers (preload_app), load what their first requests would,
# so that the workers share it and no visitor waits for it: the ZIP code gazetteer, the
# URLs with the views they import, the visitors' templates (compiled, with the form
# widgets' own), the page around them drawn once in each language (the translations, the
# URLs' reverse tables, the static files' manifest) and the caches' client libraries.
# Nothing here touches the database or the shared cache: each worker connects to them.
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.template.loader import get_template, render_to_string  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from django.utils import translation  # noqa: E402

from directory import geo  # noqa: E402
from directory.filters import SearchForm  # noqa: E402

geo.load()
get_resolver().url_patterns  # noqa: B018  (imports every view)
for template in sorted((settings.BASE_DIR / "templates" / "directory").glob("*.html")):
    get_template(f"directory/{template.name}")
for language, _name in settings.LANGUAGES:
    with translation.override(language):
        str(SearchForm()["near"]), str(SearchForm()["radius"])
        render_to_string("directory/page.html", {"title": "", "content": ""})
for alias in settings.CACHES:
    caches[alias]  # noqa: B018  (imports its backend, without connecting)
