import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.template import TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Import now what the first requests would otherwise import in several threads at
# once (gunicorn's gthread worker): two threads importing the same module for the
# first time can deadlock or see it half-initialised, which showed under load as
# 500s on a freshly recycled worker. django-redis imports its client class and
# redis-py when the cache is first used; building the client connects to nothing.
getattr(caches["default"], "client", None)


def warm_up() -> None:
    """Do before the first request what it would do lazily: gunicorn loads this module
    in each worker after the fork and takes requests only once it has, so a new or
    recycled worker no longer makes its first request wait for the import of every
    view (the URLconf), the URL reversal tables and translation catalogs of each
    language, and the compilation of the project's templates (0.2-0.8 s, then 5 ms).

    Nothing here opens a database or Redis connection: each request thread opens its
    own, and a preloading server would otherwise share one across the fork. A
    template that does not compile is left to fail on its own page.
    """
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 - populates this language's table
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*.html")):
            try:
                get_template(path.relative_to(directory).as_posix())
            except TemplateSyntaxError:
                continue  # its page fails as it would have: the worker still starts


warm_up()
