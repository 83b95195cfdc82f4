"""seed_demo: services, customers in Japanese and English, years of records; repeatable."""

import datetime
import io
import re
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import AuditEvent, Profile, Service, ServiceRegistration, User
from portal.kernel.roles import SERVICE_HANDLER
from portal.kernel.selectors import staff_service_scope, subjects_visible_to
from portal.records.demo import OUT_OF_HANDLER_SCOPE
from portal.records.models import Invoice, UsageRecord
from rights.choices import EventKind, Kind, PaymentStatus, Status
from rights.models import RequestEvent, RightsRequest

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Profile, Service, ServiceRegistration, UsageRecord, Invoice)
    }


def test_seed_demo_loads_years_of_records_and_adds_nothing_when_repeated(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert "handler@example.com" in capsys.readouterr().out

    assert first["Service"] >= 4 and first["User"] >= 9
    demo = User.objects.get(email="demo@example.com")
    years_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    assert UsageRecord.objects.filter(user=demo, occurred_at__lt=years_ago).exists()
    assert UsageRecord.objects.filter(user=demo).count() > 1000
    assert Invoice.objects.filter(user=demo, issued_on__lt=years_ago.date()).exists()
    assert Invoice.objects.filter(user=demo).values("service").distinct().count() >= 3
    for invoice in Invoice.objects.filter(user=demo)[:50]:
        invoice.full_clean()  # items and total agree, as the model requires

    names = set(Profile.objects.values_list("full_name", flat=True))
    assert {"山田 花子", "佐藤 健一", "Emily Carter", "Michael Brown"} <= names
    addresses = [p.address for p in Profile.objects.all()]
    assert any("Tokyo" in address for address in addresses)
    assert any(address.startswith("東京都") for address in addresses)

    # A customer who reads Japanese has usage details written in Japanese (「16分」,
    # 「マイひかり」), an English one in English.
    english = User.objects.filter(language="en", usage_records__isnull=False).distinct()
    for user in (demo, *english.order_by("pk")[:1]):
        details = " ".join(
            UsageRecord.objects.filter(user=user)
            .exclude(detail="")
            .order_by("pk")
            .values_list("detail", flat=True)[:2000]
        )
        if user.language == "en":
            # Calls ("16 min"), points ("+200 pt") or data: never a Japanese word.
            assert details and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", details)
        else:
            assert "分" in details and " min" not in details and "My Hikari" not in details


def test_the_demo_handler_works_on_some_services_only():
    call_command("seed_demo")
    handler = User.objects.get(email="handler@example.com")
    assert handler.groups.filter(name=SERVICE_HANDLER).exists()
    scope = staff_service_scope(handler)
    assert scope and scope < set(Service.objects.values_list("code", flat=True))


def test_totp_code_prints_the_code_the_demo_officers_authenticator_shows(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    officer = User.objects.get(email="officer@example.com")
    device = TOTPDevice.objects.get(user=officer, confirmed=True)
    out = io.StringIO()

    call_command("totp_code", "officer@example.com", stdout=out)

    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    assert device.verify_token(code)


def test_totp_code_refuses_outside_debug_and_for_unknown_addresses(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No account"):
        call_command("totp_code", "nobody@example.com", stdout=io.StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("totp_code", "officer@example.com", stdout=io.StringIO())


def test_some_seeded_customers_use_no_service_of_the_demo_handler(capsys):
    """The handler's scope can be seen in the demo: customers of fibre and points only
    are found by the officer and not by the handler (APPI art. 23: access on a need basis)."""
    call_command("seed_demo")
    assert "james.taylor@example.com" in capsys.readouterr().out
    handler = User.objects.get(email="handler@example.com")
    officer = User.objects.get(email="officer@example.com")
    customers = User.objects.filter(email__in=OUT_OF_HANDLER_SCOPE)
    assert customers.count() == len(OUT_OF_HANDLER_SCOPE) == 2
    assert not subjects_visible_to(handler, customers).exists()
    assert subjects_visible_to(officer, customers).count() == 2
    # ... while the handler still sees other seeded customers.
    assert subjects_visible_to(
        handler, User.objects.filter(email__endswith="@example.com")
    ).exists()


def test_the_staff_queue_of_the_demo_holds_requests_in_typical_states():
    """A newcomer opening the queue sees work: a new disclosure, one awaiting its fee, a
    correction in review, an overdue one and a completed deletion, each filed and moved
    through the services and the workflow (events and audit trail), once."""
    call_command("seed_demo", stdout=io.StringIO())
    seeded = {r.pk: (r.kind, r.status) for r in RightsRequest.objects.all()}
    call_command("seed_demo", stdout=io.StringIO())
    assert {r.pk: (r.kind, r.status) for r in RightsRequest.objects.all()} == seeded

    requests = RightsRequest.objects.select_related("subject")
    assert {(kind, status) for kind, status in seeded.values()} >= {
        (Kind.DISCLOSURE, Status.SUBMITTED),
        (Kind.DISCLOSURE, Status.AWAITING_PAYMENT),
        (Kind.CORRECTION, Status.IN_REVIEW),
        (Kind.DELETION, Status.COMPLETED),
    }
    assert all(r.subject.email.endswith("@example.com") for r in requests)
    assert requests.overdue().count() == 1
    fee = requests.get(status=Status.AWAITING_PAYMENT)
    assert fee.payments.get().status == PaymentStatus.PENDING
    correction = requests.get(kind=Kind.CORRECTION)
    assert correction.scope["changes"][0]["new_value"]
    for request in requests:
        events = RequestEvent.objects.filter(request=request, kind=EventKind.TRANSITION)
        events = events.order_by("pk")
        assert events[0].to_status == Status.SUBMITTED
        assert events.last().to_status == request.status
        target = f"rights.rightsrequest:{request.pk}"
        assert AuditEvent.objects.filter(action="request.submitted", target=target).exists()


@pytest.mark.django_db(transaction=True)
def test_the_logins_are_the_last_lines_after_the_demo_notices(settings, capsys):
    """`make run` prints the demo mails on its console: the notices of the demo requests,
    sent when the data is committed, come before the logins, which stay in sight above
    the server's output."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    call_command("seed_demo", stdout=sys.stdout)
    output = capsys.readouterr().out

    assert "Subject:" in output[: output.index("Demo data loaded.")]  # the notices, before
    tail = output[output.index("Demo data loaded.") :]
    assert "officer@example.com / officer-portal-2026" in tail
    assert "Subject:" not in tail


def test_the_demo_loads_in_a_portal_whose_default_regime_is_the_gdpr(settings):
    """The demo's requests are APPI requests of customers in Japan, with the published
    fee of APPI art. 38: with RIGHTS_DEFAULT_REGIME=gdpr, seed_demo stopped half-way, as
    a GDPR request may not be charged that fee (GDPR art. 12(5))."""
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    call_command("seed_demo", stdout=io.StringIO())
    regimes = set(RightsRequest.objects.values_list("regime", flat=True))
    assert regimes == {"appi"}
    assert RightsRequest.objects.filter(status=Status.AWAITING_PAYMENT).count() == 1


def test_seed_demo_points_to_totp_code_only_where_it_runs(settings, capsys):
    """With DEBUG=0 (the documented plain-HTTP trial of make serve) seed_demo told the
    operator to run `manage.py totp_code`, which refuses to run there."""
    settings.DEBUG = False
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "totp_code" not in out
    assert "Officer TOTP secret:" in out


def test_seed_demo_says_where_the_demo_mail_goes(settings, tmp_path, capsys):
    # An installation with EMAIL_URL set (DEBUG=0, `make serve`) mails the codes;
    # only the console backend prints them, in the worker's output when a broker is set.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "console" not in out
    assert "(e-mail codes are sent as mail: EMAIL_URL)" in out
    assert "task mails sent as mail: EMAIL_URL" in out

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    call_command("seed_demo")
    assert "(e-mail codes are printed by the Celery worker)" in capsys.readouterr().out


def test_seed_demo_runs_again_after_the_demo_customer_was_erased(capsys):
    # A try-out erases the demo customer's registrations and usage (a deletion, the
    # retention sweep) while the invoices stay under the tax rule; seeding again
    # must add nothing rather than fail on the kept invoices' numbers.
    call_command("seed_demo")
    demo = User.objects.get(email="demo@example.com")
    ServiceRegistration.objects.filter(user=demo).delete()
    UsageRecord.objects.filter(user=demo).delete()
    invoices = Invoice.objects.filter(user=demo).count()
    call_command("seed_demo")
    assert Invoice.objects.filter(user=demo).count() == invoices
    assert not ServiceRegistration.objects.filter(user=demo).exists()
    assert "Demo data loaded." in capsys.readouterr().out
