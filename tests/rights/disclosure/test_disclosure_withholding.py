"""Disclosure with partial non-disclosure (APPI art. 33(2), 33(5); GDPR art. 15(4)).

Staff withhold a record in the review, on a ground from a fixed list; the
package leaves it out and tells the person what was withheld and on which
ground; the request ends partly completed with that reason; all audited.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from consent import services as consent_services
from consent.models import ProvisionRecord, Recipient
from portal.kernel.models import AuditEvent
from portal.records.models import Invoice
from rights import workflow
from rights.choices import Status
from rights.disclosure import crypto
from rights.disclosure.models import DisclosurePackage, WithheldRecord
from rights.disclosure.withholding import record_withhold
from rights.models import RequestNotification
from rights.services import request_submit
from tests.rights.disclosure_support import customer_with_data, unzip

pytestmark = pytest.mark.django_db

POLICE = "Shibuya Police Station"


def _provision_to_police(subject) -> ProvisionRecord:
    police = Recipient.objects.create(
        name_ja="渋谷警察署", name_en=POLICE, kind=Recipient.Kind.PUBLIC_AUTHORITY
    )
    return consent_services.provision_record_create(
        subject=subject,
        recipient=police,
        provided_on=timezone.localdate() - dt.timedelta(days=10),
        data_items="name, address, usage",
        ground=ProvisionRecord.Ground.LAW,
        note="Code of Criminal Procedure art. 197(2)",
    )


def _in_review(subject, officer):
    request = request_submit(subject=subject, requester=subject, kind="disclosure")
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    request.refresh_from_db()
    return request


def _package_files(request) -> dict[str, bytes]:
    package = DisclosurePackage.objects.get(request=request)
    with package.file.open("rb") as handle:
        return unzip(b"".join(crypto.decrypt_chunks(handle)))


def test_withheld_provision_record_is_left_out_and_its_ground_told_appi_art_33_2_and_33_5(
    officer, officer_client, django_capture_on_commit_callbacks
):
    """APPI art. 33(2) and 33(5): a provision to the police under a legal obligation is
    withheld on the crime-prevention ground chosen in the review; the package omits it
    everywhere and says that records of provision were withheld, and on which ground."""
    subject = customer_with_data(language="en")
    provision = _provision_to_police(subject)
    request = _in_review(subject, officer)

    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert "この記録を開示しない" in page.content.decode()  # the admin is in Japanese
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/disclosure/withhold/",
        {
            "record": f"consent.provisionrecord:{provision.pk}",
            "ground": WithheldRecord.Ground.CRIME,
            "note": "Inquiry under CCP art. 197(2); investigation ongoing.",
        },
    )
    assert response.status_code == 302
    withheld = WithheldRecord.objects.get(request=request)
    assert withheld.withheld_by == officer
    assert AuditEvent.objects.filter(
        action="disclosure.record_withheld", subject_id=subject.pk
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    reason = request.notifications.get(kind=RequestNotification.Kind.PARTIALLY_COMPLETED).context[
        "reason"
    ]
    assert "Records of provision to third parties, 1 record(s)" in reason
    assert "APPI art. 33(5)" in reason

    files = _package_files(request)
    everything = b"".join(files.values())
    assert POLICE.encode() not in everything
    assert b"Code of Criminal Procedure" not in everything
    report = files["report.html"].decode()
    assert "Part of your data was not disclosed" in report
    assert "prevention or investigation of crime (APPI art. 33(5)" in report
    data = json.loads(files["data.json"])
    assert data["provision_records"] == []
    assert not [r for r in data["records"] if r["source"] == "consent.provisionrecord"]
    assert data["withheld"] == [
        {
            "data": "Records of provision to third parties",
            "count": 1,
            "ground": "crime",
            "ground_text": (
                "It is a record of a provision required by law, and disclosing it could "
                "hinder the prevention or investigation of crime (APPI art. 33(5), Cabinet "
                "Order art. 11)."
            ),
        }
    ]
    # Everything else is disclosed.
    invoice = Invoice.objects.get(user=subject)
    assert any(r["source"] == "portal.invoice" and r["id"] == invoice.pk for r in data["records"])


def test_withholding_refuses_another_customers_record_and_a_request_in_progress_appi_art_33(
    officer,
):
    """APPI art. 33(2): only the subject's own record, on a ground from the list, before
    the package is built; otherwise a clear message and nothing written."""
    subject = customer_with_data()
    other = customer_with_data()
    theirs = _provision_to_police(other)
    request = _in_review(subject, officer)
    with pytest.raises(Exception, match="not a record of this customer"):
        record_withhold(
            request=request,
            record=f"consent.provisionrecord:{theirs.pk}",
            ground="crime",
            actor=officer,
        )
    mine = _provision_to_police(subject)
    with pytest.raises(Exception, match="Choose a ground"):
        record_withhold(
            request=request,
            record=f"consent.provisionrecord:{mine.pk}",
            ground="because",
            actor=officer,
        )
    assert not WithheldRecord.objects.exists()
