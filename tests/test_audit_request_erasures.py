"""What the audit screen tells an officer about the erasures of a deletion request
(APPI art. 35, GDPR art. 17 and 5(2)): the rows are named for what erased the data,
and searching the request's reference finds them."""

from __future__ import annotations

import pytest

from portal.kernel.models import AuditEvent
from rights.retention.models import DeferredErasure
from tests.rights.retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/portal/auditevent/"


@pytest.fixture
def erased_for_a_request(officer, django_capture_on_commit_callbacks):
    """A deletion request whose free data was erased when staff approved it."""
    customer = customer_with_records(invoices=())
    with django_capture_on_commit_callbacks(execute=True):
        request = approve(file_deletion(customer, categories=["usage"]), officer)
    assert AuditEvent.objects.filter(action="retention.erased").exists()
    return request


def _shown(response) -> set[int]:
    return {event.pk for event in response.context["cl"].result_list}


def test_searching_a_requests_reference_finds_the_erasures_done_for_it(
    officer_client, erased_for_a_request
):
    """The search matched only events whose target is the request: the erasures (their
    target is the deletion step) were missing from "everything about R-000001"."""
    request = erased_for_a_request
    erasures = set(
        AuditEvent.objects.filter(action="retention.erased").values_list("pk", flat=True)
    )
    step = DeferredErasure.objects.get(request=request, category="usage")
    other = file_deletion(customer_with_records(invoices=()), categories=["usage"])

    found = _shown(officer_client.get(CHANGELIST, {"q": request.reference}))
    assert erasures <= found
    assert AuditEvent.objects.filter(target=f"rights.rightsrequest:{request.pk}").exists()
    assert (
        set(
            AuditEvent.objects.filter(target=f"rights.rightsrequest:{request.pk}").values_list(
                "pk", flat=True
            )
        )
        <= found
    )
    # The step's own reference still finds its events alone; another request, none of these.
    assert _shown(officer_client.get(CHANGELIST, {"q": f"D-{step.pk:05d}"})) == erasures
    assert not erasures & _shown(officer_client.get(CHANGELIST, {"q": other.reference}))


@pytest.mark.parametrize(
    ("language", "label", "wrong"),
    [
        ("ja", "削除請求による消去", "保存期間による消去"),
        ("en", "Erased for a deletion request", "Erased by retention"),
    ],
)
def test_an_erasure_for_a_deletion_request_is_not_called_a_retention_erasure(
    officer_client, erased_for_a_request, language, label, wrong
):
    """ "retention.erased" is written only by a deletion request's steps (now, or after
    the hold or period that kept the data); the screen called it an erasure "by
    retention", which the nightly sweep is."""
    officer_client.cookies["django_language"] = language
    page = officer_client.get(CHANGELIST).content.decode()
    assert label in page
    assert wrong not in page
