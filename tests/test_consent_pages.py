"""The consent page, the policy gate at login, and the public privacy page."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import marketing, selectors, services
from consent.models import ConsentRecord, PolicyVersion, ProcessingRestriction, Recipient
from portal.kernel import generations
from portal.kernel.models import AuditEvent
from tests.consent_support import BROWSER, new_policy_version, purpose, recipients
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

Action = ConsentRecord.Action


def _marketing_run(key, capture):
    with capture(execute=True):
        marketing.marketing_campaign_run(key=key)


def test_withdrawing_and_granting_at_consent_page_change_may_use_and_the_mailing(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    client = stepped_up_client
    page = client.get("/consent/", HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200
    assert page.context["form"]["purpose_marketing"].value() is False

    # The browser sends the statistics box, ticked until withdrawn, with each choice.
    kept = {"purpose_statistics": "on"}
    response = client.post(
        "/consent/",
        {"purpose_marketing": "on", **kept},
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    assert services.may_use(customer, "marketing")
    mail.outbox.clear()
    _marketing_run("run-1", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[customer.email]]

    # Withdrawing: an unticked box is not sent at all.
    response = client.post("/consent/", kept, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 302
    assert not services.may_use(customer, "marketing")
    mail.outbox.clear()
    _marketing_run("run-2", django_capture_on_commit_callbacks)
    assert mail.outbox == []

    client.post("/consent/", {"purpose_marketing": "on", **kept}, HTTP_USER_AGENT=BROWSER)
    assert services.may_use(customer, "marketing")
    _marketing_run("run-3", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[customer.email]]

    records = list(
        ConsentRecord.objects.filter(subject=customer, purpose=purpose("marketing")).order_by("id")
    )
    assert [r.action for r in records] == [Action.GRANTED, Action.WITHDRAWN, Action.GRANTED]
    assert {r.method for r in records} == {ConsentRecord.Method.DASHBOARD}
    assert [r.ip_address for r in records[:2]] == ["203.0.113.7", "203.0.113.8"]
    assert all(r.user_agent == BROWSER for r in records)
    assert all(r.language == "ja" for r in records)
    assert AuditEvent.objects.filter(action="consent.changed", subject=customer).count() == 3


def test_the_consent_page_needs_a_fresh_code(client, customer):
    assert client.get("/consent/").url.startswith("/accounts/login/")
    client.force_login(customer)
    response = client.get("/consent/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/code/")
    assert client.post("/consent/", {"purpose_marketing": "on"}).status_code == 302
    assert not ConsentRecord.objects.filter(purpose__isnull=False).exists()


def test_the_consent_page_shows_choices_recipients_history_and_stops(
    stepped_up_client, customer, other_customer
):
    to = recipients()
    services.consent_update(
        subject=other_customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    services.restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.PROVISION,
        recipient=to["delivery"],
        source=ProcessingRestriction.Source.STOP_PROVISION_REQUEST,
    )
    stepped_up_client.post("/consent/", {"purpose_marketing": "on", "purpose_statistics": "on"})
    response = stepped_up_client.get("/consent/")
    html = response.content.decode()
    assert "マーケティング及びサービスの改善" in html
    assert "やまと配送株式会社" in html and "渋谷警察署" not in html
    rows = {row["recipient"].pk: row["allowed"] for row in response.context["recipients"]}
    assert rows == {to["delivery"].pk: False, to["affiliate"].pk: True}
    assert len(response.context["restrictions"]) == 1
    history = list(response.context["history"])
    assert [r.subject_id for r in history] == [customer.pk] * len(history)
    assert history[0].action == Action.GRANTED


def _history_actions(response) -> list[tuple[str, str]]:
    """(about, what) of each row of the page's history table, newest first."""
    table = response.content.decode().split('id="history-title"', 1)[1].split("</table>", 1)[0]
    rows = table.split('<tr role="row">')[2:]  # after the heading's row
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [(row[1].strip(), row[2].strip()) for row in cells]


def test_the_history_of_a_purpose_used_until_stopped_says_stopped_and_resumed(
    stepped_up_client,
):
    # Statistics ask no consent: stopping and resuming them is no withdrawal or
    # grant of consent, and the history must not say one was given.
    stepped_up_client.post("/consent/", {})
    stepped_up_client.post("/consent/", {"purpose_statistics": "on"})
    response = stepped_up_client.get("/consent/")
    statistics = purpose("statistics").title
    rows = _history_actions(response)
    assert [what for about, what in rows if about == statistics] == ["利用の再開", "利用の停止"]
    # The table of purposes says the same of the latest change.
    uses = response.content.decode().split('id="uses-title"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in uses.split('<tr role="row">') if statistics in r)
    assert "に利用の再開" in row and "に同意" not in row


def test_a_consent_box_of_a_purpose_stopped_at_the_customers_request_says_so(
    stepped_up_client, customer
):
    # The box stays ticked (the consent stands), but the use is stopped: the box
    # must not read as if ticking it had the data used.
    stepped_up_client.post("/consent/", {"purpose_marketing": "on", "purpose_statistics": "on"})
    services.restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.USE,
        purpose=purpose("marketing"),
        source=ProcessingRestriction.Source.STOP_USE_REQUEST,
    )
    response = stepped_up_client.get("/consent/")
    form = response.context["form"]
    assert "ご請求により停止" in str(form["purpose_marketing"].help_text)
    assert "ご請求により停止" not in str(form["purpose_statistics"].help_text)
    html = response.content.decode()
    assert html.count("ご請求により停止しています") == 1
    # The list of stops names each with the language's colon.
    stops = html.split('id="restrictions-title"', 1)[1].split("</section>", 1)[0]
    assert "利用停止：マーケティング" in stops and ": " not in stops


def test_saving_unchanged_choices_records_nothing(stepped_up_client, customer):
    # As shown: marketing unticked, statistics ticked (used until withdrawn).
    stepped_up_client.post("/consent/", {"purpose_statistics": "on"})
    assert not ConsentRecord.objects.filter(subject=customer, purpose__isnull=False).exists()


def _login(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_material_version_stops_the_next_login_at_the_acceptance_page(client, customer):
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    version = new_policy_version(material=True)
    response = _login(client, customer)
    response = client.get(response.url, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response.url == "/consent/policy/?next=%2F"
    for path in ["/account/", "/consent/", "/accounts/code/", "/"]:
        assert client.get(path).url.startswith("/consent/policy/"), path

    page = client.get("/consent/policy/?next=/account/", HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200
    html = page.content.decode()
    assert "第三者提供先を追加しました。" in html and "プライバシーポリシー 第2版" in html
    assert 'name="decline"' in html
    notices = ConsentRecord.objects.filter(
        subject=customer, policy_version=version, action=Action.NOTICE_SHOWN
    )
    assert notices.count() == 1
    client.get("/consent/policy/")
    assert notices.count() == 1, "the notice is recorded once per login"
    assert notices.get().user_agent == BROWSER

    # Logging out and the public policy stay reachable.
    assert client.get("/privacy/").status_code == 200

    response = client.post(
        "/consent/policy/", {"accept": "1", "next": "/account/"}, HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 302 and response.url == "/account/"
    accepted = ConsentRecord.objects.get(
        subject=customer, policy_version=version, action=Action.GRANTED
    )
    assert accepted.method == ConsentRecord.Method.POLICY_PAGE
    assert accepted.ip_address == "127.0.0.1" and accepted.user_agent == BROWSER
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="consent.policy_accepted", subject=customer).exists()


def test_a_non_material_version_shows_a_notice_but_does_not_block(client, customer):
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    version = new_policy_version(material=False, version="1.1")
    _login(client, customer)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "notice-banner" in html and "1.1" in html
    client.get("/")
    notices = ConsentRecord.objects.filter(
        subject=customer, policy_version=version, action=Action.NOTICE_SHOWN
    )
    assert notices.count() == 1
    assert notices.get().method == ConsentRecord.Method.POLICY_BANNER

    page = client.get("/consent/policy/")
    assert page.status_code == 200 and 'name="decline"' not in page.content.decode()
    client.post("/consent/policy/", {"accept": "1", "next": "/"})
    assert "notice-banner" not in client.get("/").content.decode()


def test_the_gate_on_every_page_leaves_the_policy_texts_in_the_database(client, customer):
    """Full policies run to tens of thousands of characters in each language: the
    gate reads what it decides on and what the banner shows, never the texts."""
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    new_policy_version(material=False, version="1.1")
    _login(client, customer)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert "notice-banner" in html and "1.1" in html
    policy_reads = [q["sql"] for q in queries if "consent_policyversion" in q["sql"]]
    assert policy_reads  # the gate ran
    for column in ("text_ja", "text_en", "summary_ja", "summary_en"):
        assert all(column not in sql for sql in policy_reads), column


def _policy_reads(client, path="/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q for q in queries if "consent_policyversion" in q["sql"]]


def _accepted_and_logged_in(client, customer):
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    _login(client, customer)
    response, reads = _policy_reads(client)
    assert response.status_code == 200 and reads  # the first page reads the versions
    return client


def test_a_session_with_nothing_to_accept_passes_the_gate_without_a_query(client, customer):
    """The gate runs on every page: once a session was found clear, it stays clear
    until a version changes, without reading the versions again."""
    _accepted_and_logged_in(client, customer)
    for path in ("/", "/account/", "/requests/"):
        response, reads = _policy_reads(client, path)
        assert not reads, path
        assert not response.get("Location", "").startswith("/consent/policy/"), path


def test_a_material_version_saved_while_a_session_is_clear_stops_its_next_page(client, customer):
    """APPI art. 21 / GDPR art. 13(3): a material change is accepted before anything else,
    in a session already open too."""
    _accepted_and_logged_in(client, customer)
    new_policy_version(material=True, version="2")
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/consent/policy/")


def test_a_version_published_ahead_stops_a_clear_session_when_it_comes_into_force(client, customer):
    _accepted_and_logged_in(client, customer)
    ahead = new_policy_version(material=True, version="2", ago=-60_000)  # in a minute
    assert client.get("/").status_code == 200  # not in force yet
    with time_machine.travel(ahead.effective_at + datetime.timedelta(seconds=1)):
        response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/consent/policy/")


def test_a_change_made_outside_the_orm_reaches_a_clear_session_within_the_cache_limit(
    client, customer
):
    """An update that sends no signal leaves the generation as it was: the clear state
    holds for generations.TTL at most."""
    _accepted_and_logged_in(client, customer)
    later = new_policy_version(material=True, version="2", ago=-3_600_000)  # in an hour
    assert client.get("/").status_code == 200
    PolicyVersion.objects.filter(pk=later.pk).update(
        effective_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with time_machine.travel(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=generations.TTL + 1)
    ):
        response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/consent/policy/")


def test_declining_a_material_version_logs_out_and_is_recorded(client, customer):
    version = new_policy_version(material=True)
    _login(client, customer)
    response = client.post("/consent/policy/", {"decline": "1"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert ConsentRecord.objects.filter(
        subject=customer, policy_version=version, action=Action.DECLINED
    ).exists()
    # Next time the gate asks again.
    _login(client, customer)
    assert client.get("/account/").url.startswith("/consent/policy/")


def test_staff_are_not_stopped_by_the_gate(client, admin_user):
    new_policy_version(material=True)
    client.force_login(admin_user)
    assert client.get("/").status_code == 200


def test_privacy_page_is_public_and_in_both_languages(client):
    recipients()
    ja = client.get("/privacy/").content.decode()
    assert "第三者への提供" in ja and "ご注文の確認及び商品の配送" in ja
    assert "やまと配送株式会社" in ja
    client.cookies["django_language"] = "en"
    en = client.get("/privacy/").content.decode()
    assert "Confirming orders and delivery" in en and "Yamato Delivery Co., Ltd." in en
    assert "Provision to third parties" in en and "第三者への提供" not in en


def test_the_policy_gate_reads_the_versions_and_the_customer_s_acceptance_in_one_query(
    client, customer, django_assert_num_queries
):
    """The gate runs on every page a customer opens."""
    first = selectors.current_policy_version()
    services.policy_accept(subject=customer, version=first, method=ConsentRecord.Method.SIGNUP)
    material = new_policy_version(material=True, version="2", ago=20)
    minor = new_policy_version(material=False, version="2.1", ago=10)
    with django_assert_num_queries(1):
        status = selectors.policy_status(customer)
    assert (status.current, status.accepted, status.material) == (minor, first, material)
    assert status.must_accept and not status.notice

    services.policy_accept(subject=customer, version=material, method=ConsentRecord.Method.SIGNUP)
    status = selectors.policy_status(customer)
    assert (status.current, status.accepted) == (minor, material)
    assert not status.must_accept and status.notice


def test_the_recipients_country_is_named_in_the_readers_language(stepped_up_client, customer):
    to = recipients()
    Recipient.objects.filter(pk=to["affiliate"].pk).update(country="US")
    html = stepped_up_client.get("/consent/").content.decode()
    countries = re.findall(r'data-label="国">([^<]*)</td>', html)
    assert {"日本", "アメリカ合衆国"} <= set(countries), countries
    stepped_up_client.cookies["django_language"] = "en"
    html = stepped_up_client.get("/consent/").content.decode()
    countries = re.findall(r'data-label="Country">([^<]*)</td>', html)
    assert {"Japan", "United States"} <= set(countries), countries
    assert "JP" not in countries and "US" not in countries
