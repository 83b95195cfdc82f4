"""Disclosure packages (APPI Art. 33, GDPR Art. 15): the zip a customer receives.

The package of one customer holds every record the registry has about them,
and nothing about anyone else; JSON and CSV read back; the report is in the
customer's language and states purposes, retention, origins, recipients and
the records of provision to third parties.
"""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation

from consent import services as consent_services
from consent.models import (
    ConsentRecord,
    MarketingCampaign,
    MarketingDelivery,
    ProcessingRestriction,
    ProvisionRecord,
    Recipient,
)
from portal.kernel.registry import registry
from rights.choices import Kind
from rights.disclosure.package import (
    PackageSummary,
    iter_report_html,
    write_package,
    write_purpose_notice,
)
from rights.models import RightsRequest
from rights.retention.texts import retention_text
from rights.services import message_post, request_submit
from tests.consent_support import marketing_provision, purpose, recipients
from tests.factories import (
    InquiryFactory,
    InvoiceFactory,
    PaymentMethodFactory,
    ProfileFactory,
    RegistrationFactory,
    ServiceFactory,
    UsageRecordFactory,
)
from tests.formats_support import shown_date

pytestmark = pytest.mark.django_db

# What tells the twins apart; each must appear only in its owner's package.
MARKS = {
    "a": {"email": "taro@example.com", "phone": "03-5555-0123", "card": "4242", "word": "アルファ"},
    "b": {
        "email": "taro.b@example.com",
        "phone": "03-5555-0987",
        "card": "1881",
        "word": "ブラボー",
    },
}


def _customer(mark: str, *, language: str, services, to):
    values = MARKS[mark]
    user = ProfileFactory(
        full_name="山田 太郎",
        full_name_kana="ヤマダ タロウ",
        phone=values["phone"],
        postal_code="150-0002",
        address="東京都渋谷区渋谷2-21-1",
        date_of_birth=datetime.date(1988, 4, 12),
        user__email=values["email"],
        user__language=language,
    ).user
    mobile, video = services
    word = values["word"]
    RegistrationFactory(user=user, service=mobile, member_number=f"M-{word}")
    UsageRecordFactory.create_batch(3, user=user, service=mobile, detail=f"端末{word}")
    UsageRecordFactory(user=user, service=video, detail=f"ドラマ{word}")
    InvoiceFactory(user=user, service=mobile, number=f"INV-{word}")
    PaymentMethodFactory(user=user, last4=values["card"])
    InquiryFactory(user=user, service=mobile, message=f"請求について{word}")
    marketing_provision(user, to["affiliate"], data_items=f"氏名、メールアドレス（{word}）")
    consent_services.restriction_create(
        subject=user,
        scope=ProcessingRestriction.Scope.PROVISION,
        recipient=to["delivery"],
        source=ProcessingRestriction.Source.STAFF,
        reason="test",
    )
    campaign, _ = MarketingCampaign.objects.get_or_create(key="weekly-2026-W40")
    MarketingDelivery.objects.create(campaign=campaign, subject=user)
    request = request_submit(
        subject=user, requester=user, kind=Kind.DISCLOSURE, details=f"すべて開示{word}"
    )
    message_post(request=request, author=user, body=f"よろしく{word}")
    return user, request


@pytest.fixture
def twins():
    """Two customers with the same name and address; e-mail, phone and card differ."""
    services = (
        ServiceFactory(code="mobile", name="スマイルモバイル", name_en="Smile Mobile"),
        ServiceFactory(code="video", name="スマイルビデオ", name_en="Smile Video"),
    )
    to = recipients()
    a, a_request = _customer("a", language="ja", services=services, to=to)
    b, b_request = _customer("b", language="en", services=services, to=to)
    return a, a_request, b, b_request


def _build(request) -> tuple[PackageSummary, zipfile.ZipFile]:
    buffer = io.BytesIO()
    summary = write_package(request, buffer)
    buffer.seek(0)
    return summary, zipfile.ZipFile(buffer)


def _data(archive) -> dict:
    return json.loads(archive.read("data.json").decode("utf-8"))


def _csv(archive, name) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _all_text(archive) -> str:
    return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


def test_package_holds_all_of_one_customers_registry_data_and_none_of_the_twin(twins):
    """APPI Art. 33(1), GDPR Art. 15(3): a copy of every item of the customer's data.

    Every declared source that holds data about A appears with every declared
    field, every record of A is in data.json, and nothing of B (same name and
    address, other e-mail, phone, card and texts) is in any file.
    """
    a, a_request, b, _b_request = twins
    summary, archive = _build(a_request)
    data = _data(archive)

    expected = {(r.source, r.id) for r in registry.stream(a)}
    others = {(r.source, r.id) for r in registry.stream(b)}
    written = [(r["source"], r["id"]) for r in data["records"]]
    assert set(written) == expected and len(written) == len(expected)
    assert not set(written) & others

    for source in registry.sources():
        if not source.count(a):
            continue
        records = [r for r in data["records"] if r["source"] == source.key]
        assert records, source.key
        declared = {f.name for f in source.fields}
        assert all(set(r["values"]) == declared for r in records), source.key
    # The sources this fixture fills, so that the loop above has something to check.
    assert {key for key, _id in written} >= {
        "portal.user",
        "portal.profile",
        "portal.serviceregistration",
        "portal.usagerecord",
        "portal.invoice",
        "portal.paymentmethod",
        "portal.inquiry",
        "consent.consentrecord",
        "consent.processingrestriction",
        "consent.provisionrecord",
        "consent.marketingdelivery",
        "rights.rightsrequest",
        "rights.requestmessage",
        "rights.requestevent",
    }

    everything = _all_text(archive)
    for value in MARKS["a"].values():
        assert value in everything
    for value in MARKS["b"].values():
        assert value not in everything
    assert summary.total == len(expected)
    assert summary.sources == {
        key: sum(1 for k, _id in written if k == key) for key in dict.fromkeys(summary.sources)
    }
    assert summary.files[:3] == ["README.txt", "report.html", "data.json"]
    assert set(summary.files) == set(archive.namelist())


def test_json_and_csv_read_back_with_the_same_records(twins):
    """GDPR Art. 20: the data in a structured, machine-readable format."""
    _a, a_request, _b, _b_request = twins
    summary, archive = _build(a_request)
    data = _data(archive)
    assert data["format"] == "rights-portal/disclosure" and data["version"] == 1
    assert data["request"]["reference"] == a_request.reference
    assert data["total"] == len(data["records"]) == summary.total
    assert data["counts"] == summary.counts

    usage = _csv(archive, "csv/usage.csv")
    header, rows = usage[0], usage[1:]
    assert len(rows) == summary.counts["usage"] == 4
    assert "サービス" in header
    services = {row[header.index("サービス")] for row in rows}
    assert services == {"スマイルモバイル", "スマイルビデオ"}
    assert "端末アルファ" in {cell for row in rows for cell in row}
    # A stored code is shown as its label; the JSON keeps the code and adds the text.
    usage_json = [r for r in data["records"] if r["source"] == "portal.usagerecord"]
    assert usage_json[0]["values"]["channel"] == "app"
    assert usage_json[0]["text"]["channel"] != "app"
    for name in summary.files:
        if name.startswith("csv/"):
            rows = _csv(archive, name)
            assert len(rows) - 1 == summary.counts[name[4:-4]]
            assert len({len(row) for row in rows}) == 1, name  # rectangular


def test_json_values_are_the_stored_values_as_djangos_encoder_writes_them(twins):
    """GDPR Art. 20: every stored value of every record, in the form Django's JSON
    encoder gives it (moments in UTC to the millisecond, amounts as text), whatever
    encoder writes the file."""
    a, a_request, _b, _b_request = twins
    _summary, archive = _build(a_request)
    written = {(r["source"], r["id"]): r for r in _data(archive)["records"]}
    expected = {}
    for source in registry.sources():
        for record in source.stream(a):
            values = {name: record.values[name] for name in (f.name for f in source.fields)}
            expected[(source.key, record.id)] = json.loads(
                json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False)
            )
    assert set(written) == set(expected)
    for key, values in expected.items():
        assert written[key]["values"] == values, key
    usage = [r for r in written.values() if r["source"] == "portal.usagerecord"]
    assert usage and all(r["values"]["occurred_at"].endswith("Z") for r in usage)


def test_a_value_past_64_bits_is_written_as_it_is_stored(twins):
    """GDPR Art. 20: an integer too large for the fast JSON encoder (an amount from a
    billing system, say) is still written whole, not refused or rounded."""
    a, a_request, _b, _b_request = twins
    items = [{"name": "大口契約", "quantity": 1, "unit_price_jpy": 2**70 + 1}]
    invoice = a.invoices.get()
    invoice.items = items
    invoice.save(update_fields=["items"])
    _summary, archive = _build(a_request)
    (record,) = [
        r
        for r in _data(archive)["records"]
        if r["source"] == "portal.invoice" and r["id"] == invoice.pk
    ]
    assert record["values"]["items"] == items


def test_report_is_in_japanese_for_a_japanese_customer_and_english_for_an_english_one(twins):
    """APPI Art. 33(1): the answer is given in a form the person can read."""
    _a, a_request, _b, b_request = twins
    with translation.override("en"):
        _summary, archive = _build(a_request)
    report = archive.read("report.html").decode()
    assert '<html lang="ja">' in report
    assert "個人情報の開示" in report and "Disclosure of your personal data" not in report
    assert a_request.reference in report
    assert "利用目的" in report and "保存期間" in report
    assert "取得元" in report

    _summary, archive = _build(b_request)
    report = archive.read("report.html").decode()
    assert '<html lang="en">' in report and "Disclosure of your personal data" in report
    assert b_request.reference in report
    assert "Smile Mobile" in report


def test_report_states_retention_origins_recipients_and_provision_records(twins):
    """APPI Art. 33(5), GDPR Art. 15(1)(c)-(g): provision records about the customer,
    recipients, the retention period of each category and where the data came from."""
    a, a_request, _b, _b_request = twins
    chunks = list(iter_report_html(a_request))
    assert len(chunks) > 1
    # The printable page links its stylesheet: the CSP refuses inline styles.
    assert '<link rel="stylesheet" href="/static/css/disclosure-report.css">' in chunks[0]
    assert "<style>" not in chunks[0]
    report = "".join(chunks)
    with translation.override("ja"):
        usage_period = retention_text("usage-log")
        provision_period = retention_text("provision-record")
        origin = str(registry.source("portal.usagerecord").origin)
    assert usage_period and usage_period in report
    assert provision_period and provision_period in report
    assert origin in report
    # The provision record: date, recipient, items, ground; the keep-until date.
    record = ProvisionRecord.objects.get(subject=a)
    assert "氏名、メールアドレス（アルファ）" in report
    assert "サンプルグループ販売株式会社" in report
    # Days as the pages write them (2026年10月27日); ISO order is for the files.
    assert shown_date(record.provided_on, "ja") in report
    assert shown_date(record.provided_on.replace(year=record.provided_on.year + 3), "ja") in report
    assert record.provided_on.isoformat() not in report
    # Recipients, with the stop of provision the customer placed.
    assert "やまと配送株式会社" in report and "提供を停止" in report
    assert "アルファ" in report and "ブラボー" not in report
    assert "<script" not in report and "style=" not in report

    data = _data(_build(a_request)[1])
    items = [r["data_items"] for r in data["provision_records"]]
    assert items == ["氏名、メールアドレス（アルファ）"]
    stopped = {r["name"]: r["provision_stopped"] for r in data["recipients"]}
    assert stopped["やまと配送株式会社"] is True
    assert stopped["サンプルグループ販売株式会社"] is False
    usage = next(c for c in data["categories"] if c["code"] == "usage")
    assert usage["retention"] == [usage_period] and usage["purposes"]


def test_a_request_limited_to_a_service_leaves_out_the_other_services(twins):
    """APPI Art. 33(1): the disclosure covers what the person asked about."""
    a, _a_request, _b, _b_request = twins
    mobile = a.service_registrations.get().service
    request = request_submit(subject=a, requester=a, kind=Kind.DISCLOSURE, services=[mobile])
    summary, archive = _build(request)
    data = _data(archive)
    services = {r["service"] for r in data["records"]}
    assert services == {None, "mobile"}  # account-wide data serves every service
    assert "ドラマアルファ" not in _all_text(archive)
    assert summary.counts["usage"] == 3
    assert "スマイルモバイル" in archive.read("report.html").decode()


def test_no_data_is_a_valid_package(twins):
    """APPI Art. 33(1): "we hold no personal data about you" is an answer."""
    a, _a_request, _b, _b_request = twins
    # Someone without an account, whom staff could not match to any customer.
    unknown = RightsRequest.objects.create(
        kind=Kind.DISCLOSURE, due_at=timezone.now() + datetime.timedelta(days=14)
    )
    summary, archive = _build(unknown)
    assert summary.is_empty and summary.counts == {}
    assert sorted(archive.namelist()) == ["README.txt", "data.json", "report.html"]
    data = _data(archive)
    assert data["records"] == [] and data["total"] == 0
    report = archive.read("report.html").decode()
    assert "当社はお客様の個人データを保有していません。" in report
    assert "山田" not in report and "taro" not in _all_text(archive)

    # A customer who asked only about a kind of data the company does not hold.
    request = request_submit(subject=a, requester=a, kind=Kind.DISCLOSURE, categories=["payment"])
    PaymentMethodFactory._meta.model.objects.filter(user=a).delete()
    summary, archive = _build(request)
    assert summary.is_empty
    assert "お尋ねの種類またはサービスについて" in archive.read("report.html").decode()


def test_the_package_streams_into_a_file_that_cannot_seek(twins):
    """The caller may hand a pipe or an encrypting stream: the zip is written forward only."""
    _a, a_request, _b, _b_request = twins

    class ForwardOnly(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, chunk):
            self.data += chunk
            return len(chunk)

    sink = ForwardOnly()
    summary = write_package(a_request, sink)
    archive = zipfile.ZipFile(io.BytesIO(bytes(sink.data)))
    assert archive.testzip() is None
    assert set(archive.namelist()) == set(summary.files)


def test_the_report_leaves_the_callers_language_alone_between_chunks(twins):
    _a, a_request, _b, _b_request = twins
    with translation.override("en"):
        for _chunk in iter_report_html(a_request):
            assert translation.get_language() == "en"


def test_only_a_disclosure_request_makes_a_disclosure_package(twins):
    a, _a_request, _b, _b_request = twins
    other = request_submit(subject=a, requester=a, kind=Kind.PURPOSE_NOTICE)
    with pytest.raises(ValueError):
        write_package(other, io.BytesIO())


# -- the notice of purposes of use ------------------------------------------------------


def _notice(request):
    buffer = io.BytesIO()
    summary = write_purpose_notice(request, buffer)
    buffer.seek(0)
    archive = zipfile.ZipFile(buffer)
    return summary, archive, json.loads(archive.read("notice.json"))


def test_purpose_notice_says_for_each_purpose_whether_the_customers_data_is_used(twins):
    """APPI Art. 32(2): the customer is told the purposes of use of their data."""
    a, _a_request, b, _b_request = twins
    consent_services.consent_update(
        subject=a, choices={purpose("marketing"): False}, method=ConsentRecord.Method.DASHBOARD
    )
    consent_services.restriction_create(
        subject=a,
        scope=ProcessingRestriction.Scope.USE,
        purpose=purpose("other_contact"),
        source=ProcessingRestriction.Source.STOP_USE_REQUEST,
        reason="test",
    )
    request = request_submit(subject=a, requester=a, kind=Kind.PURPOSE_NOTICE)
    summary, archive, data = _notice(request)
    assert summary.files == ["notice.html", "notice.json"] == sorted(archive.namelist())

    lines = {p["code"]: p for p in data["purposes"]}
    assert lines["billing"]["used_for_you"] is True and lines["billing"]["required"]
    assert lines["marketing"]["used_for_you"] is False
    assert "撤回" in lines["marketing"]["why"]
    assert lines["other_contact"]["used_for_you"] is False
    assert "停止" in lines["other_contact"]["why"]
    assert "サンプルグループ販売株式会社" in lines["marketing"]["recipients"]
    assert [r["purpose"] for r in data["restrictions"] if r["scope"] == "use"] == ["other_contact"]
    assert data["company"]["email"] and data["company"]["address"]

    html = archive.read("notice.html").decode()
    assert '<html lang="ja">' in html and "利用目的の通知" in html
    # The staff's printable version of a notice is the notice.
    printable = "".join(iter_report_html(request, stylesheet_url="/static/css/x.css"))
    assert "利用目的の通知" in printable and 'href="/static/css/x.css"' in printable
    assert "<style>" not in printable
    assert request.reference in html and "ライツポータル株式会社" in html
    assert "第32条第2項" in html
    assert "<script" not in html and "style=" not in html

    # The twin still consents to marketing: their notice says so, in English.
    other = request_submit(subject=b, requester=b, kind=Kind.PURPOSE_NOTICE)
    _summary, archive, data = _notice(other)
    lines = {p["code"]: p for p in data["purposes"]}
    assert lines["marketing"]["used_for_you"] is True
    assert "consent" in lines["marketing"]["why"]
    assert "Notice of the purposes of use" in archive.read("notice.html").decode()


def test_purpose_notice_for_someone_without_data_lists_the_purposes(db):
    """APPI Art. 32(2): a person the company holds nothing about still learns the purposes."""
    unknown = RightsRequest.objects.create(
        kind=Kind.PURPOSE_NOTICE, due_at=timezone.now() + datetime.timedelta(days=14)
    )
    _summary, archive, data = _notice(unknown)
    assert data["purposes"] and all(p["used_for_you"] is None for p in data["purposes"])
    assert "保有していません" in archive.read("notice.html").decode()
    customer = ProfileFactory().user
    disclosure = request_submit(subject=customer, requester=customer, kind=Kind.DISCLOSURE)
    with pytest.raises(ValueError):
        write_purpose_notice(disclosure, io.BytesIO())


def test_request_scopes_read_as_sentences_in_the_report_and_the_csv(twins):
    """GDPR Art. 15, APPI Art. 33: the copy is intelligible; a stored scope is
    shown as what the customer asked for, never as a Python dict."""
    a, a_request, _b, _b_request = twins
    delivery = Recipient.objects.get(name_ja__startswith="やまと")
    request_submit(
        subject=a,
        requester=a,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [delivery.pk]},
        details="提供停止",
    )
    request_submit(subject=a, requester=a, kind=Kind.DELETION, scope={"everything": False})

    _summary, archive = _build(a_request)

    report = archive.read("report.html").decode("utf-8")
    requests_csv = archive.read("csv/requests.csv").decode("utf-8-sig")
    for text in (report, requests_csv):
        assert "{'" not in text and "{&#x27;" not in text and "'recipients'" not in text
        assert "やまと配送株式会社" in text
        assert "請求で選ばれたデータ" in text


def test_readme_report_and_data_agree_on_the_record_count(twins):
    """README.txt, report.html and data.json state one record count (issue 20, item 10):
    a profile's fields fall in four kinds of data, listed under each, counted once."""
    _a, _a_request, _b, b_request = twins
    summary, archive = _build(b_request)
    total = _data(archive)["total"]
    assert total == summary.total
    categories = _data(archive)["counts"]
    assert sum(categories.values()) > total  # the profile is listed under several kinds
    readme = archive.read("README.txt").decode()
    report = archive.read("report.html").decode()
    assert f"This package holds {intcomma(total)} records about you." in readme
    assert re.search(rf"We hold\s+{intcomma(total)} records about you", report)


def _questions_line(archive) -> str:
    readme = archive.read("README.txt").decode()
    return next(
        line for line in readme.splitlines() if line.startswith(("Questions", "お問い合わせ"))
    )


def test_readme_names_the_company_once_where_the_office_address_names_it(twins, settings):
    """APPI art. 32(1): the company's name and where to ask. The demo's office address
    already names the company; the README read "Questions: Rights Portal K.K.,
    Privacy Office, Rights Portal K.K., …"."""
    a, a_request, _b, b_request = twins
    _summary, archive = _build(b_request)
    line = _questions_line(archive)
    assert line.count("Rights Portal K.K.") == 1, line
    assert "Privacy Office, Rights Portal K.K., 1-2-3 Dogenzaka" in line
    assert settings.PRIVACY_OFFICE_EMAIL in line and settings.PRIVACY_OFFICE_PHONE in line
    _summary, archive = _build(a_request)
    line = _questions_line(archive)
    assert line.count("ライツポータル株式会社") == 1, line


def test_readme_names_the_company_where_the_office_address_does_not(twins, settings):
    settings.PRIVACY_OFFICE_ADDRESS_EN = "1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043"
    _a, _a_request, _b, b_request = twins
    _summary, archive = _build(b_request)
    line = _questions_line(archive)
    assert "Rights Portal K.K., 1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043" in line, line
