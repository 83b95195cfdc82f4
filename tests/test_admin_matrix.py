"""Staff roles x every admin model x every admin operation.

Each role (privacy officer, handler of service A, auditor, staff without a
role) against every model registered on the admin site: changelist, change
page (read and save), add, delete, history, each action, and every extra URL
the ModelAdmin serves for an object. A handler typing the URL of a service B
object gets a 404 (or 403), never the data. The list of models comes from
``admin.site._registry``: a model registered later without an entry in
``BUILDERS`` / ``EXPECTED`` below fails ``test_every_registered_model_is_in_the_matrix``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.models import MarketingCampaign, PolicyVersion, Purpose, Recipient, ServicePage
from consent.services import (
    authority_request_record,
    consent_record_paper,
    provision_record_create,
    receipt_record_create,
    restriction_create,
)
from portal.kernel.api.auth import api_key_create
from portal.kernel.audit import audit_log
from portal.kernel.models import ApiClient, CallbackDelivery, ScheduledRun
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from rights import fees, workflow
from rights.choices import Status
from rights.connectors.models import ExternalSystem
from rights.models import FeeSchedule, Organisation, PaymentEvent, RequestNotification
from rights.notice_overrides import notice_text_save
from rights.retention.holds.services import hold_place
from rights.retention.models import DeferredErasure, ErasureLedgerEntry, RetentionRule, RetentionRun
from rights.services import request_submit
from tests.factories import RegistrationFactory, ServiceFactory, UserFactory
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db

OFFICER, HANDLER, AUDITOR_ROLE, NO_ROLE = "officer", "handler", "auditor", "no role"
ROLES = [OFFICER, HANDLER, AUDITOR_ROLE, NO_ROLE]

# What each role may do with a record of service A, per model: v(iew) a(dd)
# c(hange) d(elete), x (the admin's own action permissions). Auditors always
# "v", staff without a role always "". A handler never sees a record of
# service B. Written out by hand from what each role should do, not computed
# from the code under test.
EXPECTED: dict[str, dict[str, str]] = {
    "auth.group": {OFFICER: "v", HANDLER: ""},
    "otp_totp.totpdevice": {OFFICER: "vacd", HANDLER: ""},
    "otp_email.emaildevice": {OFFICER: "vacd", HANDLER: ""},
    "portal.user": {OFFICER: "vacd", HANDLER: "v"},
    "portal.service": {OFFICER: "vacd", HANDLER: "v"},
    "portal.auditevent": {OFFICER: "v", HANDLER: ""},
    "portal.scheduledrun": {OFFICER: "v", HANDLER: ""},
    "portal.apiclient": {OFFICER: "vac", HANDLER: ""},
    "portal.apikey": {OFFICER: "vc", HANDLER: ""},
    "portal.callbackdelivery": {OFFICER: "vc", HANDLER: ""},
    "rights.feeschedule": {OFFICER: "vac", HANDLER: "v"},
    "rights.payment": {OFFICER: "vc", HANDLER: "vc"},
    "rights.paymentevent": {OFFICER: "v", HANDLER: "v"},
    "rights.rightsrequest": {OFFICER: "vac", HANDLER: "vac"},
    "rights.retentionrule": {OFFICER: "vac", HANDLER: "v"},
    "rights.legalhold": {OFFICER: "vac", HANDLER: "v"},
    "rights.noticetext": {OFFICER: "vac", HANDLER: "v"},  # wording: officers write
    "rights.deferrederasure": {OFFICER: "v", HANDLER: "v"},
    "rights.retentionrun": {OFFICER: "v", HANDLER: "v"},
    "rights.erasureledgerentry": {OFFICER: "v", HANDLER: "v"},
    "rights.externalsystem": {OFFICER: "vacd", HANDLER: "v"},
    "consent.purpose": {OFFICER: "vacd", HANDLER: "v"},
    "consent.policyversion": {OFFICER: "va", HANDLER: "v"},  # in force: no longer edited
    "consent.recipient": {OFFICER: "vacd", HANDLER: "v"},
    "consent.consentrecord": {OFFICER: "v", HANDLER: "v"},
    "consent.processingrestriction": {OFFICER: "vax", HANDLER: "v"},
    "consent.provisionrecord": {OFFICER: "va", HANDLER: "v"},
    "consent.receiptrecord": {OFFICER: "va", HANDLER: "v"},
    "consent.authorityrequest": {OFFICER: "va", HANDLER: ""},
    "consent.marketingcampaign": {OFFICER: "v", HANDLER: ""},
    "consent.servicepage": {OFFICER: "vacd", HANDLER: "v"},
    "rights.organisation": {OFFICER: "vacd", HANDLER: ""},
    "rights.requestnotification": {OFFICER: "v", HANDLER: ""},  # the outbox's notices
}

# Where the actions a role is offered differ from what it may do to the record of A
# (actions are offered per model, then checked per record). "x": the admin's own
# action permissions, e.g. ending a restriction.
ACTION_LEVEL: dict[str, dict[str, str]] = {
    # Versions not yet in force may still be deleted; the one in force may not.
    "consent.policyversion": {OFFICER: "vad"},
}

# Pages registered with PortalAdminSite.register_view: status per role.
REPORTS: dict[str, dict[str, int]] = {
    "reports_dashboard": {OFFICER: 200, HANDLER: 200, AUDITOR_ROLE: 200, NO_ROLE: 403},
    "reports_metrics": {OFFICER: 200, HANDLER: 200, AUDITOR_ROLE: 200, NO_ROLE: 403},
    "reports_statistics": {OFFICER: 200, HANDLER: 403, AUDITOR_ROLE: 200, NO_ROLE: 403},
    "reports_request_log": {OFFICER: 200, HANDLER: 403, AUDITOR_ROLE: 200, NO_ROLE: 403},
}

DENIED = (403, 404)
PERMISSION_LETTER = {"view": "v", "add": "a", "change": "c", "delete": "d"}


@dataclass
class World:
    staff: dict[str, object]
    service_a: object
    service_b: object
    customer_a: object
    customer_b: object
    customer_ab: object
    clients: dict[str, Client] = field(default_factory=dict)

    @property
    def officer(self):
        return self.staff[OFFICER]


def _api_client(service):
    client, _created = ApiClient.objects.get_or_create(
        name=f"client of {service.code}", defaults={"owner": "team"}
    )
    client.services.add(service)
    return client


def _request(world, kind, customer, service):
    return request_submit(
        subject=customer, requester=customer, kind=kind, services=[service], regime="appi"
    )


def _payment(world, customer, service):
    request = _request(world, "disclosure", customer, service)
    request.delivery_method = "electronic"
    request.save(update_fields=["delivery_method"])
    workflow.transition(request, to=Status.IN_REVIEW, actor=world.officer)
    if not FeeSchedule.objects.exists():
        publish(amount=1000)  # APPI art. 38: only a published fee may be charged
    return fees.fee_request(request=request, actor=world.officer)


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_seq = _counter()

# label -> builder(world, customer, service); records are built once for A and once
# for B, reference data and oversight rows once.
BUILDERS: dict[str, Callable] = {
    "auth.group": lambda w, c, s: Group.objects.get(name=AUDITOR),
    "otp_totp.totpdevice": lambda w, c, s: TOTPDevice.objects.create(
        user=c, name="phone", confirmed=True
    ),
    "otp_email.emaildevice": lambda w, c, s: EmailDevice.objects.create(
        user=c, name="mail", confirmed=True
    ),
    "portal.user": lambda w, c, s: c,
    "portal.service": lambda w, c, s: s,
    "portal.auditevent": lambda w, c, s: audit_log(action="test.event", target=c, subject=c),
    "portal.scheduledrun": lambda w, c, s: ScheduledRun.objects.create(
        job="rights-retention-sweep", period_start=dt.datetime.now(dt.UTC), task_id="t"
    ),
    "portal.apiclient": lambda w, c, s: _api_client(s),
    "portal.apikey": lambda w, c, s: api_key_create(client=_api_client(s))[0],
    "portal.callbackdelivery": lambda w, c, s: CallbackDelivery.objects.create(
        client=_api_client(s), event_type="request.status_changed", payload={}
    ),
    "rights.feeschedule": lambda w, c, s: publish(kind="purpose_notice"),
    "rights.payment": _payment,
    "rights.paymentevent": lambda w, c, s: PaymentEvent.objects.create(
        provider="fake", event_id=f"ev-{next(_seq)}", outcome="recorded", payment=_payment(w, c, s)
    ),
    "rights.rightsrequest": lambda w, c, s: _request(w, "deletion", c, s),
    "rights.retentionrule": lambda w, c, s: RetentionRule.objects.order_by("pk").first(),
    "rights.legalhold": lambda w, c, s: hold_place(
        actor=w.officer, reason="Litigation", legal_basis="Court order", subject=c, service=s
    ),
    "rights.deferrederasure": lambda w, c, s: DeferredErasure.objects.create(
        request=_request(w, "deletion", c, s),
        subject=c,
        source="portal.invoice",
        category="transactions",
    ),
    "rights.retentionrun": lambda w, c, s: RetentionRun.objects.create(job="sweep"),
    "rights.requestnotification": lambda w, c, s: RequestNotification.objects.create(
        request=_request(w, "deletion", c, s), kind="received"
    ),
    "rights.noticetext": lambda w, c, s: notice_text_save(
        kind="received", language="en", subject="s", body="b", author=w.officer
    ),
    "rights.erasureledgerentry": lambda w, c, s: ErasureLedgerEntry.objects.create(
        request=_request(w, "deletion", c, s),
        subject=c,
        source="portal.invoice",
        category="transactions",
        reason="deletion",
        count=1,
    ),
    "rights.externalsystem": lambda w, c, s: ExternalSystem.objects.get_or_create(
        name="Mailing service", defaults={"mode": "email", "privacy_contact": "p@example.com"}
    )[0],
    "consent.purpose": lambda w, c, s: Purpose.objects.order_by("pk").first(),
    "consent.policyversion": lambda w, c, s: PolicyVersion.objects.order_by("pk").first(),
    "consent.recipient": lambda w, c, s: (
        Recipient.objects.order_by("pk").first()
        or Recipient.objects.create(name_ja="委託先", name_en="Processor", kind="processor")
    ),
    "consent.consentrecord": lambda w, c, s: consent_record_paper(
        subject=c,
        staff=w.officer,
        granted=True,
        language="ja",
        note="paper form",
        purpose=Purpose.objects.get(code="marketing"),
    )[0],
    "consent.processingrestriction": lambda w, c, s: restriction_create(
        subject=c,
        scope="use",
        source="staff",
        purpose=Purpose.objects.get(code="marketing"),
        reason="complaint",
        actor=w.officer,
    ),
    "consent.provisionrecord": lambda w, c, s: provision_record_create(
        subject=c,
        recipient=BUILDERS["consent.recipient"](w, c, s),
        provided_on=dt.date.today(),
        data_items="name",
        ground="law",
        note="Court order under the Code of Civil Procedure",
        actor=w.officer,
    ),
    "consent.receiptrecord": lambda w, c, s: receipt_record_create(
        subject=c,
        received_on=dt.date.today(),
        provider_name="Partner Co.",
        provider_address="Tokyo",
        provider_acquisition="From the person, with consent",
        data_items="name",
        actor=w.officer,
    ),
    "consent.authorityrequest": lambda w, c, s: authority_request_record(
        subject=c,
        body_kind="police",
        requesting_body="Police",
        legal_basis="Code of Criminal Procedure art. 197(2)",
        received_on=dt.date.today(),
        decision="refused",
        approved_by=w.officer,
    ),
    "consent.marketingcampaign": lambda w, c, s: MarketingCampaign.objects.create(
        key=f"2026-W{next(_seq):02d}"
    ),
    "consent.servicepage": lambda w, c, s: ServicePage.objects.get_or_create(
        service=s,
        defaults={
            "method_ja": "取扱い",
            "method_en": "Handling",
            "desk_ja": "窓口",
            "desk_en": "Desk",
            "responsible_ja": "責任者",
            "responsible_en": "Lead",
            "desk_email": "desk@example.com",
        },
    )[0],
    "rights.organisation": lambda w, c, s: Organisation.objects.create(
        name=f"株式会社テスト{next(_seq)}"
    ),
}


def _staff(role_group: str | None):
    user = UserFactory(is_staff=True, password=None)
    if role_group:
        user.groups.add(Group.objects.get(name=role_group))
    return user


def _client(user) -> Client:
    """A client logged in to the admin with a verified one-time-password device."""
    device = TOTPDevice.objects.create(user=user, name="staff", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def world(db):
    service_a = ServiceFactory(code="svc-a", name="Service A")
    service_b = ServiceFactory(code="svc-b", name="Service B")
    customer_a = UserFactory(email="alice.a@example.com", password=None)
    customer_b = UserFactory(email="bob.b@example.com", password=None)
    # A customer of both services: a handler of A sees them, not their service B records.
    customer_ab = UserFactory(email="carol.ab@example.com", password=None)
    RegistrationFactory(user=customer_a, service=service_a)
    RegistrationFactory(user=customer_b, service=service_b)
    RegistrationFactory(user=customer_ab, service=service_a)
    RegistrationFactory(user=customer_ab, service=service_b)
    staff = {
        OFFICER: _staff(PRIVACY_OFFICER),
        HANDLER: _staff(SERVICE_HANDLER),
        AUDITOR_ROLE: _staff(AUDITOR),
        NO_ROLE: _staff(None),
    }
    service_a.handlers.add(staff[HANDLER])
    world = World(staff, service_a, service_b, customer_a, customer_b, customer_ab)
    world.clients = {role: _client(user) for role, user in staff.items()}
    return world


def _labels():
    return sorted(model._meta.label_lower for model in admin.site._registry)


def _model_admin(label):
    return next(ma for m, ma in admin.site._registry.items() if m._meta.label_lower == label)


def _rf_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _snapshot(obj):
    model = type(obj)
    return model._default_manager.filter(pk=obj.pk).values().first(), model._default_manager.count()


def _url(model_admin, view, *args):
    opts = model_admin.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _record_of_b(world, label, model_admin):
    """A record of service B: of a customer of both services where the record
    names its service or request, else of a customer of B only."""
    paths = model_admin.access_paths()
    customer = world.customer_ab if paths["request_path"] or paths["service_path"] else None
    customer = customer or world.customer_b
    return BUILDERS[label](world, customer, world.service_b), customer


def test_every_registered_model_is_in_the_matrix():
    missing = [label for label in _labels() if label not in EXPECTED or label not in BUILDERS]
    assert not missing, f"add these admin models to the role matrix: {missing}"
    extra_views = {entry["name"] for entry in admin.site._extra_views}
    assert extra_views <= set(REPORTS), f"add these admin pages to REPORTS: {extra_views}"


@pytest.mark.parametrize("label", _labels())
def test_role_matrix(world, label):
    """Every role x this model x list, change, save, add, delete, history, actions."""
    if label not in EXPECTED or label not in BUILDERS:
        pytest.fail(f"{label} has no entry in the role matrix")
    model_admin = _model_admin(label)
    scope = model_admin.access_scope()
    obj_a = BUILDERS[label](world, world.customer_a, world.service_a)
    obj_b, customer_b = (
        _record_of_b(world, label, model_admin) if scope == "records" else (None, None)
    )
    problems: list[str] = []

    def expect(role, what, response, allowed, ok=(200,)):
        wanted = ok if allowed else DENIED
        if response.status_code not in wanted:
            problems.append(f"{role}: {what} gave {response.status_code}, expected {wanted}")

    officer_actions = model_admin.get_actions(_rf_request(world.officer))
    for role in ROLES:
        ops = {AUDITOR_ROLE: "v", NO_ROLE: ""}.get(role, EXPECTED[label].get(role))
        client = world.clients[role]
        user = world.staff[role]

        expect(role, "changelist", client.get(_url(model_admin, "changelist")), "v" in ops)
        expect(role, "add page", client.get(_url(model_admin, "add")), "a" in ops)
        expect(role, "change page", client.get(_url(model_admin, "change", obj_a.pk)), "v" in ops)
        # What every admin view (and the custom ones) asks before it acts on the record.
        asked = _rf_request(user)
        answers = {
            "c": model_admin.has_change_permission(asked, obj_a),
            "d": model_admin.has_delete_permission(asked, obj_a),
        }
        for letter, answer in answers.items():
            if answer != (letter in ops):
                problems.append(f"{role}: has_{letter} permission(record) is {answer}")
        history = client.get(_url(model_admin, "history", obj_a.pk))
        if "v" in ops and role in (OFFICER, AUDITOR_ROLE):
            # Those who read the audit trail are shown the record's events there.
            expect(role, "history", history, True, ok=(302,))
            if history.status_code == 302 and not history["Location"].startswith(
                reverse("admin:portal_auditevent_changelist")
            ):
                problems.append(f"{role}: history went to {history['Location']}")
        else:
            expect(role, "history", history, "v" in ops)
        expect(role, "delete page", client.get(_url(model_admin, "delete", obj_a.pk)), "d" in ops)

        before = _snapshot(obj_a)
        if "c" not in ops:
            response = client.post(_url(model_admin, "change", obj_a.pk), {"name": "changed"})
            expect(role, "saving the change form", response, False)
        if "d" not in ops:
            response = client.post(_url(model_admin, "delete", obj_a.pk), {"post": "yes"})
            expect(role, "confirming delete", response, False)
        if "a" not in ops:
            expect(role, "posting the add form", client.post(_url(model_admin, "add"), {}), False)
        if _snapshot(obj_a) != before:
            problems.append(f"{role}: a refused change, delete or add changed the table")

        # Actions: offered only with every permission they need; refused ones change nothing.
        offered = model_admin.get_actions(_rf_request(user))
        list_ops = ACTION_LEVEL.get(label, {}).get(role, ops)
        for name, (func, _name, _description) in officer_actions.items():
            needs = getattr(func, "allowed_permissions", None) or ("change",)
            if (name in offered) != all(PERMISSION_LETTER.get(p, "x") in list_ops for p in needs):
                problems.append(f"{role}: action {name} offered={name in offered}")
            if not all(PERMISSION_LETTER.get(p, "x") in ops for p in needs):
                before = _snapshot(obj_a)
                client.post(
                    _url(model_admin, "changelist"),
                    {"action": name, "_selected_action": [obj_a.pk], "post": "yes"},
                )
                if _snapshot(obj_a) != before:
                    problems.append(f"{role}: refused action {name} changed the record")

        # Another service's record, by hand-typed URL: never there for a handler.
        if role == HANDLER and obj_b is not None:
            for view in ("change", "history", "delete"):
                response = client.get(_url(model_admin, view, obj_b.pk))
                expect(role, f"{view} of service B's record", response, False)
                if customer_b.email in response.content.decode():
                    problems.append(f"{role}: {view} of service B's record shows the customer")
            listed = client.get(_url(model_admin, "changelist"))
            if listed.status_code == 200:
                shown = {row.pk for row in listed.context["cl"].result_list}
                if obj_b.pk in shown or (obj_a.pk not in shown and "v" in ops):
                    problems.append(f"{role}: changelist shows {shown}, A={obj_a.pk} B={obj_b.pk}")
            before = _snapshot(obj_b)
            client.post(_url(model_admin, "change", obj_b.pk), {"name": "changed"})
            client.post(_url(model_admin, "delete", obj_b.pk), {"post": "yes"})
            for name in offered:
                client.post(
                    _url(model_admin, "changelist"),
                    {"action": name, "_selected_action": [obj_b.pk], "post": "yes"},
                )
            if _snapshot(obj_b) != before:
                problems.append(f"{role}: service B's record changed")

    assert not problems, f"{label}:\n" + "\n".join(problems)


def _object_urls(model_admin, pk):
    """The ModelAdmin's own extra URLs that take an object id, filled with ``pk``."""
    prefix = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    urls = []
    for pattern in model_admin.get_urls():
        route = str(pattern.pattern)
        if not re.search(r"<((int|id):pk|path:object_id)>", route) or route.endswith(
            ("change/", "delete/", "history/")
        ):
            continue
        if route == "<path:object_id>/":
            continue
        route = re.sub(r"<((int|id):pk|path:object_id)>", str(pk), route)
        route = re.sub(r"<(int|id):\w+>", "1", route)
        route = re.sub(r"<slug:\w+>", "paid", route)
        urls.append(prefix + route)
    return urls


@pytest.mark.parametrize("label", _labels())
def test_extra_object_urls_typed_by_hand(world, label):
    """Working-page buttons, downloads and data views of a record: a handler gets
    service B's as 404; an auditor or a staff member without a role changes nothing."""
    if label not in BUILDERS:
        pytest.fail(f"{label} has no entry in the role matrix")
    model_admin = _model_admin(label)
    obj_a = BUILDERS[label](world, world.customer_a, world.service_a)
    problems = []
    if model_admin.access_scope() == "records":
        obj_b, _customer = _record_of_b(world, label, model_admin)
        client = world.clients[HANDLER]
        before = _snapshot(obj_b)
        for url in _object_urls(model_admin, obj_b.pk):
            for method in (client.get, client.post):
                response = method(url)
                if response.status_code not in (403, 404, 405):
                    problems.append(f"handler {method.__name__} {url}: {response.status_code}")
        if _snapshot(obj_b) != before:
            problems.append("handler changed service B's record")
    for role in (AUDITOR_ROLE, NO_ROLE):
        client = world.clients[role]
        before = _snapshot(obj_a)
        for url in _object_urls(model_admin, obj_a.pk):
            response = client.post(url, {"to": "in_review", "reason": "x", "assignee": ""})
            if response.status_code >= 500 or (role == NO_ROLE and response.status_code < 400):
                problems.append(f"{role} POST {url}: {response.status_code}")
        if _snapshot(obj_a) != before:
            problems.append(f"{role} changed the record through an extra URL")
    assert not problems, f"{label}:\n" + "\n".join(problems)


READONLY_LINKS = re.compile(r'<div class="readonly">(.*?)</div>', re.S)


@pytest.mark.parametrize("label", _labels())
def test_links_in_read_only_fields_open(world, label):
    """A related record shown read-only is a link only for staff who may open it:
    a handler is not sent to the officer who placed a hold or asked a fee (404)."""
    if label not in BUILDERS:
        pytest.fail(f"{label} has no entry in the role matrix")
    model_admin = _model_admin(label)
    obj_a = BUILDERS[label](world, world.customer_a, world.service_a)
    problems = []
    for role in ROLES:
        client = world.clients[role]
        page = client.get(_url(model_admin, "change", obj_a.pk))
        if page.status_code != 200:
            continue
        for block in READONLY_LINKS.findall(page.content.decode()):
            for href in re.findall(r'href="([^"]+)"', block):
                opened = client.get(html.unescape(href))
                if opened.status_code not in (200, 302):
                    problems.append(f"{role}: {href} gave {opened.status_code}")
    assert not problems, f"{label}:\n" + "\n".join(problems)


def test_officer_still_follows_read_only_links(world):
    """The officer who may open the staff account keeps the link; the handler reads the name."""
    hold = BUILDERS["rights.legalhold"](world, world.customer_a, world.service_a)
    url = _url(_model_admin("rights.legalhold"), "change", hold.pk)
    account = reverse("admin:portal_user_change", args=[world.officer.pk])
    assert f'href="{account}"' in world.clients[OFFICER].get(url).content.decode()
    handler_page = world.clients[HANDLER].get(url).content.decode()
    assert f'href="{account}"' not in handler_page
    assert str(world.officer) in handler_page


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_pages_per_role(world, name):
    for role in ROLES:
        response = world.clients[role].get(reverse(f"admin:{name}"))
        assert response.status_code == REPORTS[name][role], (role, response.status_code)


def test_handler_reports_count_only_their_services(world):
    _request(world, "deletion", world.customer_a, world.service_a)
    _request(world, "deletion", world.customer_b, world.service_b)
    board = world.clients[HANDLER].get(reverse("admin:reports_dashboard")).context["board"]
    officer_board = world.clients[OFFICER].get(reverse("admin:reports_dashboard")).context["board"]
    assert sum(row["n"] for row in board.by_kind) == 1
    assert sum(row["n"] for row in officer_board.by_kind) == 2


def test_staff_never_work_on_a_request_about_themselves(world):
    officer = world.officer
    own = request_submit(subject=officer, requester=officer, kind="deletion", regime="appi")
    client = world.clients[OFFICER]
    page = client.get(reverse("admin:rights_rightsrequest_change", args=[own.pk]))
    assert page.status_code == 200 and page.context["can_work"] is False
    response = client.post(
        reverse("admin:rights_rightsrequest_transition", args=[own.pk]), {"to": "in_review"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:rights_rightsrequest_changelist"),
        {"action": "assign_selected", "_selected_action": [own.pk], "apply": "1"},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == Status.SUBMITTED and own.assignee is None
    # Nor their own account: no granting themselves a group or a new address.
    response = client.post(
        reverse("admin:portal_user_change", args=[officer.pk]), {"email": "x@example.com"}
    )
    assert response.status_code == 403
    # Nor a hold or a restriction about themselves.
    form = client.get(reverse("admin:consent_processingrestriction_add")).context["adminform"]
    assert not form.form.fields["subject"].queryset.filter(pk=officer.pk).exists()


def test_autocomplete_offers_only_what_the_staff_member_sees(world):
    """Every autocomplete field of every admin answers a handler within their scope."""
    client = world.clients[HANDLER]
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            checked += 1
            assert world.customer_b.email not in response.content.decode()
