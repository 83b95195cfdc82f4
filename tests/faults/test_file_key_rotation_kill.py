"""`manage.py rotate_file_keys` killed (SIGKILL) part-way: a rerun finishes, nothing stays behind.

Each stored file is rewritten under the new key, its row pointed at the copy, then
the file it was read from deleted. The command is killed at the two points
between: after the copy is written (its row still names the old file), and after
the row names the copy (the old file not yet deleted). A module on the process's
path (tests/faults/pause/sitecustomize.py) stops it there; the test kills it.
Then the command runs again: every row reads back its own content under the new
key alone, and the private storage holds exactly the files the rows name, on the
local disk and in S3 (moto's server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from rights.disclosure import crypto
from rights.models import RequestMessage
from rights.requesters.models import IdentityDocument
from rights.services import message_post, request_submit
from rights.uploads import open_plain, stored_key
from tests.factories import ProfileFactory
from tests.rights.identity_support import PDF
from tests.s3_support import REGION

from .conftest import report, wait_for

ROOT = Path(__file__).resolve().parents[2]
PAUSE = Path(__file__).resolve().parent / "pause"
OLD, NEW = crypto.generate_key(), crypto.generate_key()


@pytest.fixture(params=["local", "s3"])
def private(request, tmp_path, monkeypatch, settings):
    """The private storage of this process and the variables that give it to manage.py;
    a function listing the names stored in it."""
    if request.param == "local":
        location = tmp_path / "private"
        storage = FileSystemStorage(location=str(location))
        env = {"PRIVATE_MEDIA_ROOT": str(location), "PRIVATE_STORAGE_URL": ""}

        def stored() -> set[str]:
            return {
                path.relative_to(location).as_posix()
                for path in location.rglob("*")
                if path.is_file()
            }

    else:
        s3 = request.getfixturevalue("s3_server")
        storage = request.getfixturevalue("s3_private")
        url = f"s3://{s3.bucket}/portal?endpoint_url={s3.endpoint}&region_name={REGION}"
        env = {"PRIVATE_STORAGE_URL": url}

        def stored() -> set[str]:
            return {key.removeprefix("portal/") for key in s3.object_keys()}

    for model, field_name in ((RequestMessage, "attachment"), (IdentityDocument, "file")):
        monkeypatch.setattr(model._meta.get_field(field_name), "storage", storage)
    return storage, env, stored


def _attachments(count: int) -> dict[int, bytes]:
    """``count`` messages with an attachment, stored under OLD: the content of each."""
    customer = ProfileFactory(user__language="en").user
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    contents = {}
    for number in range(count):
        content = PDF + f"PASSPORT-TK{number:07d}".encode() * 2000
        message = message_post(
            request=request,
            author=customer,
            body=f"Scan {number}",
            attachment=SimpleUploadedFile("scan.pdf", content),
            attachment_type="application/pdf",
        )
        contents[message.pk] = content
    return contents


def _rotate(processes, env: dict, **pause) -> subprocess.Popen:
    env = processes.env(**env, DISCLOSURE_ENCRYPTION_KEY=f"{NEW},{OLD}", **pause)
    if pause:
        env["PYTHONPATH"] = os.pathsep.join([str(PAUSE), env.get("PYTHONPATH", "")])
    log = processes.tmp_path / "rotate.log"
    return subprocess.Popen(
        [sys.executable, "manage.py", "rotate_file_keys"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.parametrize("point", ["saved", "deleting"])
def test_a_rotation_killed_part_way_is_finished_by_a_rerun_and_leaves_no_file(
    processes, private, settings, point
):
    storage, env, stored = private
    settings.DISCLOSURE_ENCRYPTION_KEY = [OLD]
    contents = _attachments(2)
    first = RequestMessage.objects.order_by("pk").first()
    before = first.attachment.name

    marker = processes.tmp_path / "paused"
    rotation = _rotate(processes, env, FAULT_PAUSE=point, FAULT_PAUSE_MARKER=str(marker))
    wait_for(marker.exists, timeout=120, what=f"the rotation to stop ({point})")
    os.killpg(rotation.pid, signal.SIGKILL)
    assert rotation.wait(timeout=30) == -signal.SIGKILL
    after_kill = RequestMessage.objects.get(pk=first.pk).attachment.name
    left = stored()
    # What the kill left: both files of the first row, the row naming one of them.
    assert len(left) == len(contents) + 1, left
    if point == "saved":  # the copy written, the row still naming the old file
        assert after_kill == before and marker.read_text() in left
    else:  # the row naming the copy, the old file about to be deleted
        assert after_kill != before and marker.read_text() == before
    assert {before, after_kill} <= left

    rerun = _rotate(processes, env)
    assert rerun.wait(timeout=300) == 0, processes.tmp_path.joinpath("rotate.log").read_text()

    settings.DISCLOSURE_ENCRYPTION_KEY = [NEW]  # the old key is no longer needed
    rows = dict(RequestMessage.objects.exclude(attachment="").values_list("pk", "attachment"))
    assert set(rows) == set(contents)
    for pk, name in rows.items():
        assert stored_key(storage, name) == crypto.key_id(crypto.master_keys()[0])
        with open_plain(RequestMessage.objects.get(pk=pk).attachment) as plain:
            assert plain.read() == contents[pk]
    assert stored() == set(rows.values())
    report(
        f"rotate_file_keys killed ({point}, {storage.__class__.__name__}): "
        f"{len(left)} files for {len(contents)} rows; after the rerun, one each"
    )
