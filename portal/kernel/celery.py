"""The Celery application: configuration from Django settings, JSON only.

Workers and beat log through the project's ``LOGGING`` (JSON in production),
and a task queued during a web request logs under that request's id.
"""

import os

from celery import Celery, signals

from portal.kernel import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Message header carrying the id of the web request that queued the task.
REQUEST_ID_HEADER = "request_id"
_task_tokens: dict[str, object] = {}


@signals.setup_logging.connect
def _configure_logging(**kwargs):
    """Use the project's LOGGING instead of Celery's own set-up."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    request_id = logs.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect
def _receive_request_id(task_id=None, task=None, **kwargs):
    if task is None or task.request.is_eager:
        return  # in-process: the request's own id is already current
    request_id = logs.accepted_request_id(getattr(task.request, REQUEST_ID_HEADER, None))
    _task_tokens[task_id] = logs.request_id_var.set(request_id)


@signals.task_postrun.connect
def _forget_request_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        logs.request_id_var.reset(token)
