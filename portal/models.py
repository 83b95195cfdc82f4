"""Customer accounts, profiles, one-time-password devices and the audit trail."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


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


class Profile(models.Model):
    """What the customer told us about themselves at sign-up or in their settings."""

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
    postal_code = models.CharField(
        _("postal code"), max_length=16, blank=True, help_text=_("e.g. 100-0001")
    )
    address = models.CharField(
        _("address"), max_length=300, blank=True, help_text=_("Postal address.")
    )
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, help_text=_("Phone number, e.g. 03-1234-5678.")
    )
    date_of_birth = models.DateField(
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
    """E-mail codes for customers, delivered by a Celery task after commit.

    The code never travels through the broker: the task re-reads the device by
    id and renders the current code in the customer's language.
    """

    class Meta:
        proxy = True
        verbose_name = _("e-mail code device")
        verbose_name_plural = _("e-mail code devices")

    def send_mail(self, body, **kwargs):
        from .tasks import send_otp_email

        send_otp_email.delay_on_commit(self.pk)


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

    Write only through :func:`portal.audit.audit_log`. Each row stores the hash
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

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
