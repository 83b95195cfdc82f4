"""The company's business records about its customers: usage, invoices, cards, inquiries.

Each row belongs to a customer and (except a general inquiry) to one of the
company's services (``portal.Service``, in the kernel), through which staff
access is scoped. Every model here holds personal data and is declared, field
by field, in portal/records/personal_data.py; the system check rights.E001
fails for a model that points at a user without being declared.

The tables keep the names they had when these models were the kernel's
(``portal_usagerecord`` etc.): the rows never moved, only the app label did.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from portal.kernel.models import Service


class UsageRecord(models.Model):
    """One entry of a customer's usage history of a service."""

    class Activity(models.TextChoices):
        LOGIN = "login", _("Logged in")
        VIEW = "view", _("Viewed content")
        SEARCH = "search", _("Searched")
        PURCHASE = "purchase", _("Purchased")
        DOWNLOAD = "download", _("Downloaded")
        CALL = "call", _("Made a call")
        DATA = "data", _("Used mobile data")
        POINTS = "points", _("Earned or used points")
        SETTINGS = "settings", _("Changed settings")

    class Channel(models.TextChoices):
        WEB = "web", _("Website")
        APP = "app", _("Mobile app")
        STORE = "store", _("Shop")
        PHONE = "phone", _("Telephone")
        NETWORK = "network", _("Network")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="usage_records",
        # The composite index below starts with user_id and serves lookups by user.
        db_index=False,
        verbose_name=_("customer"),
        help_text=_("The customer who used the service."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="usage_records",
        verbose_name=_("service"),
        help_text=_("The service used."),
    )
    occurred_at = models.DateTimeField(_("time"), help_text=_("When it happened."))
    activity = models.CharField(
        _("activity"), max_length=16, choices=Activity.choices, help_text=_("What was done.")
    )
    detail = EncryptedCharField(
        _("detail"),
        max_length=200,
        blank=True,
        help_text=_("e.g. the title viewed or the amount of data used."),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, help_text=_("Where it was done.")
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, help_text=_("Where the access came from.")
    )

    class Meta:
        db_table = "portal_usagerecord"
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        indexes = [
            # Serves the paginated history per service (newest first), the
            # per-service counts and the streamed export, all filtered by user.
            models.Index(
                fields=["user", "service", "-occurred_at", "-id"], name="usage_user_service_time"
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_activity_display()}"


def validate_invoice_items(items):
    """Items are a list of {"name": text, "quantity": int > 0, "unit_price_jpy": int >= 0}."""
    message = _(
        "Each item needs a name, a quantity of at least 1 and a unit price in yen of 0 or more."
    )
    if not isinstance(items, list) or not items:
        raise ValidationError(_("An invoice needs at least one item."), code="no_items")
    for item in items:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not item["name"].strip()
            or not isinstance(item.get("quantity"), int)
            or item["quantity"] < 1
            or not isinstance(item.get("unit_price_jpy"), int)
            or item["unit_price_jpy"] < 0
        ):
            raise ValidationError(message, code="bad_item")


class Invoice(models.Model):
    """An invoice for a service: date, total in yen and the items billed.

    Unit prices include consumption tax, so the total is the sum of the items.
    Invoices are transaction documents the Corporation Tax Act requires to be
    kept (retention code ``tax-records``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invoices",
        db_index=False,  # covered by invoice_user_service_date
        verbose_name=_("customer"),
        help_text=_("The customer billed."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("service"),
        help_text=_("The service billed for."),
    )
    number = models.CharField(
        _("invoice number"), max_length=32, unique=True, help_text=_("e.g. INV-202604-000123.")
    )
    issued_on = models.DateField(_("date"), help_text=_("Date of issue."))
    amount_jpy = models.PositiveIntegerField(
        _("amount (yen)"), help_text=_("Total including consumption tax, in yen.")
    )
    items = EncryptedJSONField(
        _("items"),
        validators=[validate_invoice_items],
        help_text=_('List of {"name", "quantity", "unit_price_jpy"}; prices include tax.'),
    )

    class Meta:
        db_table = "portal_invoice"
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(
                fields=["user", "service", "-issued_on", "-id"], name="invoice_user_service_date"
            ),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        super().clean()
        try:
            validate_invoice_items(self.items)
        except ValidationError:
            return  # reported on the field by clean_fields
        total = sum(item["quantity"] * item["unit_price_jpy"] for item in self.items)
        if self.amount_jpy is not None and total != self.amount_jpy:
            raise ValidationError(
                {"amount_jpy": _("The amount must equal the sum of the items (%(total)s yen).")},
                params={"total": total},
            )


class PaymentMethod(models.Model):
    """A card the customer stored for payment: brand, last four digits and expiry.

    Never a full card number, a security code or a holder name: the card
    itself is kept by the payment provider.
    """

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        JCB = "jcb", "JCB"
        AMEX = "amex", "American Express"
        DINERS = "diners", "Diners Club"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="payment_methods",
        verbose_name=_("customer"),
        help_text=_("The customer who stored the card."),
    )
    brand = models.CharField(
        _("card brand"), max_length=16, choices=Brand.choices, help_text=_("Card brand.")
    )
    last4 = models.CharField(
        _("last four digits"),
        max_length=4,
        validators=[
            RegexValidator(r"^[0-9]{4}$", _("Enter exactly the last four digits of the card."))
        ],
        help_text=_("Only the last four digits; never the full number."),
    )
    exp_month = models.PositiveSmallIntegerField(
        _("expiry month"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1 to 12."),
    )
    exp_year = models.PositiveSmallIntegerField(
        _("expiry year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Four digits, e.g. 2028."),
    )
    added_at = models.DateTimeField(
        _("added at"), default=timezone.now, help_text=_("When the card was stored.")
    )

    class Meta:
        db_table = "portal_paymentmethod"
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exp_month__gte=1, exp_month__lte=12),
                name="payment_method_month_valid",
            ),
            # A second line of defence against a full card number slipping in.
            models.CheckConstraint(
                condition=models.lookups.Exact(Length("last4"), 4),
                name="payment_method_last4_only",
            ),
        ]

    def __str__(self):
        return f"{self.get_brand_display()} •••• {self.last4}"


class Inquiry(models.Model):
    """A question or complaint from the customer, and the company's answer."""

    class Channel(models.TextChoices):
        WEB = "web", _("Contact form")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Telephone")
        LETTER = "letter", _("Letter")
        STORE = "store", _("Shop")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inquiries",
        verbose_name=_("customer"),
        help_text=_("The customer who wrote or called."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("service"),
        help_text=_("The service it is about; empty for general questions."),
    )
    received_at = models.DateTimeField(_("received at"), help_text=_("When it reached us."))
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, help_text=_("How it reached us.")
    )
    subject = EncryptedCharField(_("subject"), max_length=200, help_text=_("A short summary."))
    message = EncryptedTextField(_("message"), help_text=_("What the customer wrote or said."))
    reply = EncryptedTextField(_("reply"), blank=True, help_text=_("Our answer, if any."))
    replied_at = models.DateTimeField(
        _("replied at"), null=True, blank=True, help_text=_("When we answered.")
    )

    class Meta:
        db_table = "portal_inquiry"
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [models.Index(fields=["user", "-received_at"], name="inquiry_user_time")]

    def __str__(self):
        return self.subject
