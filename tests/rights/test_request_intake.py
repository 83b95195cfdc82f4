"""Request intake: a request names what it covers, is reviewed before it is filed, and a
failed form says what is wrong at the top (issue 25)."""

import re

import pytest
from django.core import mail
from django.utils import translation

from portal.kernel.models import Profile
from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import Kind, Status
from rights.models import RightsRequest
from rights.retention import planning
from rights.retention.models import DeferredErasure
from rights.retention.scope import EmptyDeletionScope, requested_scope
from rights.summary import summary_of
from tests.consent_support import recipients
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory
from tests.formats_support import shown_date
from tests.intake_support import file_through_review, is_review, review_fields
from tests.rights.fee_support import publish
from tests.rights.identity_support import file_public_request
from tests.rights.retention_support import customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

EMPTY_DELETION = "Choose what to delete: everything (and close your account), or at least one"


@pytest.fixture
def customer(db):
    """The pages are asserted in English."""
    return ProfileFactory(user__language="en").user


@pytest.fixture
def stepped_up_client(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "en"
    return stepped_up_client


def _refused(response, message):
    assert response.status_code == 200
    assert not is_review(response)
    assert message in response.content.decode()
    assert RightsRequest.objects.count() == 0


# -- 1. a deletion or stop names what it covers ------------------------------------------------


@pytest.mark.parametrize("step", ["review", "file"])
def test_an_empty_deletion_form_is_refused_and_files_nothing(stepped_up_client, step):
    """APPI art. 35 / GDPR art. 17: nothing chosen is not "everything but the account"."""
    for data in ({}, {"details": "Please delete."}, {"everything": ""}):
        response = stepped_up_client.post("/requests/new/deletion/", {**data, "step": step})
        _refused(response, EMPTY_DELETION)


@pytest.mark.parametrize("step", ["review", "file"])
def test_an_empty_stop_of_use_form_is_refused_and_files_nothing(stepped_up_client, step):
    """APPI art. 35(1): a stop of use names the uses, or every use."""
    response = stepped_up_client.post(
        "/requests/new/stop_use/", {"details": "You mailed me.", "step": step}
    )
    _refused(response, "Choose at least one use, or every use.")


@pytest.mark.parametrize("step", ["review", "file"])
def test_an_empty_stop_of_provision_form_is_refused_and_files_nothing(stepped_up_client, step):
    """APPI art. 35(3): a stop of provision names the recipients, or every recipient."""
    response = stepped_up_client.post(
        "/requests/new/stop_provision/", {"details": "No more sharing.", "step": step}
    )
    _refused(response, "Choose at least one recipient, or every recipient.")


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        ("stop_use", "purposes", "Choose either every use, or the uses below."),
        ("stop_provision", "recipients", "Choose either every recipient, or the recipients below."),
    ],
)
def test_a_stop_of_everything_and_of_some_items_at_once_is_refused(
    stepped_up_client, kind, field, message
):
    """APPI art. 35: what is to stop is the customer's to say; "everything" does not
    silently win over the items they ticked."""
    choices = recipients() if kind == "stop_provision" else None
    item = str(next(iter(choices.values())).pk) if choices else "marketing"
    response = stepped_up_client.post(
        f"/requests/new/{kind}/",
        {"everything": "on", field: [item], "details": "Stop it.", "step": "file"},
    )
    _refused(response, message)


def test_deleting_everything_says_the_account_will_be_closed_before_and_after_filing(
    stepped_up_client, customer
):
    """APPI art. 35(5)-(6) / GDPR art. 17: the review spells out the account's closure."""
    review = stepped_up_client.post("/requests/new/deletion/", {"everything": "on"})
    assert is_review(review)
    text = review.content.decode()
    assert "Your account will be closed: you can no longer log in." in text
    assert "Delete everything we hold about you, in every service." in text
    assert "cannot be undone" in text
    assert RightsRequest.objects.count() == 0

    response = stepped_up_client.post(
        "/requests/new/deletion/", {**review_fields(text), "step": "file"}
    )
    filed = RightsRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/requests/{filed.pk}/"
    assert (filed.kind, filed.scope, filed.subject) == (
        Kind.DELETION,
        {"everything": True},
        customer,
    )
    page = stepped_up_client.get(response.url).content.decode()
    assert "Your account will be closed: you can no longer log in." in page


def test_a_deletion_of_one_service_names_it_keeps_the_account_and_the_tax_rule(
    stepped_up_client, customer
):
    """Corporation Tax Act Enforcement Regulations art. 59: the review says what may be kept."""
    service = ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    RegistrationFactory(user=customer, service=service)
    data = {"services": [str(service.pk)], "categories": ["transactions"]}
    review = stepped_up_client.post("/requests/new/deletion/", data)
    text = review.content.decode()
    assert is_review(review)
    assert "Only these services: Mobile." in text
    assert "These kinds of data: Transactions and invoices." in text
    assert "Your account stays open and you can still log in." in text
    assert "Transaction documents (invoices, receipts): Kept for 7 years" in text
    assert "Free of charge: the law allows no fee for this request." in text
    response = file_through_review(stepped_up_client, "/requests/new/deletion/", data)
    assert response.status_code == 302
    filed = RightsRequest.objects.get()
    assert list(filed.services.all()) == [service]
    assert filed.categories == ["transactions"]
    assert filed.scope == {"everything": False}


def test_a_disclosure_with_nothing_chosen_says_everything_the_fee_and_the_deadline(
    stepped_up_client,
):
    """APPI arts. 33 and 38: everything is disclosed, the published fee and the due date shown."""
    publish(amount=1500)
    review = stepped_up_client.post("/requests/new/disclosure/", {"delivery_method": "electronic"})
    text = review.content.decode()
    assert is_review(review)
    assert "A copy of everything we hold about you: every kind of data." in text
    assert "All our services (you are not registered with any of them)." in text
    assert "Our published fee of ¥1,500 applies (APPI art. 38)." in text
    due = re.search(r"By (\d{1,2} \w{3} \d{4}) JST at the latest", text).group(1)
    assert RightsRequest.objects.count() == 0
    response = stepped_up_client.post(
        "/requests/new/disclosure/", {**review_fields(text), "step": "file"}
    )
    assert response.status_code == 302
    filed = RightsRequest.objects.get()
    assert shown_date(filed.due_at, "en") == due


def test_change_goes_back_to_the_form_with_the_values_kept(stepped_up_client):
    data = {"purposes": ["marketing"], "details": "Stop the newsletters."}
    review = stepped_up_client.post("/requests/new/stop_use/", data)
    assert is_review(review)
    back = stepped_up_client.post(
        "/requests/new/stop_use/", {**review_fields(review.content.decode()), "step": "change"}
    )
    assert back.status_code == 200 and not is_review(back)
    form = back.context["form"]
    assert form["purposes"].value() == ["marketing"]
    assert form["details"].value() == "Stop the newsletters."
    assert re.search(r'value="marketing"[^>]*checked', back.content.decode())
    assert RightsRequest.objects.count() == 0


def test_every_kind_goes_through_the_review_before_anything_is_filed(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    recipient = recipients()["delivery"]
    # A paper answer is posted to the address in the account settings.
    customer.profile.postal_code, customer.profile.address = "150-0002", "東京都渋谷区渋谷2-21-1"
    customer.profile.save()
    valid = {
        Kind.DISCLOSURE: {"delivery_method": "paper"},
        Kind.PURPOSE_NOTICE: {"delivery_method": "electronic"},
        Kind.DELETION: {"categories": ["usage"]},
        Kind.STOP_USE: {"everything": "on", "details": "x"},
        Kind.STOP_PROVISION: {"recipients": [str(recipient.pk)], "details": "x"},
    }
    mail.outbox.clear()
    for n, (kind, data) in enumerate(valid.items(), start=1):
        with django_capture_on_commit_callbacks(execute=True):
            response = file_through_review(stepped_up_client, f"/requests/new/{kind}/", data)
        assert response.status_code == 302, kind
        assert RightsRequest.objects.count() == n
    assert len(mail.outbox) == len(valid)


# -- the engine refuses a deletion that names nothing ------------------------------------------


def test_the_erasure_engine_refuses_a_deletion_that_names_nothing(officer):
    """GDPR art. 17 / APPI art. 35: a request naming nothing erases nothing."""
    customer = customer_with_records()
    request = file_deletion(customer)
    with pytest.raises(EmptyDeletionScope):
        requested_scope(request)
    with pytest.raises(EmptyDeletionScope):
        planning.deletion_plan(request)
    assert DeferredErasure.objects.count() == 0
    # Nor does the workflow let it be carried out (rights.transition_rules.scope_named).
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    with pytest.raises(workflow.TransitionError, match="names no service"):
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    profile = Profile.objects.get(user=customer)
    assert (profile.full_name, profile.phone) == ("Hanako Sato", "03-5555-0123")
    assert UsageRecord.objects.filter(user=customer).count() == 3
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


# -- 3. the error summary ----------------------------------------------------------------------


def test_a_failed_form_opens_with_an_error_summary_linked_to_each_field(stepped_up_client):
    response = stepped_up_client.post("/requests/new/disclosure/", {"delivery_method": "pigeon"})
    text = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', text, re.S).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert re.search(r'<a href="#id_delivery_method_0">[^<]*pigeon', summary)
    # The field keeps its own message, in a list that keeps its list role.
    assert 'id="id_delivery_method_error"' in text
    assert not re.search(r'<ul[^>]*role="alert"', text)
    assert "/static/js/error-summary.js" in text
    assert RightsRequest.objects.count() == 0


# -- the form without an account names what it covers too --------------------------------------


@pytest.mark.parametrize(
    "kind,message",
    [
        ("deletion", "Choose what to delete: everything (and close the account)"),
        ("stop_use", "Choose at least one use to stop, or everything."),
        ("stop_provision", "Choose at least one recipient to stop providing to, or everything."),
    ],
)
def test_the_form_without_an_account_refuses_an_empty_deletion_or_stop(
    client, django_capture_on_commit_callbacks, kind, message
):
    """APPI arts. 35 and 37: an agent's deletion or stop names what it covers."""
    client.cookies["django_language"] = "en"
    response = file_public_request(
        client, "agent@example.com", django_capture_on_commit_callbacks, kind=kind
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert RightsRequest.objects.count() == 0


def test_the_form_without_an_account_files_what_was_chosen(
    client, django_capture_on_commit_callbacks
):
    recipient = recipients()["affiliate"]
    cases = [
        ({"kind": "deletion", "everything": "on"}, [], {"everything": True}),
        ({"kind": "deletion", "categories": ["usage", "contact"]}, ["contact", "usage"], None),
        ({"kind": "stop_use", "purposes": ["marketing"]}, [], {"purposes": ["marketing"]}),
        (
            {"kind": "stop_provision", "recipients": [str(recipient.pk)]},
            [],
            {"recipients": [recipient.pk]},
        ),
    ]
    for n, (overrides, categories, scope) in enumerate(cases, start=1):
        client.cookies.clear()
        response = file_public_request(
            client, f"agent{n}@example.com", django_capture_on_commit_callbacks, **overrides
        )
        assert response.status_code == 302, response.context["form"].errors
        filed = RightsRequest.objects.latest("pk")
        assert (filed.kind, filed.categories) == (overrides["kind"], categories)
        assert filed.scope == (scope or {"everything": False})
    assert RightsRequest.objects.count() == len(cases)


def test_a_deletion_entered_by_staff_names_what_it_covers(customer, officer_client):
    """APPI art. 35: a deletion received by letter names what it covers, like any other."""
    officer_client.cookies["django_language"] = "en"
    entry = {
        "subject_email": customer.email,
        "kind": "deletion",
        "channel": "mail",
        "received_on": "2026-01-05",
        "regime": "appi",
        "details": "Please delete my data (letter).",
    }
    response = officer_client.post("/admin/rights/rightsrequest/enter/", entry)
    assert response.status_code == 200
    assert "Choose what to delete: everything (and close the account)" in (
        response.content.decode()
    )
    assert RightsRequest.objects.count() == 0
    entry["categories"] = ["usage"]
    response = officer_client.post("/admin/rights/rightsrequest/enter/", entry)
    assert response.status_code == 302
    filed = RightsRequest.objects.get()
    assert (filed.categories, filed.scope) == (["usage"], {"everything": False})


@pytest.mark.parametrize("kind", ["disclosure", "deletion"])
def test_a_customer_without_services_is_not_shown_an_empty_services_choice(
    stepped_up_client, customer, kind
):
    """A customer registered with no service saw a "Services" heading with nothing
    under it to choose, and "Leave empty for all services"; the choice is left out,
    and the request is filed as before, about every kind of data chosen."""
    url = f"/requests/new/{kind}/"
    page = stepped_up_client.get(url).content.decode()
    assert "Kinds of data" in page
    assert "<legend>Services" not in page
    assert 'id="id_services"' not in page
    assert "for all services" not in page and "With no service chosen" not in page
    assert "services chosen above" not in page

    data = {"delivery_method": "electronic"} if kind == "disclosure" else {}
    response = file_through_review(stepped_up_client, url, {**data, "categories": ["contact"]})
    assert response.status_code == 302
    filed = RightsRequest.objects.get(subject=customer, kind=kind)
    assert filed.categories == ["contact"] and filed.services.count() == 0


def test_a_customer_with_a_service_still_chooses_among_their_services(stepped_up_client, customer):
    service = ServiceFactory()
    RegistrationFactory(user=customer, service=service)
    page = stepped_up_client.get("/requests/new/deletion/").content.decode()
    assert 'id="id_services"' in page and service.display_name in page


# -- the review says what is true: a deletion is final, a stop can be lifted; a customer
# -- registered with no service is not told of services they use (APPI art. 35; GDPR
# -- arts. 17, 18, 21)

DELETION_FINAL = "Once we have carried it out, a deletion cannot be undone."
STOP_USE_LIFTED = "we stop using your data as asked until you ask us to lift the stop"
STOP_PROVISION_LIFTED = (
    "we stop providing your data to others as asked until you ask us to lift the stop"
)


def _review(client, kind, data, language="en"):
    client.cookies["django_language"] = language
    response = client.post(f"/requests/new/{kind}/", data)
    assert is_review(response)
    return response.content.decode()


def test_appi_art_35_a_deletion_is_said_to_be_final(stepped_up_client):
    text = _review(stepped_up_client, "deletion", {"everything": "on"})
    assert DELETION_FINAL in text
    assert "lift the stop" not in text


def test_appi_art_35_a_stop_of_use_is_not_said_to_be_final(stepped_up_client):
    text = _review(stepped_up_client, "stop_use", {"purposes": ["marketing"], "details": "x"})
    assert "cannot be undone" not in text
    assert STOP_USE_LIFTED in text


def test_appi_art_35_3_a_stop_of_provision_is_not_said_to_be_final(stepped_up_client):
    recipient = recipients()["delivery"]
    text = _review(
        stepped_up_client, "stop_provision", {"recipients": [str(recipient.pk)], "details": "x"}
    )
    assert "cannot be undone" not in text
    assert STOP_PROVISION_LIFTED in text


def test_the_japanese_review_says_the_same(stepped_up_client):
    deletion = _review(stepped_up_client, "deletion", {"everything": "on"}, "ja")
    assert "削除は、実施した後は元に戻せません。" in deletion
    stop = _review(stepped_up_client, "stop_use", {"purposes": ["marketing"], "details": "x"}, "ja")
    assert "元に戻せません" not in stop
    assert "停止の解除をお申し出いただくまで" in stop


def test_a_customer_with_no_service_is_not_told_of_services_they_use(stepped_up_client):
    text = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"})
    assert "Every service you use with us." not in text
    assert "All our services (you are not registered with any of them)." in text
    ja = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"}, "ja")
    assert "当社のすべてのサービス（お客様が登録しているサービスはありません）。" in ja


def test_a_customer_with_a_service_reads_every_service_they_use(stepped_up_client, customer):
    RegistrationFactory(user=customer, service=ServiceFactory())
    text = _review(stepped_up_client, "disclosure", {"delivery_method": "electronic"})
    assert "Every service you use with us." in text


def test_the_filed_request_of_a_customer_with_no_service_says_the_same(stepped_up_client, customer):
    response = file_through_review(
        stepped_up_client, "/requests/new/deletion/", {"categories": ["contact"]}
    )
    assert response.status_code == 302
    filed = RightsRequest.objects.get(subject=customer)
    with translation.override("en"):
        assert summary_of(filed).services == (
            "All our services (you are not registered with any of them)."
        )
