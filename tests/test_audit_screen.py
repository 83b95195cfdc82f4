"""Staff views of personal data leave audit events; the audit screen filters and exports them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.models import Purpose
from consent.services import consent_record_paper
from portal.kernel.audit import audit_log, audit_staff_view
from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from rights.services import request_submit
from tests.factories import RegistrationFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/portal/auditevent/"
EXPORT = "/admin/portal/auditevent/export.csv"


def _staff_client(role):
    user = UserFactory(is_staff=True, password=None, language="en")
    if role:
        user.groups.add(Group.objects.get(name=role))
    device = TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client, user


@pytest.fixture
def officer():
    return _staff_client(PRIVACY_OFFICER)


@pytest.fixture
def customer_of_a():
    service = ServiceFactory(code="svc-a")
    customer = UserFactory(email="hanako@example.com", password=None)
    RegistrationFactory(user=customer, service=service)
    return customer, service


def _shown(response):
    return [event.pk for event in response.context["cl"].result_list]


def _csv(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# -- staff views write events ---------------------------------------------------------


def test_audit_staff_view_names_the_action_and_the_subject(rf, customer_of_a):
    customer, _service = customer_of_a
    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, password=None)
    event = audit_staff_view(request, what="identity_document", subject=customer, page=2)
    assert event.action == "staff.viewed_identity_document"
    assert (event.actor_id, event.subject_id, event.details) == (
        request.user.pk,
        customer.pk,
        {"page": 2},
    )
    assert event.target == f"portal.user:{customer.pk}"
    with pytest.raises(ValueError):
        audit_staff_view(request, what="bad name!", subject=customer)


def test_every_change_page_of_a_customers_record_is_audited(officer, customer_of_a):
    client, staff = officer
    customer, service = customer_of_a
    request = request_submit(
        subject=customer, requester=customer, kind="deletion", services=[service]
    )
    record, _created = consent_record_paper(
        subject=customer,
        staff=staff,
        granted=True,
        language="ja",
        note="paper",
        purpose=Purpose.objects.get(code="marketing"),
    )
    pages = {
        "staff.viewed_rightsrequest": f"/admin/rights/rightsrequest/{request.pk}/change/",
        "staff.viewed_consentrecord": f"/admin/consent/consentrecord/{record.pk}/change/",
        "staff.viewed_user": f"/admin/portal/user/{customer.pk}/change/",
        "staff.viewed_personal_data": f"/admin/portal/user/{customer.pk}/personal-data/",
    }
    for action, url in pages.items():
        assert client.get(url).status_code == 200, url
        event = AuditEvent.objects.filter(action=action).latest("id")
        assert (event.actor_id, event.subject_id) == (staff.pk, customer.pk), action
    # Reference data about no one is not a view of personal data.
    purpose = Purpose.objects.get(code="marketing")
    before = AuditEvent.objects.count()
    assert client.get(f"/admin/consent/purpose/{purpose.pk}/change/").status_code == 200
    assert AuditEvent.objects.count() == before


def test_a_refused_page_is_not_audited_as_a_view(customer_of_a):
    """A handler of another service typing the URL sees nothing, and no view is recorded."""
    customer, _service = customer_of_a
    client, handler = _staff_client(SERVICE_HANDLER)
    ServiceFactory(code="svc-b").handlers.add(handler)
    assert client.get(f"/admin/portal/user/{customer.pk}/change/").status_code == 404
    assert not AuditEvent.objects.filter(subject=customer, actor=handler).exists()


def test_each_customer_in_subject_lookup_results_gets_an_event(officer, customer_of_a):
    client, staff = officer
    customer, _service = customer_of_a
    response = client.get("/admin/portal/user/subjects/", {"q": "hanako@example.com"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="staff.viewed_search_result")
    assert (event.actor_id, event.subject_id) == (staff.pk, customer.pk)
    assert "hanako" not in str(event.details)


def _list_events():
    return AuditEvent.objects.filter(action__endswith="_list", action__startswith="staff.viewed_")


def test_a_list_of_customers_records_writes_one_event_per_page(officer, customer_of_a):
    """Not one row per customer shown: one per page, naming the list and its filters."""
    client, staff = officer
    customer, service = customer_of_a
    for _ in range(3):
        request_submit(subject=customer, requester=customer, kind="disclosure")
    other = UserFactory(email="taro@example.com", password=None)
    request_submit(subject=other, requester=other, kind="deletion")

    response = client.get(
        "/admin/rights/rightsrequest/", {"kind": "disclosure", "q": "hanako@example.com"}
    )
    assert response.status_code == 200
    assert len(_shown(response)) == 3
    (event,) = _list_events()
    assert event.action == "staff.viewed_rightsrequest_list"
    assert (event.actor_id, event.subject_id) == (staff.pk, None)
    assert event.target == "rights.rightsrequest"
    assert event.details == {
        "screen": "changelist",
        "filters": {"kind": "disclosure"},
        "search": True,
        "page": 1,
        "rows": 3,
    }
    assert "hanako" not in str(event.details)  # the search text is not kept

    client.get("/admin/portal/user/", {"language__exact": "ja", "p": "1"})
    event = _list_events().latest("id")
    assert event.action == "staff.viewed_user_list"
    assert event.details["filters"] == {"language__exact": "ja"}
    assert event.details["search"] is False
    assert _list_events().count() == 2


@pytest.mark.parametrize(
    "url,action",
    [
        ("/admin/portal/user/", "staff.viewed_user_list"),
        ("/admin/rights/rightsrequest/", "staff.viewed_rightsrequest_list"),
        ("/admin/consent/consentrecord/", "staff.viewed_consentrecord_list"),
        ("/admin/consent/processingrestriction/", "staff.viewed_processingrestriction_list"),
        ("/admin/consent/provisionrecord/", "staff.viewed_provisionrecord_list"),
        ("/admin/consent/authorityrequest/", "staff.viewed_authorityrequest_list"),
        ("/admin/rights/payment/", "staff.viewed_payment_list"),
        ("/admin/rights/paymentevent/", "staff.viewed_paymentevent_list"),
        ("/admin/rights/legalhold/", "staff.viewed_legalhold_list"),
        ("/admin/rights/deferrederasure/", "staff.viewed_deferrederasure_list"),
        ("/admin/rights/erasureledgerentry/", "staff.viewed_erasureledgerentry_list"),
        ("/admin/otp_totp/totpdevice/", "staff.viewed_totpdevice_list"),
        ("/admin/otp_email/emaildevice/", "staff.viewed_emaildevice_list"),
    ],
)
def test_every_list_of_customers_records_is_audited(officer, url, action):
    client, staff = officer
    assert client.get(url).status_code == 200
    (event,) = _list_events()
    assert (event.action, event.actor_id) == (action, staff.pk)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/consent/purpose/",
        "/admin/rights/feeschedule/",
        "/admin/rights/retentionrule/",
        "/admin/portal/service/",
        "/admin/auth/group/",
        CHANGELIST,
    ],
)
def test_lists_of_reference_data_and_the_trail_itself_are_not_views_of_personal_data(officer, url):
    client, _staff = officer
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.count() == before


def test_a_refused_or_posted_list_is_not_audited_as_a_view(officer, customer_of_a):
    client, _user = _staff_client(None)
    assert client.get("/admin/rights/rightsrequest/").status_code == 403
    officer_client, _staff = officer
    # An action posted without rows answers with the list again: not a new page view.
    officer_client.post("/admin/portal/user/", {"action": "delete_selected", "index": "0"})
    assert not _list_events().exists()


def test_a_handlers_list_view_is_audited_and_the_audit_screen_finds_it(officer, customer_of_a):
    _customer, service = customer_of_a
    handler_client, handler = _staff_client(SERVICE_HANDLER)
    service.handlers.add(handler)
    assert handler_client.get("/admin/portal/user/", {"is_active__exact": "1"}).status_code == 200
    listed = _list_events().get()
    assert (listed.actor_id, listed.details["rows"]) == (handler.pk, 1)

    client, staff = officer
    view = {"action": "staff.viewed_user_list"}
    assert _shown(client.get(CHANGELIST, view)) == [listed.pk]
    assert _shown(client.get(CHANGELIST, {**view, "actor": handler.pk})) == [listed.pk]
    assert _shown(client.get(CHANGELIST, {**view, "actor": staff.pk})) == []
    assert listed.pk in _shown(client.get(CHANGELIST, {"kind": "viewed"}))
    rows = _csv(client.get(EXPORT, view))
    assert [(int(row["id"]), row["actor"]) for row in rows] == [(listed.pk, handler.email)]


# -- the audit screen ----------------------------------------------------------------------


@pytest.fixture
def trail(customer_of_a):
    customer, _service = customer_of_a
    other = UserFactory(email="taro@example.com", password=None)
    alice = UserFactory(is_staff=True, email="alice.staff@example.com", password=None)
    bob = UserFactory(is_staff=True, email="bob.staff@example.com", password=None)
    with time_machine.travel("2026-03-01 10:00", tick=False):
        early = audit_log(action="staff.viewed_user", actor=alice, subject=customer)
    with time_machine.travel("2026-03-05 10:00", tick=False):
        middle = audit_log(action="staff.viewed_rightsrequest", actor=bob, subject=other)
    with time_machine.travel("2026-03-09 10:00", tick=False):
        late = audit_log(action="auth.login", actor=customer, subject=customer)
    return {
        "customer": customer,
        "other": other,
        "alice": alice,
        "bob": bob,
        "early": early,
        "middle": middle,
        "late": late,
    }


def test_filters_by_staff_member_subject_action_and_period(officer, trail):
    client, _staff = officer
    ids = {name: trail[name].pk for name in ("early", "middle", "late")}

    def shown(**params):
        response = client.get(CHANGELIST, params)
        assert response.status_code == 200
        return set(_shown(response)) & set(ids.values())

    assert shown() == set(ids.values())
    assert shown(actor=trail["alice"].pk) == {ids["early"]}
    assert shown(subject="HANAKO@example.com") == {ids["early"], ids["late"]}
    assert shown(subject=str(trail["other"].pk)) == {ids["middle"]}
    assert shown(action="staff.viewed_rightsrequest") == {ids["middle"]}
    assert shown(action="staff.viewed_*") == {ids["early"], ids["middle"]}
    assert shown(kind="viewed") == {ids["early"], ids["middle"]}
    assert shown(since="2026-03-05") == {ids["middle"], ids["late"]}
    assert shown(since="2026-03-02", until="2026-03-05") == {ids["middle"]}
    assert shown(actor=trail["bob"].pk, subject="hanako@example.com") == set()


def test_the_search_box_finds_a_reference_an_address_and_a_label(officer, trail):
    """The search matched only the stored codes: R-000010, an e-mail address or
    「解除」 found nothing, and the box did not say what it matches."""
    client, _staff = officer
    request = request_submit(
        subject=trail["customer"], requester=trail["customer"], kind="disclosure"
    )
    about = audit_log(action="request.transition", target=request, subject=trail["customer"])
    ids = {name: trail[name].pk for name in ("early", "middle", "late")}

    def shown(term, language="en"):
        client.cookies["django_language"] = language
        response = client.get(CHANGELIST, {"q": term})
        assert response.status_code == 200
        return set(_shown(response))

    found = shown(request.reference)
    assert about.pk in found
    targets = set(AuditEvent.objects.filter(pk__in=found).values_list("target", flat=True))
    assert targets == {f"rights.rightsrequest:{request.pk}"}
    assert shown(f"r-{request.pk}") == shown(request.reference)
    assert {ids["middle"]} <= shown("bob.staff@example.com")
    assert ids["early"] not in shown("bob.staff@example.com")
    assert {ids["middle"]} <= shown("TARO@example.com")
    assert ids["late"] in shown("Customer login")
    assert ids["late"] in shown("ログイン", "ja")
    client.cookies["django_language"] = "en"
    page = client.get(CHANGELIST).content.decode()
    assert "R-000009" in page and "e-mail address" in page


def test_a_bad_filter_is_explained_and_filters_nothing(officer, trail):
    client, _staff = officer
    response = client.get(CHANGELIST, {"since": "2026-03-09", "until": "2026-03-01"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "The filter was not applied" in text and "The end is before the start" in text
    response = client.get(CHANGELIST, {"subject": "nobody@example.com"})
    assert "No account has this e-mail address." in response.content.decode()
    assert trail["early"].pk in _shown(response)
    assert client.get(EXPORT, {"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"subject": "99999999999999999999999"},
    ],
)
def test_a_filter_value_no_event_can_match_is_explained_not_a_500(officer, trail, params):
    """The last day of the calendar has no day after it, the first none before it in
    UTC, and a customer number past the database's integers cannot be looked up."""
    client, _staff = officer
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    assert "The filter was not applied" in response.content.decode()
    assert trail["early"].pk in _shown(response)
    assert client.get(EXPORT, params).status_code == 400


def test_csv_export_streams_the_filtered_events_and_is_itself_audited(officer, trail):
    client, staff = officer
    response = client.get(EXPORT, {"subject": "hanako@example.com", "action": "staff.viewed_*"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv(response)
    assert [int(row["id"]) for row in rows] == [trail["early"].pk]
    row = rows[0]
    assert row["action"] == "staff.viewed_user"
    assert row["actor"] == "alice.staff@example.com"
    assert row["subject"] == "hanako@example.com"
    assert row["hash"] == trail["early"].hash
    export = AuditEvent.objects.get(action="staff.exported_audit_events")
    assert export.actor_id == staff.pk
    assert export.details == {"subject": trail["customer"].pk, "action": "staff.viewed_*"}

    everything = _csv(client.get(EXPORT))
    exported = {int(row["id"]) for row in everything}
    assert {trail["early"].pk, trail["middle"].pk, trail["late"].pk} <= exported
    ids = [int(row["id"]) for row in everything]
    assert ids == sorted(ids)  # the chain's order
    early = next(row for row in everything if int(row["id"]) == trail["early"].pk)
    assert dt.datetime.fromisoformat(early["time"]) == trail["early"].created_at


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(officer):
    """An address may start with "=", "+", "-" or "@" (RFC 5322 allows them), and
    so may what a customer typed: opened in a spreadsheet, such a cell would be
    run as a formula (CSV injection). It is exported with a leading apostrophe."""
    client, _staff = officer
    crafted = UserFactory(email="=HYPERLINK(1)@example.com", password=None)
    event = audit_log(action="auth.login_failed", subject=crafted, target="+cmd|' /C calc'!A0")
    rows = _csv(client.get(EXPORT, {"subject": crafted.email}))
    row = next(row for row in rows if int(row["id"]) == event.pk)
    assert row["subject"] == "'=HYPERLINK(1)@example.com"
    assert row["target"] == "'+cmd|' /C calc'!A0"
    # A plain value is left as it is.
    assert row["action"] == "auth.login_failed"


def test_changelist_links_to_the_export_with_the_same_filters(officer, trail):
    client, _staff = officer
    html = client.get(CHANGELIST, {"actor": trail["alice"].pk}).content.decode()
    assert f"{EXPORT}?actor={trail['alice'].pk}" in html


@pytest.mark.parametrize("role", [AUDITOR, SERVICE_HANDLER, None])
def test_only_officers_and_auditors_read_the_trail(role, trail):
    client, _user = _staff_client(role)
    expected = 200 if role == AUDITOR else 403
    assert client.get(CHANGELIST).status_code == expected
    assert client.get(EXPORT).status_code == expected
    # Read-only for everyone, auditors included.
    assert client.post(f"{CHANGELIST}{trail['early'].pk}/delete/", {"post": "yes"}).status_code in (
        403,
        404,
    )
    assert AuditEvent.objects.filter(pk=trail["early"].pk).exists()


def test_the_free_text_search_on_postgresql_reads_the_trigram_indexes(officer):
    """The search box matches part of an action or target (icontains: UPPER(col) LIKE
    '%term%'), which a btree cannot serve; on a trail of many rows the search reads the
    trigram indexes instead of every row."""
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite has no trigram index")
    client, _staff = officer
    with connection.cursor() as cursor:
        # Rows written as the trail stores them; the chain itself is not read here.
        cursor.execute(
            """
            INSERT INTO portal_auditevent
                (created_at, action, target, details, prev_hash, hash)
            SELECT now() - n * interval '1 minute',
                   (ARRAY['staff.viewed_request', 'request.transition', 'auth.login'])[n % 3 + 1],
                   'rights.rightsrequest:' || n, '{}', md5((n - 1)::text), md5(n::text)
            FROM generate_series(1, 20000) AS n
            """
        )
        cursor.execute("ANALYZE portal_auditevent")
        # New rows wait in a GIN index's pending list until (auto)vacuum merges them;
        # a search reads that list row by row. Merge it now, as autovacuum would.
        cursor.execute(
            """
            SELECT gin_clean_pending_list(i.indexrelid)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = 'portal_auditevent'::regclass AND am.amname = 'gin'
            """
        )
    response = client.get(CHANGELIST, {"q": "rightsrequest:12345"})
    cl = response.context["cl"]
    assert [event.target for event in cl.result_list] == ["rights.rightsrequest:12345"]
    plan = cl.queryset[: cl.list_per_page].explain()
    assert "audit_target_trgm" in plan and "audit_action_trgm" in plan, plan
    assert "Seq Scan on portal_auditevent" not in plan, plan


# -- an object's History is its events in the trail -----------------------------------


def test_an_objects_history_shows_its_events_in_the_trail(officer):
    """Django's history page said a request had no history: its changes are written to
    the audit trail by the services, not to the admin's own log."""
    client, _user = officer
    customer = UserFactory()
    filed = request_submit(subject=customer, requester=customer, kind="disclosure")
    # Another object whose id starts with this one's: ":1" must not find ":10".
    audit_log(action="request.submitted", target=f"rights.rightsrequest:{filed.pk}0")
    response = client.get(f"/admin/rights/rightsrequest/{filed.pk}/history/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    shown = AuditEvent.objects.filter(pk__in=_shown(response))
    assert shown.exists()
    assert set(shown.values_list("target", flat=True)) == {f"rights.rightsrequest:{filed.pk}"}


def test_staff_who_may_not_read_the_trail_keep_the_admins_history_page(customer_of_a):
    customer, service = customer_of_a
    client, handler = _staff_client(SERVICE_HANDLER)
    service.handlers.add(handler)
    filed = request_submit(
        subject=customer, requester=customer, kind="disclosure", services=[service]
    )
    response = client.get(f"/admin/rights/rightsrequest/{filed.pk}/history/")
    assert response.status_code == 200
    assert client.get(CHANGELIST).status_code == 403
    # Django's page says the request has no history: the page says where it is kept.
    assert "are kept in the audit trail" in response.content.decode()
    handler.language = "ja"
    handler.save(update_fields=["language"])
    client.cookies["django_language"] = "ja"
    japanese = client.get(f"/admin/rights/rightsrequest/{filed.pk}/history/").content.decode()
    assert "監査ログに記録され" in japanese
