"""The request queue at its widest, for the browser tests of its layout."""

from rights import workflow
from rights.choices import Status
from rights.services import request_assign, request_submit
from tests.factories import UserFactory


def file_the_widest_requests(officer):
    """Requests with the longest status, kind and e-mail addresses, one assigned."""
    customer = UserFactory(email="watanabe.kaori.longname@example.com")
    in_review = request_submit(subject=customer, requester=customer, kind="disclosure")
    workflow.transition(in_review, to=Status.IN_REVIEW, actor=officer)
    # The longest status in Japanese: お客様からの回答待ち (and the clock paused).
    asked = request_submit(subject=customer, requester=customer, kind="correction")
    workflow.transition(asked, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(
        asked, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which address is right?"
    )
    # The longest kind: 第三者提供の停止, "Stop of provision to third parties".
    request_submit(subject=customer, requester=customer, kind="stop_provision")
    request_assign(requests=[in_review, asked], assignee=officer, actor=officer)
