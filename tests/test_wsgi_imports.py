"""The WSGI module imports what the first requests of a threaded worker would.

gunicorn's gthread worker serves its first requests in several threads at once;
two threads importing a module for the first time can deadlock
(``_DeadlockError``) or one sees it half-initialised (``module 'redis' has no
attribute 'Redis'``): under load a recycled worker answered 500 to /healthz and
/my-data/. Importing ``portal.wsgi`` must leave the cache client and redis-py
imported.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wsgi_module_imports_the_cache_client_and_redis():
    env = {name: value for name, value in os.environ.items() if name != "CACHE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        # A Redis cache, as in production; nothing is connected to.
        REDIS_URL="redis://127.0.0.1:1/0",
        DEBUG="1",
    )
    script = (
        "import sys, portal.wsgi\n"
        "missing = [m for m in ('redis', 'redis.client', 'django_redis.client.default')"
        " if m not in sys.modules]\n"
        "print(missing)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
