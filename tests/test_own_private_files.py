"""Each test process keeps its private files (identity documents, disclosure
packages) in a directory of its own (tests/settings.py), never the checkout's
``var/private``, which every process running side by side would share: they number
their requests alike, so one's clean-up removed a package the other was serving."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages

from rights.disclosure.models import DisclosurePackage
from rights.requesters.models import IdentityDocument

ROOT = Path(__file__).resolve().parent.parent


def test_private_files_are_this_process_s_own():
    location = Path(storages["private"].location).resolve()
    assert location != (ROOT / "var" / "private").resolve()
    assert location == Path(settings.MEDIA_ROOT).resolve()
    assert Path(os.environ[settings.FILES_VARIABLE]).resolve() == location
    for model in (DisclosurePackage, IdentityDocument):
        assert Path(model._meta.get_field("file").storage.location).resolve() == location


def test_a_process_a_test_starts_shares_them():
    """A worker or web process a test starts reads and writes the same files."""
    probe = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; "
        "print(storages['private'].location)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert Path(run.stdout.strip()).resolve() == Path(settings.MEDIA_ROOT).resolve()
