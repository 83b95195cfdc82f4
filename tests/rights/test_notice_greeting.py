"""A notice about a request reads as the portal's other e-mails: the greeting first,
the sign-off last, whoever receives it (the customer, a parent or an agent who filed
for the person, the person an agent acted for) and in their language. The greeting
names no one, as the portal's other greetings do: it never names the person to the
one who acted for them, or the reverse. The request's page shows the notice without
either."""

from __future__ import annotations

import pytest
from django.core import mail

from rights import tasks
from rights.choices import Kind
from rights.models import RequestNotification
from rights.notice_text import render_notice
from rights.requesters.filing import Person, Requester, identity_request_file
from rights.services import request_file
from tests.factories import UserFactory

GREETING = {"en": "Hello,", "ja": "プライバシーポータルをご利用いただき、ありがとうございます。"}
SIGN_OFF = {
    "en": "-- \nRights Portal\n"
    "You can reply to this e-mail: your reply reaches our privacy office.",
    "ja": "-- \nプライバシーポータル\nこのメールにご返信いただくと、当社の個人情報窓口に届きます。",
}
AGENT, PERSON = "Ichiro Sato", "Hanako Yamada"


def _customer_request(language):
    customer = UserFactory(language=language)
    return request_file(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )


def _filed_for_the_person(capacity, language):
    return identity_request_file(
        kind=Kind.DISCLOSURE,
        requester=Requester(
            capacity=capacity, email="requester@example.com", language=language, name=AGENT
        ),
        person=Person(name=PERSON, email="person@example.com", language=language),
        uploads=[],
        delivery_method="electronic",
    )


def _mailed(request, kind):
    notice = RequestNotification.objects.create(
        request=request, kind=kind, context={"reason": "A reason.", "due_at": None}
    )
    mail.outbox.clear()
    tasks.send_request_notification.run(notice.pk)
    return notice, list(mail.outbox)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("filed_by", ["customer", "parent", "agent"])
@pytest.mark.parametrize("kind", RequestNotification.Kind.values)
def test_every_notice_opens_with_the_greeting_and_ends_with_the_sign_off(filed_by, language, kind):
    request = (
        _customer_request(language)
        if filed_by == "customer"
        else _filed_for_the_person(filed_by, language)
    )
    notice, sent = _mailed(request, kind)
    assert sent, "no notice mailed"
    for message in sent:
        body = message.body
        first_line = body.split("\n", 1)[0]
        assert first_line == GREETING[language], body
        assert body.endswith("\n\n" + SIGN_OFF[language]), body
        assert "\n\n\n" not in body, body
        assert AGENT not in first_line and PERSON not in first_line
        # The notice itself, between the two, as its page shows it.
        _subject, page = render_notice(notice, language=language)
        assert GREETING[language] not in page and "-- \n" not in page
