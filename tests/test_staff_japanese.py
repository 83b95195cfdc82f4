"""The Japanese admin speaks Japanese: django-otp's names and login labels, the request
reference, identity decisions and the audit trail's actions (issue 20, item 15)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.audit import audit_log
from portal.kernel.audit_labels import ACTION_LABELS, action_label
from portal.kernel.roles import PRIVACY_OFFICER, SERVICE_HANDLER
from rights.reports.svg_charts import monthly_bars
from rights.requesters.admin import DECISIONS
from rights.services import request_submit
from tests.factories import ProfileFactory, RegistrationFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _officer_client(language="ja", role=PRIVACY_OFFICER):
    user = UserFactory(is_staff=True, password=None, language=language)
    user.groups.add(Group.objects.get(name=role))
    device = TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client, user


def test_the_admin_login_labels_the_code_field_in_japanese():
    client = Client()
    client.cookies["django_language"] = "ja"
    page = client.get("/admin/login/").content.decode()
    assert "確認コード：" in page
    assert "OTP Token:" not in page


def test_the_otp_apps_and_devices_have_japanese_names_on_the_admin_index():
    client, _ = _officer_client()
    page = client.get("/admin/").content.decode()
    assert "認証アプリ" in page
    for english in ("Otp_Email", "Otp_Totp", "Email devices", "TOTP devices"):
        assert english not in page


@pytest.mark.parametrize("app", ["otp_totp", "otp_email"])
def test_a_device_list_is_named_apart_from_its_group(app):
    """The breadcrumb read 「認証アプリ › 認証アプリ」: the group and its one list said the same."""
    client, _ = _officer_client()
    page = client.get(f"/admin/{app}/").content.decode()
    group = re.search(r'class="section"[^>]*>(.*?)</a>', page).group(1)
    listed = re.search(r'<th scope="row"[^>]*>\s*<a href="[^"]+">(.*?)</a>', page).group(1)
    assert group.strip() != listed.strip()


def test_the_request_list_and_form_name_the_reference_in_japanese():
    client, _ = _officer_client()
    customer = UserFactory()
    filed = request_submit(subject=customer, requester=customer, kind="disclosure")
    listing = client.get("/admin/rights/rightsrequest/").content.decode()
    assert "受付番号" in listing and ">Reference<" not in listing
    form = client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/").content.decode()
    assert "受付番号：" in form  # Django's label suffix, full-width in Japanese
    assert "Reference:" not in form


def test_identity_decisions_are_told_to_staff_in_japanese():
    messages = [message for _service, message in DECISIONS.values()]
    with translation.override("en"):
        english = [str(message) for message in messages]
    with translation.override("ja"):
        japanese = [str(message) for message in messages]
    assert english[0] == "Identity verified: the request is in review."
    assert all(ja != en and ja.endswith("。") for ja, en in zip(japanese, english, strict=True))


def test_every_action_code_has_a_label_in_both_languages():
    for language in ("en", "ja"):
        with translation.override(language):
            for code in ACTION_LABELS:
                assert action_label(code) != code
    with translation.override("ja"):
        assert action_label("hold.placed") == "リーガルホールド設定"
        assert action_label("staff.viewed_legalhold_list").startswith("一覧を閲覧：")
        assert action_label("staff.viewed_rightsrequest").startswith("閲覧：")
    with translation.override("en"):
        assert action_label("staff.viewed_legalhold_list") == "Viewed the list: Legal holds"
        assert action_label("something.new") == "something.new"


def _codes_the_code_writes() -> set[str]:
    """Every literal action code passed to the audit trail, the fee moves' actions and
    the retention jobs' run events."""
    from pathlib import Path

    from rights.models import RetentionRun
    from rights.payment_transitions import PAYMENT_TRANSITIONS

    root = Path(__file__).resolve().parents[1]
    codes = set()
    for app in ("portal", "rights", "consent"):
        for path in (root / app).rglob("*.py"):
            for line in path.read_text().splitlines():
                if re.search(r"\b(audit_)?action=", line):
                    codes |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', line))
    codes |= {code for moves in PAYMENT_TRANSITIONS.values() for code in moves.values()}
    codes |= {f"retention.{job}" for job in RetentionRun.Job.values}
    return codes


def test_every_action_the_code_writes_has_a_label_in_japanese():
    """An auditor reading the trail in Japanese sees what happened, not a code such as
    fee.waived or connector.failed."""
    codes = _codes_the_code_writes()
    assert {"fee.waived", "connector.failed", "hold.placed"} <= codes
    unlabelled = sorted(code for code in codes if code not in ACTION_LABELS)
    assert unlabelled == []
    with translation.override("en"):
        english = {code: action_label(code) for code in codes}
    with translation.override("ja"):
        untranslated = sorted(code for code in codes if action_label(code) == english[code])
    assert untranslated == []


def test_the_audit_list_shows_labels_with_the_code_on_hover():
    client, officer = _officer_client()
    audit_log(action="staff.viewed_legalhold_list", actor=officer, target="rights.legalhold")
    page = client.get("/admin/portal/auditevent/").content.decode()
    assert 'title="staff.viewed_legalhold_list">一覧を閲覧：' in page
    assert ">staff.viewed_legalhold_list<" not in page


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/admin/rights/rightsrequest/", "開示等の請求の一覧"),
        ("/admin/consent/consentrecord/", "同意記録の一覧"),  # view only
    ],
)
def test_a_list_is_headed_by_what_it_lists(path, title):
    """Django's Japanese heads a list 「変更する 開示等の請求 を選択」 ("select … to change")."""
    client, _user = _officer_client()
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert f"<title>{title} |" in html
    assert "する" not in html.split("<title>")[1].split("</title>")[0]


def test_the_admin_login_labels_the_code_field_in_english():
    """django-otp's own label, "OTP Token", is jargon to staff."""
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/admin/login/").content.decode()
    assert '<label for="id_otp_token" class="required">Code from your authenticator app:<' in page
    assert "OTP Token" not in page


def test_the_working_page_writes_its_labels_with_a_full_width_colon():
    """「方法：電子データでダウンロード」, not 「方法: …」, as every Japanese label."""
    client, _ = _officer_client()
    customer = UserFactory()
    filed = request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    form = client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/").content.decode()
    assert "方法：<strong>" in form
    assert "方法: " not in form


def test_the_working_page_names_where_a_paper_answer_goes_with_a_full_width_colon():
    """「郵送先：」 above the address, as the other labels of the disclosure section."""
    client, _ = _officer_client()
    customer = ProfileFactory(postal_code="100-0001", address="東京都千代田区千代田1-1").user
    filed = request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="paper"
    )
    form = client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/").content.decode()
    assert "東京都千代田区千代田1-1" in form
    assert "郵送先：" in form
    assert "郵送先:" not in form


def test_the_dashboard_chart_reads_each_bar_with_a_full_width_colon():
    """Each bar's title: 「2026-11 受け付けた請求：2」 in Japanese, "…: 2" in English."""
    trend = [{"month": dt.date(2026, 11, 1), "received": 2}]
    with translation.override("ja"):
        chart = monthly_bars(trend, title="t", series=[("received", "受け付けた請求")])
    assert "<title>2026-11 受け付けた請求：2</title>" in chart
    with translation.override("en"):
        chart = monthly_bars(trend, title="t", series=[("received", "requests received")])
    assert "<title>2026-11 requests received: 2</title>" in chart


# django-otp's own help text began so.
OTP_HELP = "Search by"


@pytest.mark.parametrize(
    ("path", "language", "said", "not_said"),
    [
        ("/admin/otp_totp/totpdevice/", "ja", "アカウントのメールアドレスで検索します。", OTP_HELP),
        ("/admin/otp_totp/totpdevice/", "en", "Search by the account's e-mail address.", "メール"),
        (
            "/admin/otp_email/emaildevice/",
            "ja",
            "アカウントのメールアドレス、またはコードの送信先で検索します。",
            OTP_HELP,
        ),
        (
            "/admin/otp_email/emaildevice/",
            "en",
            "Search by the account's e-mail address or the address the codes are sent to.",
            "メール",
        ),
    ],
)
def test_the_device_lists_say_what_their_search_finds_in_the_readers_language(
    path, language, said, not_said
):
    """Not django-otp's 「Search by user's メールアドレス or メールアドレス」, built once in
    whatever language was active when it was imported. Customers' devices are listed
    too, and the e-mail list also finds the address the codes go to."""
    client, _ = _officer_client(language)
    page = html.unescape(client.get(path).content.decode())
    assert said in page
    assert not_said not in page


def test_the_admins_own_labels_take_a_full_width_colon_in_japanese():
    """Django's Japanese catalogue writes 「操作:」 and 「変更履歴: …」 with a half-width
    colon, unlike its label suffix 「：」: the portal's catalogue writes them full-width."""
    client, user = _officer_client()
    customer = UserFactory()
    request_submit(subject=customer, requester=customer, kind="disclosure")
    listing = client.get("/admin/rights/rightsrequest/").content.decode()
    assert "操作：" in listing and "操作:" not in listing
    # Django's history page is what staff who do not read the audit trail see.
    service = ServiceFactory()
    RegistrationFactory(user=customer, service=service)
    handler_client, handler = _officer_client(role=SERVICE_HANDLER)
    service.handlers.add(handler)
    history = handler_client.get(f"/admin/portal/user/{customer.pk}/history/").content.decode()
    assert f"変更履歴：{customer.email}" in history
    password = client.get(f"/admin/portal/user/{customer.pk}/password/").content.decode()
    assert f"パスワードの変更：{customer.email}" in password


def test_the_date_and_time_of_a_moment_take_a_full_width_colon_in_japanese():
    """Django's Japanese catalogue labels the two boxes of a moment 「日付:」 and 「時刻:」,
    on the policy version, restriction and hold forms: the portal writes them full-width."""
    client, _user = _officer_client()
    page = client.get("/admin/consent/policyversion/add/").content.decode()
    assert "日付：" in page and "時刻：" in page
    assert "日付:" not in page and "時刻:" not in page


def test_a_taken_unique_value_is_told_without_spaces_in_japanese():
    """Django's Japanese catalogue writes 「この コード を持った 利用目的 が既に存在します。」,
    spaces around each name as if they were English words."""
    client, _user = _officer_client()
    response = client.post(
        "/admin/consent/policyversion/add/",
        {"version": "1", "effective_at_0": "2099-01-01", "effective_at_1": "00:00:00",
         "text_ja": "第1版", "text_en": "Version 1"},
    )  # fmt: skip
    errors = response.context["adminform"].form.errors["version"]
    assert errors == ["同じバージョンのプライバシーポリシーの版が既にあります。"]


def _words_read(page: str, *data: str) -> set[str]:
    """The latin words a reader sees on ``page`` (scripts and markup left out), less
    the values in ``data``."""
    body = page[page.find("<body") :]
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    for value in data:
        text = text.replace(value, " ")
    return set(re.findall(r"[A-Za-z][A-Za-z0-9]+", text))


#: The device pages django-otp registers, with what each must say in Japanese.
DEVICE_PAGES = {
    "/admin/otp_totp/totpdevice/": (
        "利用者", "デバイス名", "登録日時", "最終利用日時", "利用可能", "登録日時で絞り込む",
    ),
    "/admin/otp_totp/totpdevice/{totp}/change/": (
        "デバイス", "日時", "設定", "誤入力", "利用者：", "デバイス名：", "1つのコードが有効な秒数",
        "続けて入力された誤ったコードの数",
    ),
    "/admin/otp_totp/totpdevice/add/": ("秘密鍵：", "桁数：", "前後に受け付けるコード数："),
    "/admin/otp_email/emaildevice/": ("利用者", "デバイス名", "最終利用日時で絞り込む"),
    "/admin/otp_email/emaildevice/{email}/change/": ("デバイス", "コードの送信先：", "登録日時："),
    "/admin/otp_email/emaildevice/add/": ("コードの送信先：", "このデバイスを使うアカウントです。"),
}  # fmt: skip


@pytest.mark.parametrize(("path", "said"), DEVICE_PAGES.items())
def test_the_device_pages_name_their_columns_sections_and_fields_in_japanese(path, said):
    """django-otp names its columns, filters, sections, fields and their help in English
    strings it does not translate («Identity», «Created at», «The time step in seconds.»)."""
    client, user = _officer_client()
    totp = TOTPDevice.objects.create(user=UserFactory(is_staff=True), name="予備", confirmed=True)
    email = EmailDevice.objects.create(user=UserFactory(), name="メール", email="code@example.com")
    response = client.get(path.format(totp=totp.pk, email=email.pk))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for label in said:
        assert label in page
    # What the rows hold is not a label: the accounts, the officer's own device "staff".
    data = (user.email, totp.user.email, email.user.email, email.email, "staff")
    # The sidebar names the API clients' app by the word staff know it by.
    assert _words_read(page, *data) - {"API", "Unix"} == set()


@pytest.mark.parametrize(
    "path", ["/admin/otp_totp/totpdevice/", "/admin/otp_totp/totpdevice/{totp}/change/",
             "/admin/otp_email/emaildevice/add/"],
)  # fmt: skip
def test_the_device_pages_keep_their_labels_in_english(path):
    client, _user = _officer_client("en")
    totp = TOTPDevice.objects.create(user=UserFactory(is_staff=True), name="spare", confirmed=True)
    response = client.get(path.format(totp=totp.pk))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Belongs to" in page and "Device name" in page
    assert "利用者" not in page and "デバイス名" not in page


def test_the_renamed_device_columns_and_filters_still_sort_and_filter():
    client, _user = _officer_client()
    TOTPDevice.objects.create(user=UserFactory(is_staff=True), name="未設定", confirmed=False)
    TOTPDevice.objects.create(user=UserFactory(is_staff=True), name="設定済み", confirmed=True)
    # The column "利用可能" filtered on "いいえ"; the list in the order of "登録日時", newest first.
    response = client.get("/admin/otp_totp/totpdevice/?confirmed__exact=0&o=-3")
    assert response.status_code == 200
    rows = [str(device) for device in response.context["cl"].result_list]
    assert len(rows) == 1 and rows[0].startswith("未設定")
    page = response.content.decode()
    assert "利用可能で絞り込む" in page and "sorted descending" in page


WRONG_CODE_LABELS = {
    "en": {
        "staff.enrolment_code_failed": "Wrong code on a staff authenticator link",
        "otp.totp_add_failed": "Wrong code when adding an authenticator app",
    },
    "ja": {
        "staff.enrolment_code_failed": "職員の認証アプリ設定用リンクで確認コード誤り",
        "otp.totp_add_failed": "認証アプリ追加時の確認コード誤り",
    },
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_audit_list_names_wrong_codes_at_authenticator_set_up(language):
    client, officer = _officer_client(language)
    labels = WRONG_CODE_LABELS[language]
    for code in labels:
        audit_log(action=code, actor=officer, target=officer)
    page = html.unescape(client.get("/admin/portal/auditevent/").content.decode())
    for code, label in labels.items():
        assert f'title="{code}">{label}' in page
