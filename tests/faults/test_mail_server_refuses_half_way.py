"""The mail server refuses the second of a task's mails, once: each reader is mailed once.

A live worker mails the alert that the person refused the agent who filed in their name
to both privacy officers through an SMTP server on loopback (the one thing faked): it
accepts the first alert and answers the second with a temporary failure (451), once. The
worker retries the failed send with back-off; the officer who already had the alert
gets no second one, and the other gets theirs.
"""

from __future__ import annotations

import socketserver
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from portal.kernel import outbox
from portal.kernel.models import OutboxMessage
from portal.kernel.staff import staff_create
from rights.requesters.models import Capacity, RequestIdentity
from rights.requesters.refusal_mail import agent_refused_queue
from rights.services import request_submit
from tests.factories import ProfileFactory

from .conftest import report, wait_for


class _Session(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: each message's recipients are recorded
    when accepted; the ``refuse_at``-th message to one of the ``watched`` addresses is
    refused once (451)."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server = self.server
        self.reply("220 loopback ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline().decode(errors="replace").strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO", "MAIL", "RSET", "NOOP"):
                recipients = [] if verb in ("MAIL", "RSET") else recipients
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                    pass
                with server.lock:
                    watched = bool(server.watched & set(recipients))
                    server.messages += watched
                    refused = watched and server.messages == server.refuse_at
                    if not refused:
                        server.accepted.extend(recipients)
                self.reply("451 try again later" if refused else "250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class RefusingSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse_at: int):
        super().__init__(("127.0.0.1", 0), _Session)
        self.lock = threading.Lock()
        self.messages = 0
        self.refuse_at = refuse_at
        self.accepted: list[str] = []
        self.watched: set[str] = set()


@pytest.fixture
def smtp():
    server = RefusingSMTP(refuse_at=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_second_alert_is_retried_and_nobody_is_mailed_twice(
    processes, broker_publishing, smtp
):
    port = smtp.server_address[1]
    processes.start_worker(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    officers = [staff_create(email=f"po{n}@example.com")[0] for n in (1, 2)]
    readers = sorted(officer.email for officer in officers)
    smtp.watched = set(readers)
    customer = ProfileFactory(user__language="en").user
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    with transaction.atomic():
        RequestIdentity.objects.create(
            request=request, capacity=Capacity.AGENT, subject_denied_at=timezone.now()
        )
        agent_refused_queue(request)

    def all_done() -> bool:
        alerts = OutboxMessage.objects.filter(task_name__startswith="rights.tasks.mail_agent")
        return alerts.exists() and not alerts.filter(done_at__isnull=True).exists()

    # The refused send is retried after MAIL_RETRY's back-off (at most 30 s the first time).
    wait_for(all_done, timeout=120, what="every alert to be mailed")
    assert smtp.messages == 3, smtp.messages  # two alerts, one of them refused once
    mailed = sorted(a for a in smtp.accepted if a in readers)
    assert mailed == readers, (mailed, processes.log("worker")[-3000:])
    report(f"alert refused once by the mail server: {smtp.messages} sends, each officer once")
    outbox.drain()  # nothing left to publish again
    assert sorted(a for a in smtp.accepted if a in readers) == readers
