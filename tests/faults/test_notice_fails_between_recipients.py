"""A notice to two people whose task fails between them for a reason other than the mail
server: nobody is mailed twice.

A live worker mails the refusal of a request an appointed agent filed to the agent, and
a copy to the person they acted for (APPI art. 37, CCPA §7063). Rendering the copy fails
once (``tests/faults/pause``: a template broken under the running worker), after the
agent's mail went out. The task fails and is logged; what it mailed is committed, and the
outbox delivers its message again (``OUTBOX_REDELIVER_SECONDS``, shortened here): the
person gets their copy, the agent no second refusal.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from portal.kernel import outbox
from portal.kernel.models import OutboxMessage
from rights import workflow
from rights.choices import Status
from rights.models import RequestNotification
from rights.requesters.models import Capacity, RequestIdentity, VerificationStatus
from rights.services import request_submit
from tests.factories import UserFactory

from .conftest import read_mail, report, wait_for

PAUSE = Path(__file__).resolve().parent / "pause"
REDELIVER_SECONDS = 5
# The subject of the refusal, to the agent (English) and to the person (Japanese).
REFUSAL_EN, REFUSAL_JA = "cannot comply", "お応えできない"


def test_a_notice_that_fails_between_its_two_recipients_mails_each_once(
    processes, broker_publishing, mail_dir, officer, settings, tmp_path
):
    settings.OUTBOX_REDELIVER_SECONDS = REDELIVER_SECONDS
    marker = tmp_path / "failed"
    processes.start_worker(
        concurrency=1,
        OUTBOX_REDELIVER_SECONDS=str(REDELIVER_SECONDS),
        FAULT_PAUSE="principal_copy",
        FAULT_PAUSE_MARKER=str(marker),
        PYTHONPATH=os.pathsep.join([str(PAUSE), os.environ.get("PYTHONPATH", "")]),
    )
    agent, person = UserFactory(language="en"), UserFactory(language="ja")
    request = request_submit(subject=person, requester=agent, kind="disclosure")
    RequestIdentity.objects.create(
        request=request, capacity=Capacity.AGENT, verification=VerificationStatus.VERIFIED
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    request.refresh_from_db()
    workflow.transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="We hold no personal data about you.",
        ground="other",
    )
    refusal = request.notifications.get(kind="rejected")

    def all_mailed() -> bool:
        outbox.drain()  # as the beat does: the failed message is published again
        # A status change the refusal overtook is dropped, never mailed.
        unsent = RequestNotification.objects.filter(emailed_at__isnull=True)
        return not [notice for notice in unsent if not notice.context.get("superseded")]

    wait_for(all_mailed, timeout=120, what="every notice to be mailed")
    assert marker.exists(), "the copy to the person never failed"
    wait_for(
        lambda: not OutboxMessage.objects.filter(done_at__isnull=True).exists(),
        timeout=30,
        what="every message to be done",
    )
    mails = Counter((str(m["To"]), str(m["Subject"])) for m in read_mail(mail_dir))
    refusals = {
        to: sent
        for (to, subject), sent in mails.items()
        if REFUSAL_EN in subject or REFUSAL_JA in subject
    }
    assert refusals == {agent.email: 1, person.email: 1}, mails
    assert set(mails.values()) == {1}, mails  # no notice twice to anyone
    log = processes.log("worker")
    assert "TemplateSyntaxError" in log and f"notice {refusal.pk} not e-mailed" in log, log[-3000:]
    message = OutboxMessage.objects.get(
        task_name="rights.tasks.send_request_notification", args=[refusal.pk]
    )
    assert message.deliveries >= 2
    report(
        f"copy to the person failed to render once after the agent's mail: delivered "
        f"{message.deliveries} times, {sum(mails.values())} mails, each once to each person"
    )
