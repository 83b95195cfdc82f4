"""Stops a process the fault tests start at a chosen point, for them to kill it there.

On the process's PYTHONPATH, Python imports this module at start-up. FAULT_PAUSE
names the point: ``saved``, just after the first file is written to storage;
``deleting``, just before the first file is deleted from it. The process writes
the file's name to FAULT_PAUSE_MARKER and waits there until it is killed.
Without FAULT_PAUSE, nothing changes.

FAULT_PAUSE ``principal_copy`` does not stop the process: the first rendering of the
copy of a notice to the person an agent acted for fails, as a template broken at that
moment would (a deploy swapping the files under a running worker), once for all the
processes that share FAULT_PAUSE_MARKER, which it writes when it fails.
"""

import os
import time

POINT = os.environ.get("FAULT_PAUSE", "")


def _pause(name: str) -> None:
    with open(os.environ["FAULT_PAUSE_MARKER"], "w") as marker:
        marker.write(name)
    while True:
        time.sleep(1)


if POINT == "saved":
    from django.core.files.storage import Storage

    _save = Storage.save

    def _save_then_pause(self, name, content, max_length=None):
        stored = _save(self, name, content, max_length=max_length)
        _pause(stored)
        return stored

    Storage.save = _save_then_pause

elif POINT == "deleting":
    from django.core.files.storage import FileSystemStorage
    from storages.backends.s3 import S3Storage

    def _pausing(delete):
        def delete_after_pause(self, name):
            _pause(name)
            return delete(self, name)

        return delete_after_pause

    FileSystemStorage.delete = _pausing(FileSystemStorage.delete)
    S3Storage.delete = _pausing(S3Storage.delete)

elif POINT == "principal_copy":
    from django.template import TemplateSyntaxError, loader

    _render = loader.render_to_string

    def _render_failing_once(template_name, context=None, *args, **kwargs):
        marker = os.environ["FAULT_PAUSE_MARKER"]
        if (context or {}).get("principal") and not os.path.exists(marker):
            with open(marker, "w") as written:
                written.write(str(template_name))
            raise TemplateSyntaxError(f"{template_name}: Invalid block tag 'endif'")
        return _render(template_name, context, *args, **kwargs)

    loader.render_to_string = _render_failing_once
