"""Who logs in and what they told us: the user model, its manager and the profile.

The e-mail address is the login; the profile's contact details are encrypted
at rest (portal.kernel.fields) with keyed hashes beside them for the staff's
lookup.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .. import encryption
from ..dates import birth_year, validate_date_of_birth, validate_time_zone
from ..fields import (
    DerivedCharField,
    DerivedColumnsModel,
    DerivedColumnsQuerySet,
    DerivedSmallIntegerField,
    EmailAddressField,
    EncryptedCharField,
    EncryptedDateField,
)
from ..prefectures import prefecture_of
from ..validators import validate_kana, validate_phone, validate_postal_code


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

    email = EmailAddressField(
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
    email_change_to = EmailAddressField(
        _("new e-mail address awaiting confirmation"),
        max_length=254,
        blank=True,
        help_text=_(
            "The login address the customer asked to change to; it becomes the login "
            "only when the link mailed to it is opened. Empty when no change is pending."
        ),
    )
    email_change_requested_at = models.DateTimeField(
        _("change of e-mail address asked at"),
        null=True,
        blank=True,
        help_text=_(
            "When the pending change was asked for; part of its link, so a newer "
            "request voids the older link."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of e-mails and notices sent to this person."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "Staff: the time zone the admin shows dates and deadlines in, e.g. Europe/Berlin; "
            "empty: the portal's (TIME_ZONE)."
        ),
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
        validators=[validate_kana],
        help_text=_("Reading of the name in katakana, e.g. ヤマダ タロウ."),
    )
    postal_code = EncryptedCharField(
        _("postal code"),
        max_length=16,
        blank=True,
        validators=[validate_postal_code],
        help_text=_("e.g. 100-0001"),
    )
    address = EncryptedCharField(
        _("address"), max_length=300, blank=True, help_text=_("Postal address.")
    )
    phone = EncryptedCharField(
        _("phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
        help_text=_("Phone number, e.g. 03-1234-5678."),
    )
    date_of_birth = EncryptedDateField(
        _("date of birth"),
        null=True,
        blank=True,
        validators=[validate_date_of_birth],
        help_text=_("Format: YYYY-MM-DD."),
    )
    gender = models.CharField(
        _("gender"),
        max_length=16,
        choices=Gender.choices,
        blank=True,
        help_text=_("Optional."),
    )
    occupation = EncryptedCharField(
        _("occupation"), max_length=100, blank=True, help_text=_("e.g. office worker.")
    )
    industry = EncryptedCharField(
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
        compute=birth_year,
        help_text=_("For the age bands of the anonymised statistics."),
    )
    prefecture = DerivedCharField(
        _("prefecture"),
        max_length=8,
        blank=True,
        source="address",
        compute=prefecture_of,
        help_text=_("Prefecture of the address, for the anonymised statistics."),
    )

    objects = DerivedColumnsQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.full_name
