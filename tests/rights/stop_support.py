"""A customer's request to stop the use of their data for marketing."""

from rights.choices import Kind, Status
from rights.services import request_submit
from rights.workflow import transition


def marketing_stop_in_review(customer, officer, details: str = "Too many mails."):
    """The customer asks to stop the use of their data for marketing, and ``officer``
    takes the request into review."""
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.STOP_USE,
        scope={"purposes": ["marketing"]},
        details=details,
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request
