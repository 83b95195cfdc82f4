"""Customer accounts, profiles, one-time-password devices, the audit trail, and the
company's services with the customer's business records."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import encryption
from .db import append_only_triggers
from .fields import (
    DerivedCharField,
    DerivedColumnsModel,
    DerivedColumnsQuerySet,
    DerivedSmallIntegerField,
    EncryptedCharField,
    EncryptedDateField,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # E-mail is the login and is unique whatever its case.
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra_fields)


class SessionsEndedReason(models.TextChoices):
    LOGOUT_EVERYWHERE = "logout_everywhere", _("logged out everywhere")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    PASSWORD_RESET = "password_reset", _("password reset")


# Django's own salt: with session_epoch 0 the check value is Django's, so the
# sessions that existed before the epoch was introduced stay valid.
_SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: a customer, or a member of staff.

    The e-mail address is the login. It is unique without regard to case, and a
    customer may log in only once it has been verified through the link mailed
    at sign-up.
    """

    email = models.EmailField(
        _("e-mail address"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("An account with this e-mail address already exists.")},
        help_text=_("The login; unique whatever its case."),
    )
    email_verified_at = models.DateTimeField(
        _("e-mail verified at"),
        null=True,
        blank=True,
        help_text=_("When the customer followed the verification link; empty until then."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of e-mails and notices sent to this person."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Staff may log in to the admin site (with a one-time password)."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive accounts cannot log in; used instead of deleting accounts."),
    )
    date_joined = models.DateTimeField(
        _("date joined"), default=timezone.now, help_text=_("When the account was created.")
    )
    session_epoch = models.PositiveIntegerField(
        _("session generation"),
        default=0,
        editable=False,
        help_text=_(
            "Raised to end every session of the person at once (log out everywhere, "
            "a new password); it is part of each session's check value."
        ),
    )
    sessions_ended_at = models.DateTimeField(
        _("sessions ended at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When all sessions were last ended at once."),
    )
    sessions_ended_reason = models.CharField(
        _("why sessions were ended"),
        max_length=24,
        choices=SessionsEndedReason.choices,
        blank=True,
        editable=False,
        help_text=_("Told to the person when a session of theirs finds it has been ended."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="portal_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def _session_hash(self, secret=None) -> str:
        value = self.password if not self.session_epoch else f"{self.password}:{self.session_epoch}"
        return salted_hmac(_SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self):
        """The value each session keeps and Django compares on every request.

        It covers the password hash and the session epoch, so a new password or
        a raised epoch (``portal.accounts.services.sessions_end_all``) ends every session
        made before it.
        """
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)


class Profile(DerivedColumnsModel):
    """What the customer told us about themselves at sign-up or in their settings.

    Postal code, address, phone and date of birth are encrypted at rest
    (portal.kernel.fields); staff find a customer by phone or date of birth through
    their keyed hashes, and the anonymised statistics read the birth year and
    the prefecture kept beside them.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
        help_text=_("The account this profile belongs to."),
    )
    full_name = models.CharField(
        _("full name"), max_length=150, help_text=_("Name as written, e.g. 山田 太郎.")
    )
    full_name_kana = models.CharField(
        _("name in kana"),
        max_length=150,
        blank=True,
        help_text=_("Reading of the name in katakana, e.g. ヤマダ タロウ."),
    )
    postal_code = EncryptedCharField(
        _("postal code"), max_length=16, blank=True, help_text=_("e.g. 100-0001")
    )
    address = EncryptedCharField(
        _("address"), max_length=300, blank=True, help_text=_("Postal address.")
    )
    phone = EncryptedCharField(
        _("phone"), max_length=32, blank=True, help_text=_("Phone number, e.g. 03-1234-5678.")
    )
    date_of_birth = EncryptedDateField(
        _("date of birth"), null=True, blank=True, help_text=_("Format: YYYY-MM-DD.")
    )
    gender = models.CharField(
        _("gender"),
        max_length=16,
        choices=Gender.choices,
        blank=True,
        help_text=_("Optional."),
    )
    occupation = models.CharField(
        _("occupation"), max_length=100, blank=True, help_text=_("e.g. office worker.")
    )
    industry = models.CharField(
        _("industry"), max_length=100, blank=True, help_text=_("e.g. manufacturing.")
    )
    updated_at = models.DateTimeField(
        _("updated at"), auto_now=True, help_text=_("Last change to the profile.")
    )
    phone_hash = DerivedCharField(
        _("phone search key"),
        max_length=64,
        blank=True,
        db_index=True,
        source="phone",
        compute=encryption.phone_hash,
        help_text=_("Keyed hash of the phone number's digits, for the staff's lookup."),
    )
    date_of_birth_hash = DerivedCharField(
        _("date of birth search key"),
        max_length=64,
        blank=True,
        db_index=True,
        source="date_of_birth",
        compute=encryption.date_hash,
        help_text=_("Keyed hash of the date of birth, for the staff's lookup."),
    )
    birth_year = DerivedSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        source="date_of_birth",
        compute=encryption.birth_year,
        help_text=_("For the age bands of the anonymised statistics."),
    )
    prefecture = DerivedCharField(
        _("prefecture"),
        max_length=8,
        blank=True,
        source="address",
        compute=encryption.prefecture,
        help_text=_("Prefecture of the address, for the anonymised statistics."),
    )

    objects = DerivedColumnsQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.full_name


class StepUpThrottlingMixin:
    """Throttling for customer codes: a few free tries, then a growing lock.

    django-otp's own policy delays from the first failure (1 s, 2 s, 4 s, ...).
    Customers mistype, so here the first ``OTP_FREE_ATTEMPTS`` wrong codes cost
    nothing; every further failure locks the device for ``OTP_LOCKOUT_SECONDS``,
    doubling each time (capped at a day). A correct code resets the count.
    """

    MAX_LOCK = timedelta(days=1)

    def verify_is_allowed(self):
        free = settings.OTP_FREE_ATTEMPTS
        count = self.throttling_failure_count
        if not self.throttling_enabled or count <= free or not self.throttling_failure_timestamp:
            return True, None
        lock = min(
            timedelta(seconds=settings.OTP_LOCKOUT_SECONDS * 2 ** (count - free - 1)),
            self.MAX_LOCK,
        )
        locked_until = self.throttling_failure_timestamp + lock
        if timezone.now() < locked_until:
            return False, {
                "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
                "failure_count": count,
                "locked_until": locked_until,
            }
        return True, None


class CustomerEmailDevice(StepUpThrottlingMixin, EmailDevice):
    """E-mail codes for customers, delivered by a Celery task queued through the outbox.

    The code never travels through the broker: the task re-reads the device by
    id and renders the current code in the customer's language.
    """

    class Meta:
        proxy = True
        verbose_name = _("e-mail code device")
        verbose_name_plural = _("e-mail code devices")

    def send_mail(self, body, **kwargs):
        from . import outbox
        from .tasks import send_otp_email

        outbox.enqueue(send_otp_email, self.pk)


class CustomerTOTPDevice(StepUpThrottlingMixin, TOTPDevice):
    """An authenticator app, which a customer may add in their settings."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")

    _raw_delete = delete


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit trail.

    Write only through :func:`portal.kernel.audit.audit_log`. Each row stores the hash
    of the row before it, so altering or removing a row breaks the chain, which
    ``manage.py verify_audit_chain`` reports. Actor and subject are kept as ids
    without a database constraint: erasing a customer must not rewrite history.
    Details never hold erased values or secrets.
    """

    created_at = models.DateTimeField(_("time"), db_index=True, help_text=_("When it happened."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Who did it; empty for the system or an anonymous visitor."),
    )
    action = models.CharField(
        _("action"), max_length=64, db_index=True, help_text=_("What happened, e.g. auth.login.")
    )
    target = models.CharField(
        _("target"),
        max_length=200,
        blank=True,
        help_text=_("The object acted on, as app.model:id."),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data subject"),
        help_text=_("The customer whose personal data is concerned, if any."),
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, help_text=_("Where the request came from.")
    )
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("Counts, categories, reasons.")
    )
    prev_hash = models.CharField(
        _("previous hash"), max_length=64, help_text=_("Hash of the row before this one.")
    )
    hash = models.CharField(
        _("hash"), max_length=64, unique=True, help_text=_("Hash of this row and prev_hash.")
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject", "created_at"], name="audit_subject_time")]
        # Append-only in PostgreSQL itself, whatever the client (docs/security.md).
        triggers = append_only_triggers("audit")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def _do_update(self, *args, **kwargs):
        # save_base(force_update=True) and friends skip save(); every UPDATE passes here.
        raise PermissionError("Audit events are append-only.")


# ---------------------------------------------------------------------------
# The company's services and the customer's business records.
#
# Every model here holds personal data and is declared, field by field, in
# portal/personal_data.py; the system check rights.E001 fails for a model that
# points at a user without being declared there.
# ---------------------------------------------------------------------------


class Service(models.Model):
    """One of the company's services, e.g. the mobile contract or the video service.

    Staff who answer for it: the responsible member of staff and any number of
    service handlers, who see the customers' data of their services only.
    """

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short stable identifier, e.g. mobile; used in links and data exports."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Name shown to customers, in Japanese.")
    )
    name_en = models.CharField(
        _("name in English"),
        max_length=100,
        blank=True,
        help_text=_("Name shown on the English pages; the Japanese name is used when empty."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("What the service is, for staff.")
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="services_responsible",
        limit_choices_to={"is_staff": True},
        verbose_name=_("responsible staff member"),
        help_text=_("The member of staff who answers for this service's personal data."),
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="handled_services",
        limit_choices_to={"is_staff": True},
        verbose_name=_("service handlers"),
        help_text=_("Staff who work on requests about this service and may see its data."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Closed services stay for their records.")
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ServiceRegistration(models.Model):
    """A customer's contract or membership with one service, from start to end."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="service_registrations",
        verbose_name=_("customer"),
        help_text=_("The customer who registered."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("service"),
        help_text=_("The service registered for."),
    )
    member_number = models.CharField(
        _("member number"),
        max_length=32,
        help_text=_("The customer's number with this service, e.g. M-000123."),
    )
    plan = models.CharField(
        _("plan"), max_length=100, blank=True, help_text=_("Plan or course, e.g. Premium.")
    )
    started_on = models.DateField(_("started on"), help_text=_("First day of the registration."))
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("Last day; empty while the registration runs."),
    )

    class Meta:
        verbose_name = _("service registration")
        verbose_name_plural = _("service registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service", "started_on"], name="registration_once_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="registration_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.member_number}"


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
    detail = models.CharField(
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
    items = models.JSONField(
        _("items"),
        validators=[validate_invoice_items],
        help_text=_('List of {"name", "quantity", "unit_price_jpy"}; prices include tax.'),
    )

    class Meta:
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
    subject = models.CharField(_("subject"), max_length=200, help_text=_("A short summary."))
    message = models.TextField(_("message"), help_text=_("What the customer wrote or said."))
    reply = models.TextField(_("reply"), blank=True, help_text=_("Our answer, if any."))
    replied_at = models.DateTimeField(
        _("replied at"), null=True, blank=True, help_text=_("When we answered.")
    )

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [models.Index(fields=["user", "-received_at"], name="inquiry_user_time")]

    def __str__(self):
        return self.subject


class OutboxMessage(models.Model):
    """A task to queue, written in the same transaction as the change that asks for it.

    Write only through :func:`portal.kernel.outbox.enqueue`. After the commit the row
    is published to the broker at once; when the broker is down it stays
    unpublished and the beat job ``portal.kernel.tasks.outbox_drain`` publishes it
    once the broker is back. A message is done when its task has finished
    (``done_at``), not when the broker took it: a published message still not
    done ``OUTBOX_REDELIVER_SECONDS`` later (lost with a crashed Redis, say) is
    published again with the same ``task_id``, the Celery task id, by which the
    task tells that the message was already carried out. Holds ids only, never
    personal data.
    """

    task_id = models.UUIDField(
        _("task id"),
        unique=True,
        default=uuid.uuid4,
        editable=False,
        help_text=_("The Celery task id the message is published with."),
    )
    task_name = models.CharField(
        _("task"),
        max_length=200,
        help_text=_("The Celery task, e.g. rights.tasks.send_request_notification."),
    )
    args = models.JSONField(
        _("arguments"), default=list, blank=True, help_text=_("Positional arguments (ids).")
    )
    kwargs = models.JSONField(
        _("keyword arguments"), default=dict, blank=True, help_text=_("Keyword arguments.")
    )
    created_at = models.DateTimeField(
        _("created at"),
        default=timezone.now,
        help_text=_("When the change that asked for the task was made."),
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        default=timezone.now,
        help_text=_(
            "Until it is done, the drain publishes the message (again) from this time on: "
            "back-off after failures, the redelivery timeout after a publication."
        ),
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("How often publishing was tried.")
    )
    deliveries = models.PositiveIntegerField(
        _("deliveries"),
        default=0,
        help_text=_("How often the broker took the message (more than once after a redelivery)."),
    )
    last_error = models.CharField(
        _("last error"), max_length=255, blank=True, help_text=_("Why the last attempt failed.")
    )
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("When the broker last took the message."),
    )
    done_at = models.DateTimeField(
        _("done at"),
        null=True,
        blank=True,
        help_text=_("When its task finished; a redelivery then does nothing."),
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The drain's query: messages not done whose next attempt is due,
            # oldest first. The partial index stays as small as the backlog.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(done_at__isnull=True),
                name="outbox_not_done",
            ),
            # The purge of done rows walks this one.
            models.Index(fields=["done_at"], name="outbox_done_at"),
        ]

    def __str__(self):
        return f"{self.task_name} {self.task_id}"


class ScheduledRun(models.Model):
    """A scheduled job's claim on one period of its schedule (see :mod:`portal.kernel.jobs`).

    The first message of a period to insert the row runs the job; the unique
    constraint turns every other message for that period (a second beat, a
    duplicate) into a no-op. Holds no personal data.
    """

    job = models.CharField(
        _("job"),
        max_length=100,
        help_text=_("The beat schedule entry, e.g. rights-retention-sweep."),
    )
    period_start = models.DateTimeField(
        _("period start"),
        help_text=_("When the period of the job's schedule that this run is for began."),
    )
    task_id = models.CharField(
        _("task id"),
        max_length=255,
        help_text=_("The Celery task id of the message holding the claim."),
    )
    claimed_at = models.DateTimeField(
        _("claimed at"), default=timezone.now, help_text=_("When the run claimed the period.")
    )
    finished_at = models.DateTimeField(
        _("finished at"),
        null=True,
        blank=True,
        help_text=_("When the job finished the period; later messages for it do nothing."),
    )

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="scheduled_run_once")
        ]
        # The daily purge of old claims walks this one.
        indexes = [models.Index(fields=["period_start"], name="scheduled_run_period")]

    def __str__(self):
        return f"{self.job} {self.period_start:%Y-%m-%d %H:%M:%S}"
