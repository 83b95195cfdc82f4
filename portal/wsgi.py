import os

from django.core.cache import caches
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Import now what the first requests would otherwise import in several threads at
# once (gunicorn's gthread worker): two threads importing the same module for the
# first time can deadlock or see it half-initialised, which showed under load as
# 500s on a freshly recycled worker. django-redis imports its client class and
# redis-py when the cache is first used; building the client connects to nothing.
getattr(caches["default"], "client", None)
