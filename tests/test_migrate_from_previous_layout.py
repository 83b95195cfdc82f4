"""A database of the previous layout upgrades to portal.records with nothing lost.

Until the business records (usage, invoices, payment methods, inquiries) had an
app of their own they were the kernel's models, app label ``portal``. The
upgrade must keep every row and value, the content types' ids (so the
permissions groups and users hold, and admin log entries, follow the models to
the ``records`` label) and the registry keys stored in ledgers and holds.
"""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.kernel.models import Profile, Service, User
from portal.kernel.registry import registry
from portal.records.models import Inquiry, Invoice, PaymentMethod, UsageRecord

# The leaf migrations before portal.records existed (commit 19a7cb7).
PREVIOUS_LAYOUT = [
    ("portal", "0011_scheduled_run"),
    ("rights", "0018_agent_link_nonce_kept_after_answer"),
    ("consent", "0002_purposes_and_first_policy"),
]
MOVED = ["usagerecord", "invoice", "paymentmethod", "inquiry"]
AT = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
PHONE = "090-1234-5678"
BORN = dt.date(1988, 4, 12)
ITEMS = [
    {"name": "月額料金", "quantity": 1, "unit_price_jpy": 3300},
    {"name": "通話料", "quantity": 2, "unit_price_jpy": 110},
]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: the upgrade checked here is the one production databases "
            "(PostgreSQL) go through; on SQLite the migrations are checked by migrating "
            "an empty database"
        )


def _previous_layout():
    """Migrate the test database back to the previous layout; its models, historical."""
    executor = MigrationExecutor(connection)
    executor.migrate([*PREVIOUS_LAYOUT, ("records", None)])
    executor.loader.build_graph()
    graph = executor.loader.graph
    changed = {"portal", "rights", "consent", "records"}
    nodes = [*PREVIOUS_LAYOUT, *(n for n in graph.leaf_nodes() if n[0] not in changed)]
    ContentType.objects.clear_cache()
    return executor.loader.project_state(nodes).apps


def _latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _write_previous_rows(old):
    """Rows of every moved model, and rights keyed by their content types."""
    old_user = old.get_model("portal", "User")
    staff = old_user.objects.create(email="officer@example.com", is_staff=True)
    customer = old_user.objects.create(email="customer@example.com")
    old.get_model("portal", "Profile").objects.create(
        user=customer, full_name="山田 太郎", phone=PHONE, date_of_birth=BORN
    )
    service = old.get_model("portal", "Service").objects.create(
        code="mobile", name="スマイルモバイル", responsible=staff
    )
    rows = {
        "usagerecord": old.get_model("portal", "UsageRecord").objects.create(
            user=customer,
            service=service,
            occurred_at=AT,
            activity="data",
            detail="1.2 GB",
            channel="network",
            ip_address="203.0.113.7",
        ),
        "invoice": old.get_model("portal", "Invoice").objects.create(
            user=customer,
            service=service,
            number="INV-202405-000042",
            issued_on=dt.date(2024, 5, 31),
            amount_jpy=3520,
            items=ITEMS,
        ),
        "paymentmethod": old.get_model("portal", "PaymentMethod").objects.create(
            user=customer, brand="jcb", last4="4242", exp_month=7, exp_year=2028, added_at=AT
        ),
        "inquiry": old.get_model("portal", "Inquiry").objects.create(
            user=customer,
            service=service,
            received_at=AT,
            channel="phone",
            subject="請求額について",
            message="先月の請求額を教えてください。",
            reply="3,520円です。",
            replied_at=AT + dt.timedelta(hours=2),
        ),
    }

    old_content_type = old.get_model("contenttypes", "ContentType")
    old_permission = old.get_model("auth", "Permission")
    types, permissions = {}, {}
    for model in MOVED:
        types[model], _ = old_content_type.objects.get_or_create(app_label="portal", model=model)
        permissions[model], _ = old_permission.objects.get_or_create(
            content_type=types[model],
            codename=f"change_{model}",
            defaults={"name": f"Can change {model}"},
        )
    group = old.get_model("auth", "Group").objects.create(name="billing desk")
    group.permissions.set(permissions.values())
    staff.user_permissions.add(permissions["invoice"])
    old.get_model("admin", "LogEntry").objects.create(
        user=staff,
        content_type=types["invoice"],
        object_id=str(rows["invoice"].pk),
        object_repr=rows["invoice"].number,
        action_flag=2,
        change_message="[]",
    )
    return customer.pk, staff.pk, {m: row.pk for m, row in rows.items()}, types


def test_the_business_records_keep_rows_values_and_rights_under_the_new_label(postgresql_only):
    try:
        old = _previous_layout()
        customer_id, staff_id, pks, old_types = _write_previous_rows(old)
        _latest()

        # Every row and value, read through the new models.
        customer = User.objects.get(pk=customer_id)
        usage = UsageRecord.objects.get(pk=pks["usagerecord"])
        assert (usage.user, usage.service.code, usage.occurred_at, usage.activity) == (
            customer,
            "mobile",
            AT,
            UsageRecord.Activity.DATA,
        )
        assert (usage.detail, usage.channel) == ("1.2 GB", "network")
        assert usage.ip_address == "203.0.113.7"
        invoice = Invoice.objects.get(pk=pks["invoice"])
        assert (invoice.user, invoice.number, invoice.issued_on, invoice.amount_jpy) == (
            customer,
            "INV-202405-000042",
            dt.date(2024, 5, 31),
            3520,
        )
        assert invoice.items == ITEMS
        invoice.full_clean()  # still valid under the records app's validator
        card = PaymentMethod.objects.get(pk=pks["paymentmethod"])
        assert (card.user, card.brand, card.last4, card.exp_month, card.exp_year) == (
            customer,
            "jcb",
            "4242",
            7,
            2028,
        )
        inquiry = Inquiry.objects.get(pk=pks["inquiry"])
        assert (inquiry.service.code, inquiry.subject, inquiry.reply) == (
            "mobile",
            "請求額について",
            "3,520円です。",
        )
        assert inquiry.replied_at == AT + dt.timedelta(hours=2)
        # The customer's encrypted profile values (the kernel's, not moved) read back.
        profile = Profile.objects.get(user=customer)
        assert (profile.phone, profile.date_of_birth) == (PHONE, BORN)

        # The content types moved label and kept their ids; none is left behind.
        for model in MOVED:
            moved = ContentType.objects.get(app_label="records", model=model)
            assert moved.pk == old_types[model].pk
            assert moved.model_class()._meta.label_lower == f"records.{model}"
        assert not ContentType.objects.filter(app_label="portal", model__in=MOVED).exists()

        # The group's and the user's permissions, under the new label.
        group = Group.objects.get(name="billing desk")
        assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
            ("records", f"change_{model}") for model in MOVED
        }
        staff = User.objects.get(pk=staff_id)
        assert staff.has_perm("records.change_invoice")
        assert not staff.has_perm("portal.change_invoice")
        entry = LogEntry.objects.get(user=staff)
        assert entry.get_edited_object() == invoice

        # The registry keys stored in ledgers, holds and runs still find the rows.
        for model, key_model in [
            (UsageRecord, "usagerecord"),
            (Invoice, "invoice"),
            (PaymentMethod, "paymentmethod"),
            (Inquiry, "inquiry"),
        ]:
            source = registry.source(f"portal.{key_model}")
            assert source.model is model
            assert source.record(customer, pks[key_model]).id == pks[key_model]

        # The tables' sequences carry on after the old rows.
        later = Invoice.objects.create(
            user=customer,
            service=Service.objects.get(code="mobile"),
            number="INV-202406-000043",
            issued_on=dt.date(2024, 6, 30),
            amount_jpy=3300,
            items=ITEMS[:1],
        )
        assert later.pk > invoice.pk
    finally:
        _latest()
