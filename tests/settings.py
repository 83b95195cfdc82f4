"""The settings the tests run with: portal.settings without the checkout's `.env`.

docs/operations.md has an operator write the production settings (DEBUG=0, the
keys, the hosts) into `.env` in the checkout; read by the tests, that file
decided whether `make test` passed. An empty ENV_FILE reads no file, and every
process a test starts (manage.py, gunicorn, Celery) inherits it.
"""

import os

os.environ["ENV_FILE"] = ""

from portal.settings import *  # noqa: E402, F403
