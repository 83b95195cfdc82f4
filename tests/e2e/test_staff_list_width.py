"""The staff lists with many columns (legal holds, fees, payments, deferred erasures,
retention rules, provision records, service pages, customers and staff) at 1280
pixels, with the admin's navigation and the filters open: the results table fits its
box, so nothing a privacy officer reads is scrolled out of sight.

The rows carry the widest values these lists show: a payment reference whose random
letters are the widest of its alphabet, days with two-digit months and days, long
e-mail addresses and names. The
table at its narrowest must leave a margin in its box, so that a reference drawn
otherwise, another day or another machine's fonts do not make it scroll."""

import datetime as dt

import pytest
from django.utils import timezone

from consent.models import ProvisionRecord, Recipient, ServicePage
from portal.kernel.models import ScheduledRun, Service
from portal.kernel.staff import staff_create
from rights import fees, workflow
from rights.choices import PaymentMethod, Status
from rights.models import Payment
from rights.retention.holds.services import hold_place
from rights.retention.models import DeferredErasure, RetentionRule
from rights.services import request_submit
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, UserFactory
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db(transaction=True)

#: Pixels the narrowest table leaves free in its box (about three characters).
MARGIN = 40

LISTS = [
    "/admin/rights/legalhold/",
    "/admin/rights/feeschedule/",
    "/admin/rights/deferrederasure/",
    "/admin/rights/retentionrule/",
    "/admin/rights/payment/",
    "/admin/consent/provisionrecord/",
    "/admin/consent/servicepage/",
    "/admin/portal/user/",
    "/admin/portal/scheduledrun/",
]


def _seed():
    """Rows with values as long as real ones: long addresses, service names, reasons."""
    officer, _device, _ = staff_create(
        email="privacy.officer.of.the.company@example.co.jp", password=PASSWORD
    )
    customer = UserFactory(email="a.customer.with.a.rather.long.address@example.co.jp")
    service = Service.objects.create(
        code="fibre-home", name="Home fibre broadband and mobile bundle", responsible=officer
    )
    today = timezone.localdate()
    recipient = Recipient.objects.create(
        name_ja="サンプルグループ・マーケティング・ソリューションズ株式会社",
        name_en="Sample Group Marketing Solutions Co., Ltd.",
        kind=Recipient.Kind.THIRD_PARTY,
        country="JP",
    )
    ProvisionRecord.objects.create(
        provided_on=dt.date(today.year, 12, 28),
        recipient=recipient,
        subject=customer,
        data_items="name, address, purchase history",
        ground=ProvisionRecord.Ground.EMERGENCY,
    )
    ServicePage.objects.create(
        service=service,
        desk_ja="ホーム光ブロードバンド・モバイルセット お客様窓口",
        desk_en="Home fibre broadband and mobile bundle customer desk",
        responsible_ja="ホーム光ブロードバンド 個人情報管理責任者 佐藤 健",
        responsible_en="Ken Sato, data protection lead of Home fibre broadband",
        desk_email="home-fibre-broadband-privacy@rights-portal.example.co.jp",
        is_published=True,
    )
    hold = hold_place(
        actor=officer,
        subject=customer,
        service=service,
        categories=["transactions", "communications", "contract", "usage"],
        reason="Litigation: the customer disputes the invoices of 2024 in the Tokyo District Court",
        legal_basis="Preservation order of the Tokyo District Court, case (yo) No. 1234 of 2025",
        starts_on=today,
        ends_on=today + dt.timedelta(days=700),
    )
    for kind, basis, method in [
        ("disclosure", "published", "paper"),
        ("disclosure", "published", "electronic"),
        ("purpose_notice", "published", ""),
    ]:
        publish(
            kind=kind,
            basis=basis,
            delivery_method=method,
            amount=12_000,
            effective_from=today - dt.timedelta(days=400),
            effective_until=today + dt.timedelta(days=3650),
        )
    publish(kind="disclosure", regime="gdpr", basis="further_copy", amount=1_500)
    rule = RetentionRule.objects.order_by("-statute").first()
    for n in range(3):
        request = request_submit(
            subject=customer,
            requester=customer,
            kind="deletion" if n else "disclosure",
            services=[service],
            delivery_method="" if n else "electronic",
        )
        DeferredErasure.objects.create(
            request=request,
            subject=customer,
            source="portal.invoice" if n % 2 else "portal.inquiry",
            category="transactions" if n % 2 else "communications",
            record_ids=list(range(1, 40)),
            rule=None if n == 2 else rule,
            legal_hold=hold if n == 2 else None,
            reason="hold" if n == 2 else "retention",
            not_before=today + dt.timedelta(days=2000),
        )
        if n == 0:
            workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
            payment = fees.fee_request(request=request, actor=officer)
            fees.payment_record(
                payment=payment, method=PaymentMethod.CONVENIENCE_STORE, actor=officer
            )
            # W is the widest letter a payment reference draws (fees._REFERENCE_ALPHABET),
            # and 28 December the widest day.
            Payment.objects.filter(pk=payment.pk).update(
                reference=f"{payment.reference[:-4]}WWWW",
                due_at=dt.datetime(
                    today.year, 12, 28, 23, 59, tzinfo=timezone.get_default_timezone()
                ),
                paid_at=dt.datetime(
                    today.year, 11, 28, 14, 5, tzinfo=timezone.get_default_timezone()
                ),
            )
    DeferredErasure.objects.update(not_before=dt.date(today.year + 6, 12, 28))
    # What the jobs did, as long as a night's sweep over several rules.
    now = timezone.now()
    for job, result in [
        (
            "rights-retention-sweep",
            {
                "usage-log": {"portal.usagerecord": 123456},
                "correspondence": {"portal.inquiry": 1},
                "marketing-delivery": {"consent.marketingdelivery": 20000},
            },
        ),
        ("rights-connectors-after-holds", {"asked": 12, "still_held": 3}),
    ]:
        ScheduledRun.objects.create(
            job=job, period_start=now, task_id=job, finished_at=now, result=result
        )
    return officer


@pytest.mark.parametrize("language", ["ja", "en"])
def test_staff_lists_fit_a_1280_pixel_window(browser, live_server, language):
    officer = _seed()
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 800})
    too_wide = {}
    for url in LISTS:
        page.goto(url)
        assert (
            page.locator("#nav-sidebar").is_visible()
            and page.locator("#changelist-filter").is_visible()
        ), url
        assert page.locator("#result_list tbody tr").count() >= 1, url
        # The table's width as laid out, and at its narrowest (every column wrapped as
        # far as it goes), against the width of its box.
        width = page.evaluate(
            "(() => { const r = document.querySelector('#changelist .results');"
            " const t = document.querySelector('#result_list'); const shown = r.scrollWidth;"
            " t.style.width = 'min-content'; const narrowest = t.offsetWidth;"
            " t.style.width = ''; return [shown, narrowest, r.clientWidth]; })()"
        )
        if width[0] > width[2] or width[1] + MARGIN > width[2]:
            too_wide[url] = width
    context.close()
    assert not too_wide, too_wide
