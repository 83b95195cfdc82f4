"""Issue 20, acceptance 2: every customer page, every e-mail and the disclosure
package render in the reader's language, with no untranslated sentence and no
Python repr in the visible text (detector: ``tests.language_leaks``)."""

from __future__ import annotations

import glob
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.template.loader import render_to_string
from django.utils import translation

from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Kind, Status
from rights.disclosure.models import DisclosurePackage
from rights.disclosure.package import write_package, write_purpose_notice
from rights.disclosure.services import download_path
from rights.fees import fee_request, payment_record
from rights.models import RequestNotification
from rights.notice_text import render_notice
from rights.services import message_post, request_submit
from tests.conftest import step_up
from tests.consent_support import recipients
from tests.factories import PASSWORD, PaymentMethodFactory
from tests.language_leaks import leaks, visible_text
from tests.rights.fee_support import publish
from tests.rights.retention_support import customer_with_records

pytestmark = pytest.mark.django_db

LANGUAGES = ("ja", "en")
#: The test customer's own data (factory defaults) shown as stored, in Japanese.
CUSTOMER_DATA = ("請求について", "先月の請求額を教えてください。", "月額料金", "スタンダード")
ROOT = Path(settings.BASE_DIR)
#: What the e-mail templates count; every other variable renders empty.
EMAIL_CONTEXT = {"valid_minutes": 10, "valid_hours": 24, "count": 2}


@pytest.fixture
def package_storage(tmp_path, monkeypatch):
    field = DisclosurePackage._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path / "p")))


def _world(language: str, django_capture_on_commit_callbacks):
    """A customer with data and a request of each kind, in several states."""
    publish(amount=1000)
    publish(kind=Kind.PURPOSE_NOTICE, amount=500)
    recipients()
    officer, _device, _ = staff_create(email=f"po-{language}@example.com", password=PASSWORD)
    customer = customer_with_records(language=language)
    PaymentMethodFactory(user=customer, exp_year=2030)
    requests = {}
    with django_capture_on_commit_callbacks(execute=True):
        for kind in Kind.values:
            extra = {"scope": {"everything": True}} if kind != Kind.DISCLOSURE else {}
            requests[kind] = request_submit(
                subject=customer,
                requester=customer,
                kind=kind,
                delivery_method="electronic" if kind in (Kind.DISCLOSURE,) else "",
                **extra,
            )
        fee = requests[Kind.PURPOSE_NOTICE]
        workflow.transition(fee, to=Status.IN_REVIEW, actor=officer)
        fee_request(request=fee, actor=officer)
        done = requests[Kind.DISCLOSURE]
        workflow.transition(done, to=Status.IN_REVIEW, actor=officer)
        message_post(request=done, author=officer, body="OK")
        workflow.transition(done, to=Status.IN_PROGRESS, actor=officer)
        rejected = requests[Kind.DELETION]
        workflow.transition(rejected, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(rejected, to=Status.REJECTED, actor=officer, reason="…", ground="other")
        workflow.transition(requests[Kind.STOP_USE], to=Status.WITHDRAWN, actor=customer)
        paid = request_submit(
            subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="paper"
        )
        workflow.transition(paid, to=Status.IN_REVIEW, actor=officer)
        payment_record(payment=fee_request(request=paid, actor=officer), method="bank_transfer")
        requests["paid"] = paid
    for request in requests.values():
        request.refresh_from_db()
    return customer, requests


def _check(found: dict[str, list[str]]) -> None:
    bad = {where: sorted(set(items)) for where, items in found.items() if items}
    assert not bad, "\n".join(f"{where}: {items}" for where, items in bad.items())


def _allowed(language):
    return CUSTOMER_DATA if language == "en" else ()


@pytest.mark.usefixtures("package_storage")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_customer_page_is_in_the_readers_language(
    client, language, django_capture_on_commit_callbacks
):
    customer, requests = _world(language, django_capture_on_commit_callbacks)
    client.cookies["django_language"] = language
    public = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    public += ["/accounts/verify/resend/", "/fees/", "/privacy/", "/consent/policy/"]
    public += ["/requests/start/", "/no-such-page/"]
    found = {url: leaks(visible_text(client.get(url).content.decode()), language) for url in public}
    client.force_login(customer)
    found["/accounts/code/"] = leaks(
        visible_text(client.get("/accounts/code/").content.decode()), language
    )
    client = step_up(client, customer, django_capture_on_commit_callbacks, language)
    pages = ["/", "/account/", "/my-data/", "/consent/", "/requests/", "/requests/new/"]
    pages += ["/account/password/", "/account/authenticator/"]
    pages += [f"/requests/new/{kind}/" for kind in Kind.values]
    pages += [f"/requests/{r.pk}/" for r in requests.values()]
    pages += [f"/requests/{requests[Kind.STOP_PROVISION].pk}/withdraw/"]
    package = DisclosurePackage.objects.filter(request=requests[Kind.DISCLOSURE]).first()
    assert package is not None
    pages.append(download_path(package))
    pages.append(f"/requests/{requests['paid'].pk}/receipt/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found[url] = leaks(visible_text(response.content.decode()), language, _allowed(language))
    DisclosurePackage.objects.filter(pk=package.pk).update(download_count=package.max_downloads)
    response = client.get(download_path(package))  # used up: the page to ask again
    assert response.status_code == 410
    found["download used up"] = leaks(visible_text(response.content.decode()), language)
    for kind, data in (
        (Kind.DISCLOSURE, {"delivery_method": "electronic"}),
        (Kind.DELETION, {"everything": "on"}),
    ):
        url = f"/requests/new/{kind}/"
        response = client.post(url, data)
        found[f"{url} (review)"] = leaks(
            visible_text(response.content.decode()), language, _allowed(language)
        )
    _check(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_is_in_the_readers_language(language):
    """Every e-mail template, with an empty context, and every notice of a request."""
    found = {}
    with translation.override(language):
        for path in sorted(
            glob.glob(str(ROOT / "templates/emails/*.txt"))
            + glob.glob(str(ROOT / "consent/templates/emails/*.txt"))
        ):
            name = path.split("/templates/", 1)[1]
            found[name] = leaks(render_to_string(name, EMAIL_CONTEXT), language)
    customer = customer_with_records(language=language)
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )
    for kind in RequestNotification.Kind.values:
        notice = RequestNotification.objects.create(
            request=request,
            kind=kind,
            context={"due_at": request.due_at.isoformat(), "reason": "", "status": "in_review"},
        )
        for has_account in (True, False):
            subject, body = render_notice(
                notice, language=language, has_account=has_account, follow_url="https://x/f/"
            )
            found[f"notice {kind} {has_account}"] = leaks(f"{subject}\n{body}", language)
    _check(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_package_report_and_notice_are_in_the_readers_language(language):
    customer = customer_with_records(language=language)
    found = {}
    for kind, write in (
        (Kind.DISCLOSURE, write_package),
        (Kind.PURPOSE_NOTICE, write_purpose_notice),
    ):
        request = request_submit(
            subject=customer, requester=customer, kind=kind, delivery_method="electronic"
        )
        buffer = io.BytesIO()
        write(request, buffer)
        with zipfile.ZipFile(buffer) as archive:
            for name in archive.namelist():
                if name.endswith((".html", ".txt")):
                    text = archive.read(name).decode()
                    shown = visible_text(text) if name.endswith(".html") else text
                    found[f"{kind} {name}"] = leaks(shown, language, _allowed(language))
    _check(found)


def test_the_detector_finds_english_japanese_and_reprs():
    ja = "ご請求を受け付けました。We will answer by the date shown. Rights Portal から送信"
    assert leaks(ja, "ja") == ["We will answer by the date shown"]
    assert leaks("請求 R-000001、a@example.com、https://x.example/a/b/", "ja") == []
    assert leaks("Your request is filed.", "en") == []
    assert leaks("Your request 請求 is filed.", "en") == ["請求"]
    assert leaks("Scope: {'everything': True}", "en") == ["{'everything':"]
    assert leaks("対象：['a', 'b']", "ja") == ["['a',"]
    assert leaks("値：None", "ja") == ["None"]
    assert leaks("<User: a@example.com>", "en") == ["<User: "]
