"""gunicorn settings for `make serve` and production (`gunicorn -c portal/gunicorn.conf.py`).

Environment: ``PORT`` (8000) and ``BIND_ADDRESS`` (127.0.0.1, for a proxy on the
same machine), ``WEB_CONCURRENCY`` (worker processes, one per core),
``WEB_THREADS`` (threads per worker, 4), ``WEB_WORKER_CLASS`` (``gthread``),
``WEB_TIMEOUT`` (seconds, 60); logs as the settings say (``LOG_FORMAT``, ``LOG_LEVEL``).

Threads, not more processes: a page spends much of its time waiting for
PostgreSQL, during which another thread of the same process can run; one
process per core with a few threads each serves as many requests as 2n+1
processes in a third of the memory, and each thread keeps its own database
connection (``CONN_MAX_AGE``), so connections = workers × threads (8 on two
cores), well under PostgreSQL's 100.
"""

import copy
import importlib
import multiprocessing
import os
import sys

PROJECT_PACKAGES = {"portal", "rights", "consent"}


def _forget_project_modules() -> None:
    """Drop the project's modules this process imported, so the next import reads
    the installed files: the master imports the settings (for LOGGING below) and the
    logger class, and a worker forked from it would otherwise keep those copies after
    an upgrade and SIGHUP, running the new code with the old settings."""
    for name in [name for name in sys.modules if name.split(".")[0] in PROJECT_PACKAGES]:
        del sys.modules[name]


def post_fork(server, worker):
    _forget_project_modules()


# SIGHUP reads this file again: read the settings as installed now.
_forget_project_modules()
portal_settings = importlib.import_module("portal.settings")

wsgi_app = "portal.wsgi:application"
bind = f"{os.environ.get('BIND_ADDRESS', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 20
# No control socket: nothing here uses gunicornc, and its default path is per user.
control_socket_disable = True
# No preload_app: each worker loads the portal itself after the fork, so SIGHUP
# (the upgrade's reload) starts workers on the new code; preloaded, they would be
# forked from the master's old one. The worker warms up as it loads
# (portal.wsgi.warm_up) and takes requests only then.
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# A TLS-terminating proxy on this machine sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access lines: method, path without the query string (a search may hold an
# e-mail address), status, bytes, duration and the request id; no client
# address, which the audit trail keeps where it matters; tokens in link paths masked.
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
# Paths with link tokens (downloads, follow and agent links...) are written with
# the token replaced by [token].
logger_class = "portal.gunicorn_logging.TokenMaskingLogger"
logconfig_dict = copy.deepcopy(portal_settings.LOGGING)
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
    }
)
