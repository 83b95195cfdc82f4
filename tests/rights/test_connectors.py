"""Personal data outside this database: an HTTP connector to a real service (issue 23).

The external service is the test double (tests/connector_double.py) on a
loopback port; it keeps its own records, so each test checks the service's
side too, not only what the portal believes.
"""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from portal.kernel.models import Profile
from portal.kernel.registry import registry
from rights import correction, stop_decisions
from rights.choices import Kind, Status
from rights.connectors import dispatch
from rights.connectors.demo import seed_connector_demo
from rights.connectors.models import ExternalSystem, SystemTask
from rights.connectors.signing import signed_headers
from rights.connectors.source import ConnectorSource
from rights.connectors.summary import customer_summary
from rights.disclosure.package import write_package
from rights.services import request_submit
from rights.workflow import TransitionError, transition
from tests import sample_files

from .connector_support import (
    SYSTEM_FORM,
    api_system,
    customer_at_double,
    double_fixture,  # noqa: F401  (the fixture "double")
    every_use_stopped,
    seed_double,
    staff_task_system,
)
from .disclosure_support import disclosure_in_progress
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _deleted(customer, officer, capture, categories=("contact", "usage")):
    request = file_deletion(customer, categories=list(categories))
    with capture(execute=True):
        approve(request, officer)
    request.refresh_from_db()
    return request


def test_a_deletion_erases_the_subject_here_and_in_the_external_service(
    officer, double, django_capture_on_commit_callbacks
):
    """GDPR art. 17(1), 19: the erasure reaches the external system; its records are gone."""
    customer = customer_at_double(double)
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)

    assert double.records_of(customer.email) == []
    assert double.applied_count("erase") == 1
    call = double.calls[-1]
    assert call["payload"]["subject"] == {"customer_id": str(customer.pk), "email": customer.email}
    assert sorted(call["payload"]["categories"]) == ["contact", "usage"]
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.outcome["count"]) == (State.DONE, 2)
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert Profile.objects.get(user=customer).phone == ""
    notice = request.notifications.order_by("pk").last()
    assert "Your data was deleted from 2 of our systems." in notice.context["reason"]


def test_a_correction_changes_the_value_in_the_external_service(
    officer, double, django_capture_on_commit_callbacks
):
    """GDPR art. 16, 19 / APPI art. 34: the corrected address is sent; the service changes it."""
    customer = customer_at_double(double)
    profile = Profile.objects.get(user=customer)
    request = _correction(customer, profile, officer)
    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(request=request, approve=[0], actor=officer)
    request.refresh_from_db()

    assert request.status == Status.COMPLETED
    held = double.records_of(customer.email)[0]["values"]
    assert held["address"] == "Osaka 2-2"
    task = SystemTask.objects.get(request=request)
    assert task.state == State.DONE
    assert task.instructions == {"changes": [{"field": "address", "value": "Osaka 2-2"}]}


def _correction(customer, profile, officer):
    request = _file(
        customer,
        Kind.CORRECTION,
        scope={
            "changes": [
                {
                    "source": "portal.profile",
                    "record": str(profile.pk),
                    "field": "address",
                    "label": "Address",
                    "current_value": profile.address,
                    "new_value": "Osaka 2-2",
                }
            ]
        },
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


def _file(customer, kind, **kwargs):
    return request_submit(subject=customer, requester=customer, kind=kind, **kwargs)


def test_a_correction_waits_for_a_failing_service_and_completes_after_the_retry(
    officer, double, django_capture_on_commit_callbacks
):
    """Nothing is reported done that was not: the decision is held until the service answers."""
    customer = customer_at_double(double)
    request = _correction(customer, Profile.objects.get(user=customer), officer)
    double.behaviour = "refuse"
    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(request=request, approve=[0], actor=officer)
    request.refresh_from_db()
    task = SystemTask.objects.get(request=request)
    assert request.status == Status.IN_PROGRESS
    assert task.state == State.FAILED and "HTTP 422" in task.last_error
    assert not request.notifications.filter(kind="completed").exists()

    double.behaviour = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.task_retry(task=task, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert double.records_of(customer.email)[0]["values"]["address"] == "Osaka 2-2"


def test_a_disclosure_includes_what_the_external_service_returned_labelled_by_system(
    officer, double
):
    """GDPR art. 15: the package holds the external system's records, under its name."""
    customer = customer_at_double(double)
    request = disclosure_in_progress(customer, officer)
    buffer = io.BytesIO()
    summary = write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        external = json.loads(archive.read("external_systems.json"))
        readme = archive.read("README.txt").decode()
        report = archive.read("report.html").decode()
    assert external[0]["system"] == "Mailing service"
    assert {r["id"] for r in external[0]["records"]} == {"m-1", "m-2"}
    assert summary.sources["external:Mailing service"] == 2
    assert "external_systems.json" in readme
    assert '<h3 id="external-1-title">Mailing service</h3>' in report
    assert "2026-06-02 newsletter" in report


def test_the_printed_copy_includes_the_external_service_or_is_not_printed_at_all(
    officer, officer_client, double
):
    """GDPR art. 15, APPI art. 33: a copy sent by post holds the external system's
    records too; while the system cannot answer, staff are told and nothing is printed."""
    customer = customer_at_double(double)
    request = disclosure_in_progress(customer, officer)
    url = f"/admin/rights/rightsrequest/{request.pk}/disclosure/print/"
    page = b"".join(officer_client.get(url).streaming_content).decode()
    assert "Mailing service" in page and "2026-06-02 newsletter" in page

    double.behaviour = "fail"
    officer_client.cookies["django_language"] = "en"
    response = officer_client.get(url, follow=True)
    assert response.redirect_chain and not hasattr(response, "streaming_content")
    assert "could not answer" in response.content.decode()


def test_a_hanging_service_times_out_and_the_retry_erases_exactly_once(
    officer, double, django_capture_on_commit_callbacks
):
    customer = customer_with_records()
    seed_double(double, customer)
    api_system(double, timeout_seconds=1)
    double.behaviour, double.hang_seconds = "hang", 1.5
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert request.status == Status.IN_PROGRESS
    assert task.state == State.PENDING and task.attempts == 1
    assert "No answer within 1 s" in task.last_error
    assert task.next_attempt_at > timezone.now()

    double.behaviour = "ok"
    assert dispatch.run_due() == {}  # not due before its back-off
    with (
        time_machine.travel(task.next_attempt_at + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.run_due() == {"done": 1}
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert double.records_of(customer.email) == []
    # The hung call and its retry carried the same request id: applied once.
    assert {c["key"] for c in double.calls} == {str(task.key)}
    assert double.applied_count("erase") == 1


@pytest.mark.parametrize("status", [501, 505, 599])
def test_every_5xx_answer_is_tried_again_after_the_back_off(
    status, officer, double, django_capture_on_commit_callbacks
):
    """docs/connectors.md: 5xx is retried, whichever 5xx (not only 500, 502-504)."""
    customer = customer_at_double(double)
    double.behaviour, double.fail_status = "fail", status
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert (task.state, task.attempts, task.last_error) == (State.PENDING, 1, f"HTTP {status}")
    assert task.next_attempt_at > timezone.now()

    double.behaviour = "ok"
    with (
        time_machine.travel(task.next_attempt_at + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dispatch.run_due() == {"done": 1}
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert double.records_of(customer.email) == []


def test_a_failing_service_leaves_the_deletion_open_with_the_failure_and_a_retry_button(
    officer, officer_client, double, django_capture_on_commit_callbacks, settings
):
    settings.CONNECTOR_MAX_ATTEMPTS = 1
    customer = customer_at_double(double)
    double.behaviour = "fail"
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert task.state == State.FAILED and task.last_error == "HTTP 503"
    assert request.status == Status.IN_PROGRESS
    assert double.records_of(customer.email) != []
    with pytest.raises(TransitionError):
        transition(request, to=Status.COMPLETED, actor=None)

    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    assert "Mailing service" in page and "HTTP 503" in page and 'name="retry_system"' in page

    double.behaviour = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/retry/"
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    assert double.records_of(customer.email) == []


def test_the_shared_secret_is_stored_encrypted():
    system = ExternalSystem.objects.create(
        name="Billing", mode="api", base_url="http://127.0.0.1:9", secret="plain-secret-value"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM rights_externalsystem WHERE id = %s", [system.pk])
        stored = cursor.fetchone()[0]
    assert "plain-secret-value" not in stored
    assert ExternalSystem.objects.get(pk=system.pk).secret == "plain-secret-value"


def test_a_call_with_a_wrong_signature_is_refused_by_the_service(double):
    """The contract: every call is signed (HMAC-SHA256 over timestamp and body)."""
    customer = customer_with_records()
    seed_double(double, customer)
    system = api_system(double, secret="not-the-shared-secret")
    source = ConnectorSource(system)
    with pytest.raises(Exception, match="HTTP 401"):
        list(source.stream(customer))


def test_the_connector_is_a_registry_source(double):
    """A registered connector takes part in the registry's reads and erasure."""
    customer = customer_with_records()
    seed_double(double, customer)
    source = ConnectorSource(api_system(double))
    registry.register(source)
    try:
        mine = [r for r in registry.stream(customer) if r.source == source.key]
        assert {r.id for r in mine} == {"m-1", "m-2"}
        assert registry.erase(customer, "usage", actor=None)[source.key] == 1
        assert [r["id"] for r in double.records_of(customer.email)] == ["m-1"]
    finally:
        registry.unregister(source.key)


def test_a_callback_with_a_bad_signature_changes_nothing(
    client, officer, double, django_capture_on_commit_callbacks
):
    customer = customer_at_double(double)
    double.behaviour, double.late_seconds = "late", 30  # accepted; the callback is ours to send
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert task.state == State.PENDING and task.accepted_at is not None
    body = json.dumps({"request_id": str(task.key), "status": "done", "count": 2}).encode()
    url = f"/connectors/callback/{task.key}/"
    forged = {
        "HTTP_X_DSR_TIMESTAMP": str(int(timezone.now().timestamp())),
        "HTTP_X_DSR_SIGNATURE": "0" * 64,
    }
    response = client.post(url, body, content_type="application/json", **forged)
    assert response.status_code == 401
    task.refresh_from_db()
    assert task.state == State.PENDING

    headers = {
        "HTTP_" + k.upper().replace("-", "_"): v
        for k, v in signed_headers(double.secret, body).items()
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body, content_type="application/json", **headers)
    assert response.status_code == 200
    task.refresh_from_db()
    request.refresh_from_db()
    assert task.state == State.DONE
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_staff_configure_a_system_in_the_admin_and_the_secret_is_never_shown(officer_client):
    form = {
        **SYSTEM_FORM,
        "fields_text": "email contact E-mail\ninvoice_address contact Invoice address",
    }
    response = officer_client.post("/admin/rights/externalsystem/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    system = ExternalSystem.objects.get(name="Billing")
    assert system.secret == "top-secret-value"
    assert system.fields[1] == {
        "name": "invoice_address",
        "category": "contact",
        "label": "Invoice address",
    }
    page = officer_client.get(f"/admin/rights/externalsystem/{system.pk}/change/")
    assert "top-secret-value" not in page.content.decode()

    bad = {**form, "name": "Billing 2", "fields_text": "email nowhere", "new_secret": ""}
    page = officer_client.post("/admin/rights/externalsystem/add/", bad).content.decode()
    assert "1行目：項目名と" in page  # the admin speaks Japanese by default
    assert not ExternalSystem.objects.filter(name="Billing 2").exists()


def test_a_system_is_answered_only_by_clients_that_may_report_fulfilment(officer_client):
    """The form said "clients with the scope fulfilment:write" and saved one without it,
    whose reports the API would then refuse."""
    from portal.kernel.models import ApiClient

    reader = ApiClient.objects.create(name="Reader", scopes=["requests:read"])
    reporter = ApiClient.objects.create(name="Reporter", scopes=["fulfilment:write"])
    form = {
        "name": "Mailing",
        "mode": "api",
        "base_url": "https://mailing.example/api",
        "new_secret": "s3cret-value",
        "categories": ["contact"],
        "operations": ["erase"],
        "fields_text": "",
        "answer_days": "7",
        "timeout_seconds": "10",
        "is_active": "on",
    }
    officer_client.cookies["django_language"] = "en"
    page = officer_client.post(
        "/admin/rights/externalsystem/add/", {**form, "api_clients": [reader.pk, reporter.pk]}
    ).content.decode()
    assert "fulfilment:write" in page and "Reader" in page
    assert not ExternalSystem.objects.filter(name="Mailing").exists()
    response = officer_client.post(
        "/admin/rights/externalsystem/add/", {**form, "api_clients": [reporter.pk]}
    )
    assert response.status_code == 302
    assert list(ExternalSystem.objects.get(name="Mailing").api_clients.all()) == [reporter]


def test_the_demo_configures_one_external_system_and_one_e_mail_subcontractor():
    first = seed_connector_demo()
    assert seed_connector_demo() == first
    assert [s.mode for s in first] == ["api", "email"]
    assert first[0].base_url == "http://127.0.0.1:8765"


def test_an_approved_stop_of_use_restricts_the_customer_in_the_external_service(
    officer, double, django_capture_on_commit_callbacks
):
    """APPI art. 35, GDPR art. 18 and 19: the restriction reaches the service too."""
    customer = customer_at_double(double)
    request = every_use_stopped(customer, officer, django_capture_on_commit_callbacks)
    assert customer.email.lower() in double.restricted
    assert SystemTask.objects.get(request=request).state == State.DONE
    assert request.status == Status.COMPLETED
    summary = customer_summary(request)
    assert summary.lines == ["The use of your data was stopped in 2 of our systems."]


def test_a_deletion_rejected_while_a_service_is_down_is_not_carried_out_there_later(
    officer, double, django_capture_on_commit_callbacks
):
    customer = customer_at_double(double)
    double.behaviour = "fail"
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert task.state == State.PENDING
    transition(
        request, to=Status.REJECTED, actor=officer, reason="Asked by mistake", ground="other"
    )
    double.behaviour = "ok"
    with time_machine.travel(task.next_attempt_at + dt.timedelta(minutes=1)):
        assert dispatch.run_due() == {}
        assert dispatch.attempt(task.pk) == "not due"
    assert double.records_of(customer.email) != []


def test_staff_confirm_a_staff_task_with_an_evidence_file_on_the_request_page(
    officer, officer_client, django_capture_on_commit_callbacks, private_storage
):
    customer = customer_with_records()
    staff_task_system("erase")
    request = _deleted(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert (task.mode, request.status) == ("manual", Status.IN_PROGRESS)
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    assert f'id="id_task{task.pk}_note"' in page and 'name="confirm_system"' in page

    url = f"/admin/rights/rightsrequest/{request.pk}/systems/{task.pk}/confirm/"
    pdf = SimpleUploadedFile("shredded.pdf", sample_files.pdf(), content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url, {"note": "Paper files shredded.", "evidence": pdf})
    assert response.status_code == 302
    task.refresh_from_db()
    request.refresh_from_db()
    assert (task.state, task.note, task.settled_by) == (
        State.DONE,
        "Paper files shredded.",
        officer,
    )
    assert task.evidence.name.startswith(f"connectors/{request.pk}/")
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def _stop_waiting_for_a_system(customer, officer, double, capture):
    """A stop of use decided and granted; the external service is down, so the request
    stays in progress until it answers."""
    seed_double(double, customer)
    api_system(double)
    double.behaviour = "fail"
    request = every_use_stopped(customer, officer, capture)
    assert request.status == Status.IN_PROGRESS
    return request


def test_a_stop_decided_while_a_system_is_pending_cannot_be_decided_again(
    officer, double, django_capture_on_commit_callbacks
):
    """A second decision declined what the first had stopped: the request closed as
    rejected, its notice said the use was not stopped, and the restriction stayed."""
    from django.core.exceptions import ValidationError

    from consent.models import ProcessingRestriction
    from rights.models import RequestEvent

    customer = customer_with_records()
    request = _stop_waiting_for_a_system(
        customer, officer, double, django_capture_on_commit_callbacks
    )
    restrictions = list(ProcessingRestriction.objects.filter(subject=customer).values("pk"))
    with pytest.raises(ValidationError, match="already decided"):
        stop_decisions.stop_decide(
            request=request,
            decisions={"all": "decline"},
            reason="changed",
            ground="other",
            actor=officer,
        )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert RequestEvent.objects.filter(request=request, kind="stop").count() == 1
    assert list(ProcessingRestriction.objects.filter(subject=customer).values("pk")) == restrictions
    # Nor is it closed as rejected by hand, against the decision the person was told.
    with pytest.raises(TransitionError):
        transition(request, to=Status.REJECTED, actor=officer, reason="changed", ground="other")


def test_the_working_page_offers_no_second_decision(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    officer_client.cookies["django_language"] = "en"
    customer = customer_with_records()
    request = _stop_waiting_for_a_system(
        customer, officer, double, django_capture_on_commit_callbacks
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    assert 'id="rr-stop"' in page  # the purposes and their state now, read-only
    assert 'name="decision:' not in page
    assert "The decision is recorded" in page


def test_the_confirmation_of_a_decision_says_it_waits_for_the_systems(
    officer, double, django_capture_on_commit_callbacks
):
    """It said the request would be closed as completed; it stays in progress until the
    systems outside this database answered."""
    from django.utils import translation

    from rights.confirmations import stop_confirmation

    customer = customer_with_records()
    seed_double(double, customer)
    system = api_system(double)
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.STOP_USE, scope={"everything": True}
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with translation.override("en"):
        page = stop_confirmation(
            request, decisions={"all": "stop"}, measure="", reason="", ground=""
        )
        declined = stop_confirmation(
            request, decisions={"all": "decline"}, measure="", reason="No", ground="other"
        )
    text = " ".join(line.text for line in page.lines)
    assert f"asked to act too: {system.name}" in text
    assert "stays in progress until they have all answered" in text
    assert "asked to act too" not in " ".join(line.text for line in declined.lines)
