"""The settings the tests run with: portal.settings without the checkout's `.env`.

docs/operations.md has an operator write the production settings (DEBUG=0, the
keys, the hosts) into `.env` in the checkout; read by the tests, that file
decided whether `make test` passed. An empty ENV_FILE reads no file, and every
process a test starts (manage.py, gunicorn, Celery) inherits it.

Private files (identity documents, disclosure packages) go to a directory of the
test process, not the checkout's ``var/private``: processes running side by side
(pytest-xdist) number their requests alike, so one's clean-up removed a package
another was about to serve. A process a test starts inherits the directory through
the environment; ``PRIVATE_MEDIA_ROOT``, when set, is used as it is.
"""

import os
import tempfile
from pathlib import Path

os.environ["ENV_FILE"] = ""

#: The variable naming this test process's directory of private files.
FILES_VARIABLE = f"RIGHTS_PORTAL_TEST_FILES_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
#: The directory this process made for them (removed when its tests end), else None.
OWN_FILES = None
if "PRIVATE_MEDIA_ROOT" not in os.environ and FILES_VARIABLE not in os.environ:
    OWN_FILES = tempfile.mkdtemp(prefix="rights-portal-files-")
    os.environ[FILES_VARIABLE] = OWN_FILES

from portal.settings import *  # noqa: E402, F403
from portal.storage import private_storage  # noqa: E402

if "PRIVATE_MEDIA_ROOT" not in os.environ:
    MEDIA_ROOT = Path(os.environ[FILES_VARIABLE])
    STORAGES = {  # noqa: F405
        **STORAGES,  # noqa: F405
        "private": private_storage(os.environ.get("PRIVATE_STORAGE_URL", ""), MEDIA_ROOT),
    }
