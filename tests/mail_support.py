"""A mail server that fails once, half-way through a task's mails (the one thing faked).

``fail_once(settings, at=2)`` makes the ``at``-th message sent from then on fail as an
unreachable SMTP server does, once; the messages before and after it reach
``mail.outbox`` as with the locmem backend. A task that mails several people and is
retried after that failure must mail each of them exactly once.
"""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

BACKEND = "tests.mail_support.FailsOnceBackend"


class FailsOnceBackend(LocmemBackend):
    """Counts the messages sent; the ``fail_at``-th fails, the others are delivered."""

    sent = 0
    fail_at = 0

    def send_messages(self, messages):
        delivered = 0
        for message in messages:
            type(self).sent += 1
            if type(self).sent == type(self).fail_at:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            delivered += super().send_messages([message])
        return delivered


def fail_once(settings, *, at: int = 2) -> None:
    """From now on, the ``at``-th message sent fails (once)."""
    FailsOnceBackend.sent = 0
    FailsOnceBackend.fail_at = at
    settings.EMAIL_BACKEND = BACKEND


def deliver_again(message) -> None:
    """Run an outbox message's task again with its task id, as a redelivery does."""
    from portal.kernel.celery import app

    app.tasks[message.task_name].apply(message.args, message.kwargs, task_id=str(message.task_id))
