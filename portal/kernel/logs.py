"""Logs: a request id on every line, JSON in production, no personal data.

Each request gets an id (a well-formed incoming ``X-Request-ID`` from the proxy
in front, or a new one), kept in a context variable while the request runs and
echoed in the response's ``X-Request-ID`` header. Tasks queued during the
request carry it in a message header, so the worker's lines for that task carry
it too (see portal/celery.py). :class:`RequestIdFilter` puts it on every log
record a handler writes.

Log lines name ids, counts and outcomes, never names, addresses, e-mail
addresses or other personal data; :class:`JsonFormatter` also leaves out the
request object and task arguments that libraries attach to their records.
This module is imported by the settings, so it imports nothing from Django's
models.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits, '.', '_' and '-', 8 to 64 characters: UUIDs and the ids that
# proxies and load balancers generate; anything else is replaced by our own.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """The incoming id if it is well-formed, else None."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestIdMiddleware:
    """Give the request an id for its log lines and echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request_id = request_id or new_request_id()
        request.request_id = request_id
        # Kept until the response is closed (request_finished), so Django's own
        # line for an error response, written after the middleware, carries it.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _forget_request_id(**kwargs):
    request_id_var.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="portal.kernel.logs.forget_request_id")


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` (``-`` outside a request or task) and the running task."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        task = _current_task()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id = task.request.id
            record.task_name = task.name
        return True


def _current_task():
    from celery import current_task

    task = current_task._get_current_object()
    if task is None or task.request.id is None:
        return None
    return task


# Paths whose segments are secrets: download, follow and agent-confirmation links, the
# e-mail verification, password-reset and staff authenticator links (an account id and
# a token). Whoever reads the logs must not be able to open them.
TOKEN_MASK = "[token]"
_TOKEN_IN_PATH = re.compile(
    r"(?P<one>/(?:downloads|requests/follow|requests/confirm-agent)/)[^/?#\s\"']+"
    r"|(?P<two>/accounts/(?:verify|password/reset)/|/staff/authenticator/)"
    r"[^/?#\s\"']+/(?P<last>[^/?#\s\"']+)"
)


def _mask(match: re.Match) -> str:
    if match["one"]:
        return match["one"] + TOKEN_MASK
    # Django swaps the reset token for this fixed word once it is in the session.
    last = match["last"] if match["last"] == "set-password" else TOKEN_MASK
    return f"{match['two']}{TOKEN_MASK}/{last}"


def mask_url_tokens(text: str) -> str:
    """``text`` with the secret segments of link paths replaced by ``[token]``."""
    return _TOKEN_IN_PATH.sub(_mask, text)


class UrlTokenFilter(logging.Filter):
    """Mask link tokens in a record's message, e.g. Django's ``Not Found: <path>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                mask_url_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = mask_url_tokens(record.msg)
        return True


EMAIL_MASK = "[e-mail]"
# The last label of the domain starts with a letter: ``user:**@127.0.0.1`` in a
# broker's address (Celery's "Connected to ..." line) is a host, not an address.
_EMAIL_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_][\w-]*")


class EmailAddressFilter(logging.Filter):
    """Replace e-mail addresses by ``[e-mail]`` in a record's message and traceback.

    Errors of libraries name them: smtplib's ``SMTPRecipientsRefused`` holds the
    refused recipients, and Celery writes the error of each retry of a mail task,
    and of its final failure with the traceback, into the worker's lines.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "@" in message:
            record.msg, record.args = _EMAIL_ADDRESS.sub(EMAIL_MASK, message), ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            # The formatters write exc_text when the record has no exc_info any more.
            record.exc_info, record.exc_text = None, _EMAIL_ADDRESS.sub(EMAIL_MASK, text)
        elif record.exc_text and "@" in record.exc_text:
            record.exc_text = _EMAIL_ADDRESS.sub(EMAIL_MASK, record.exc_text)
        return True


class WarningWithoutTracebackFilter(logging.Filter):
    """Write a record as one ``WARNING`` line, without its traceback.

    Put on ``django.security.DisallowedHost``: Django logs every request whose
    Host header is not in ``ALLOWED_HOSTS`` as an error with the exception's
    traceback, and scanners on a public address send them all day. The message
    still names the host.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = (
                logging.WARNING,
                logging.getLevelName(logging.WARNING),
            )
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object a line, without the objects libraries attach to records.

    Django attaches the request (whose repr holds the query string, where a
    search term may be an e-mail address) and Celery the task's arguments.
    """

    LEFT_OUT = ("request", "data", "server_time", "color_message")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *self.LEFT_OUT])
        kwargs.setdefault("rename_fields", {"levelname": "level"})
        kwargs.setdefault("json_ensure_ascii", False)
        # ISO 8601 in UTC: the web master, its workers and Celery agree, whatever
        # local time zone Django gives the processes it sets up.
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"


def logging_config(*, log_format: str = "text", level: str = "INFO") -> dict:
    """The ``LOGGING`` dict: ``log_format`` is ``json`` or ``text``."""
    if log_format not in {"json", "text"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "url_tokens": {"()": UrlTokenFilter},
            "email_addresses": {"()": EmailAddressFilter},
            "warning_without_traceback": {"()": WarningWithoutTracebackFilter},
        },
        "formatters": {
            "json": {"()": JsonFormatter, "fmt": JSON_FIELDS},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "url_tokens", "email_addresses"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django.security.DisallowedHost": {"filters": ["warning_without_traceback"]},
        },
    }
