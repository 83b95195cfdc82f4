"""The personal data portal's models hold, declared for the registry.

Read by portal.kernel.registry at start-up. Each field says its category, its label
on the "my data" page, whether it may be corrected, and what erasing its
category leaves behind. Models that point at users but hold no customer data
are exempted here with the reason.
"""

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel.registry import Category, Lookup, ModelSource, PersonalField, registry

from .models import (
    Inquiry,
    Invoice,
    PaymentMethod,
    Profile,
    ServiceRegistration,
    UsageRecord,
    User,
)


def yen(amount: int) -> str:
    return gettext("¥%(amount)s") % {"amount": f"{amount:,}"}


def invoice_items(items: list) -> str:
    return " / ".join(
        gettext("%(name)s × %(quantity)s (%(price)s each)")
        % {"name": item["name"], "quantity": item["quantity"], "price": yen(item["unit_price_jpy"])}
        for item in items
    )


def month_year(value: int) -> str:
    return f"{value:02d}"


registry.register(
    ModelSource(
        model=User,
        subject_path="",
        label=_("Login account"),
        origin=_("You, when you signed up; login times are recorded by the portal."),
        retention="account",
        # The account row stays (requests, holds and the audit trail point at
        # it); erasing overwrites what identifies the person.
        erasure="anonymise",
        fields=[
            PersonalField(
                "email",
                Category.CONTACT,
                _("e-mail address"),
                # Unique, so the replacement is built from the row's id.
                erase_to=Concat(
                    Value("erased-"), Cast("pk", CharField()), Value("@erased.invalid")
                ),
                # Changing the login address needs a confirmed new address.
                editable=False,
                lookup=Lookup.EMAIL,
            ),
            PersonalField(
                "language", Category.ACCOUNT, _("language"), erase_to=Value("ja"), editable=True
            ),
            PersonalField(
                "date_joined",
                Category.ACCOUNT,
                _("date joined"),
                erase_to=TruncYear("date_joined"),  # only the year remains
                editable=False,
            ),
            PersonalField(
                "last_login", Category.ACCOUNT, _("last login"), erase_to=None, editable=False
            ),
        ],
    )
)

registry.register(
    ModelSource(
        model=Profile,
        subject_path="user",
        label=_("Profile"),
        origin=_("You, at sign-up or in your account settings."),
        retention="account",
        erasure="anonymise",
        fields=[
            PersonalField(
                "full_name", Category.IDENTITY, _("full name"), erase_to="", lookup=Lookup.NAME
            ),
            PersonalField(
                "full_name_kana",
                Category.IDENTITY,
                _("name in kana"),
                erase_to="",
                lookup=Lookup.NAME,
            ),
            PersonalField("postal_code", Category.CONTACT, _("postal code"), erase_to=""),
            PersonalField("address", Category.CONTACT, _("address"), erase_to=""),
            PersonalField("phone", Category.CONTACT, _("phone"), erase_to="", lookup=Lookup.PHONE),
            PersonalField(
                "date_of_birth",
                Category.DEMOGRAPHIC,
                _("date of birth"),
                erase_to=None,
                lookup=Lookup.DATE,
            ),
            PersonalField("gender", Category.DEMOGRAPHIC, _("gender"), erase_to=""),
            PersonalField("occupation", Category.PROFESSIONAL, _("occupation"), erase_to=""),
            PersonalField("industry", Category.PROFESSIONAL, _("industry"), erase_to=""),
        ],
    )
)

registry.register(
    ModelSource(
        model=PaymentMethod,
        subject_path="user",
        label=_("Stored cards"),
        origin=_(
            "You, when you registered the card; we keep only its brand, last digits and expiry."
        ),
        retention="payment-method",
        erasure="delete",
        order_by=("-added_at", "-pk"),
        fields=[
            PersonalField("brand", Category.PAYMENT, _("card brand"), editable=False),
            PersonalField("last4", Category.PAYMENT, _("last four digits"), editable=False),
            PersonalField("exp_month", Category.PAYMENT, _("expiry month"), display=month_year),
            PersonalField("exp_year", Category.PAYMENT, _("expiry year")),
            PersonalField("added_at", Category.PAYMENT, _("added at"), editable=False),
        ],
    )
)

registry.register(
    ModelSource(
        model=ServiceRegistration,
        subject_path="user",
        service_path="service",
        label=_("Registrations"),
        origin=_("You, when you applied for the service."),
        retention="contract",
        erasure="delete",
        order_by=("-started_on", "-pk"),
        fields=[
            PersonalField("member_number", Category.CONTRACT, _("member number"), editable=False),
            PersonalField("plan", Category.CONTRACT, _("plan"), editable=False),
            PersonalField("started_on", Category.CONTRACT, _("started on")),
            PersonalField("ended_on", Category.CONTRACT, _("ended on")),
        ],
    )
)

registry.register(
    ModelSource(
        model=UsageRecord,
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
        subject_path="user",
        service_path="service",
        label=_("Invoices"),
        origin=_("Issued by us for the services you used."),
        # Transaction documents: Corporation Tax Act, kept 7 years.
        retention="tax-records",
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
        subject_path="user",
        service_path="service",
        label=_("Inquiries"),
        origin=_("You, when you contacted us, and our replies."),
        retention="correspondence",
        erasure="delete",
        order_by=("-received_at", "-pk"),
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

# Models that point at users without holding customer data to manage.
registry.exempt(
    "portal.AuditEvent",
    reason="The audit trail itself: append-only evidence of what was done; it records "
    "ids, counts and field names, never the personal data.",
)
registry.exempt(
    "portal.Service",
    reason="Points at staff accounts (responsible person, handlers), not at customers.",
)
registry.exempt(
    "admin.LogEntry",
    reason="Django admin's change log of staff actions; staff accounts, not customers.",
)
registry.exempt(
    "otp_email.EmailDevice",
    reason="Login codes by e-mail: a credential, not data shown or disclosed; it goes "
    "with the account.",
)
registry.exempt(
    "otp_totp.TOTPDevice",
    reason="Authenticator-app secret: a credential that must never be disclosed; it goes "
    "with the account.",
)
