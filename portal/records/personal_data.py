"""The personal data of the business records, declared for the registry.

Read by portal.kernel.registry at start-up, like every app's personal_data.py.

Each source keeps the key it had when these models were the kernel's
(``portal.invoice`` and so on), given explicitly: the keys are stored in
erasure-ledger entries, deferred-erasure steps, legal holds' record lists
(``portal.invoice:42``), retention-run counts and encrypted request scopes,
so they stay fixed whatever the app label of the model.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel.personal_data import yen
from portal.kernel.registry import Category, ModelSource, PersonalField, registry

from .models import Inquiry, Invoice, PaymentMethod, UsageRecord


def invoice_items(items: list) -> str:
    return " / ".join(
        gettext("%(name)s × %(quantity)s (%(price)s each)")
        % {"name": item["name"], "quantity": item["quantity"], "price": yen(item["unit_price_jpy"])}
        for item in items
    )


def month_year(value: int) -> str:
    return f"{value:02d}"


def year(value: int) -> str:
    """A year as written, without a thousands separator (2030, not 2,030)."""
    return str(value)


registry.register(
    ModelSource(
        model=PaymentMethod,
        key="portal.paymentmethod",
        subject_path="user",
        label=_("Stored cards"),
        origin=_(
            "You, when you registered the card; we keep only its brand, last digits and expiry."
        ),
        retention="payment-method",
        erasure="delete",
        order_by=("-added_at", "-pk"),
        named_by="last4",
        fields=[
            PersonalField("brand", Category.PAYMENT, _("card brand"), editable=False),
            PersonalField("last4", Category.PAYMENT, _("last four digits"), editable=False),
            PersonalField("exp_month", Category.PAYMENT, _("expiry month"), display=month_year),
            PersonalField("exp_year", Category.PAYMENT, _("expiry year"), display=year),
            PersonalField("added_at", Category.PAYMENT, _("added at"), editable=False),
        ],
    )
)

registry.register(
    ModelSource(
        model=UsageRecord,
        key="portal.usagerecord",
        subject_path="user",
        service_path="service",
        label=_("Usage history"),
        origin=_("Recorded by our systems when you used the service."),
        retention="usage-log",
        erasure="delete",
        order_by=("-occurred_at", "-pk"),
        fields=[
            # A log of what happened: deleted on request, never rewritten.
            PersonalField("occurred_at", Category.USAGE, _("time"), editable=False),
            PersonalField("activity", Category.USAGE, _("activity"), editable=False),
            PersonalField("detail", Category.USAGE, _("detail"), editable=False),
            PersonalField("channel", Category.USAGE, _("channel"), editable=False),
            PersonalField("ip_address", Category.USAGE, _("IP address"), editable=False),
        ],
    )
)

registry.register(
    ModelSource(
        model=Invoice,
        key="portal.invoice",
        subject_path="user",
        service_path="service",
        label=_("Invoices"),
        origin=_("Issued by us for the services you used."),
        # A transaction document (Corporation Tax Act: 7 years, 10 for loss years) and an
        # important business document (Companies Act art. 432(2): 10 years from closing
        # the books): kept until the longer ends (docs/legal.md#retention-rules).
        retention="tax-records",
        also_retained_under=("accounting-books",),
        erasure="delete",
        order_by=("-issued_on", "-pk"),
        fields=[
            PersonalField("number", Category.TRANSACTIONS, _("invoice number"), editable=False),
            PersonalField("issued_on", Category.TRANSACTIONS, _("date"), editable=False),
            PersonalField(
                "amount_jpy", Category.TRANSACTIONS, _("amount"), editable=False, display=yen
            ),
            PersonalField(
                "items", Category.TRANSACTIONS, _("items"), editable=False, display=invoice_items
            ),
        ],
    )
)

registry.register(
    ModelSource(
        model=Inquiry,
        key="portal.inquiry",
        subject_path="user",
        service_path="service",
        label=_("Inquiries"),
        origin=_("You, when you contacted us, and our replies."),
        retention="correspondence",
        erasure="delete",
        order_by=("-received_at", "-pk"),
        named_by="received_at",
        fields=[
            PersonalField("received_at", Category.COMMUNICATIONS, _("received at"), editable=False),
            PersonalField("channel", Category.COMMUNICATIONS, _("channel"), editable=False),
            PersonalField("subject", Category.COMMUNICATIONS, _("subject")),
            PersonalField("message", Category.COMMUNICATIONS, _("message"), editable=False),
            PersonalField("reply", Category.COMMUNICATIONS, _("reply"), editable=False),
            PersonalField("replied_at", Category.COMMUNICATIONS, _("replied at"), editable=False),
        ],
    )
)
