"""Models of requests without an account and by agents.

Imported by :mod:`rights.models`, so these are models of the ``rights`` app.
Fields, constraints and help texts only; writes are in
:mod:`rights.requesters`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
    EncryptedTextField,
)
from portal.kernel.validators import validate_postal_code

from ..uploads import stored_path


def _private_storage():
    return storages["private"]


class Capacity(models.TextChoices):
    """In what capacity the requester asks (APPI Art. 37; CCPA §7063)."""

    SELF = "self", _("The person themself")
    PARENT = "parent", _("Legal representative of a minor (parent or guardian)")
    GUARDIAN = "guardian", _("Legal representative of an adult ward (guardian)")
    AGENT = "agent", _("Agent appointed by the person")

    @classmethod
    def representatives(cls) -> frozenset[str]:
        """Legal representatives: they exercise the person's rights in their place."""
        return frozenset({cls.PARENT, cls.GUARDIAN})


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Not decided yet")
    VERIFIED = "verified", _("Verified")
    NOT_VERIFIED = "not_verified", _("Not verified")


class EmailConfirmation(models.Model):
    """A code mailed to someone who starts a request without an account.

    The code is never stored: it is derived from ``nonce`` with the site's
    secret key (an HMAC, as an authenticator app derives its codes from its
    secret), so the mail task and the check compute it, and the table alone
    does not reveal it.
    """

    email = EncryptedEmailField(_("e-mail address"), help_text=_("The address the code went to."))
    nonce = models.CharField(
        _("nonce"),
        max_length=64,
        unique=True,
        help_text=_("Random value the code is derived from (with the secret key)."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the person used; the code mail is written in it."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, help_text=_("When."))
    expires_at = models.DateTimeField(
        _("expires at"), help_text=_("The code is refused after this.")
    )
    failed_attempts = models.PositiveSmallIntegerField(
        _("failed attempts"),
        default=0,
        help_text=_("Wrong codes entered; after too many the code is dead."),
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the right code was entered."),
    )
    used_at = models.DateTimeField(
        _("used at"),
        null=True,
        blank=True,
        help_text=_("When a request was filed with this confirmation (once only)."),
    )

    class Meta:
        verbose_name = _("e-mail confirmation")
        verbose_name_plural = _("e-mail confirmations")
        indexes = [models.Index(fields=["created_at"], name="rights_emailconf_created")]

    def __str__(self):
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


class RequestIdentity(models.Model):
    """Who asks, for whom, and the staff's decision on identity and authority.

    Written for requests filed on the public form and for staff-entered
    requests by letter or phone. After the documents are deleted (a set time
    after the decision) this row keeps the fact and time of verification.
    """

    request = models.OneToOneField(
        "rights.RightsRequest",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="identity",
        verbose_name=_("request"),
        help_text=_("The request."),
    )
    capacity = models.CharField(
        _("capacity"),
        max_length=12,
        choices=Capacity.choices,
        help_text=_("The person themself, a legal representative, or an appointed agent."),
    )
    requester_name = EncryptedCharField(
        _("requester's name"), max_length=150, blank=True, help_text=_("Who filed the request.")
    )
    requester_email = EncryptedEmailField(
        _("requester's e-mail address"),
        blank=True,
        help_text=_("Answers go here; confirmed with a code on the public form."),
    )
    requester_phone = EncryptedCharField(
        _("requester's phone"), max_length=32, blank=True, help_text=_("Optional.")
    )
    requester_language = models.CharField(
        _("requester's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the notices to the requester."),
    )
    postal_code = EncryptedCharField(
        _("postal code"),
        max_length=16,
        blank=True,
        validators=[validate_postal_code],
        help_text=_("Of the address a paper answer is posted to (APPI art. 33(2))."),
    )
    postal_address = EncryptedCharField(
        _("postal address"),
        max_length=300,
        blank=True,
        help_text=_(
            "Where a paper answer is posted: given on the public form when paper by post is chosen."
        ),
    )
    email_confirmed_at = models.DateTimeField(
        _("e-mail confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the requester entered the code sent to the address."),
    )
    subject_name = EncryptedCharField(
        _("person's name"),
        max_length=150,
        help_text=_("The person the request is about, as the requester wrote it."),
    )
    subject_email = EncryptedEmailField(
        _("person's e-mail address"), blank=True, help_text=_("As the requester wrote it.")
    )
    subject_phone = EncryptedCharField(
        _("person's phone"), max_length=32, blank=True, help_text=_("As the requester wrote it.")
    )
    subject_language = models.CharField(
        _("person's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the person is written to in until the request is matched to a "
            "customer, whose own language then decides; given by the requester."
        ),
    )
    subject_date_of_birth = EncryptedDateField(
        _("person's date of birth"),
        null=True,
        blank=True,
        help_text=_("As the requester wrote it."),
    )
    match_details = models.JSONField(
        _("details matched"),
        default=list,
        blank=True,
        help_text=_(
            "Which details the requester gave matched the customer when staff matched the "
            "request: e-mail, phone, name, date of birth."
        ),
    )
    match_note = EncryptedTextField(
        _("why this is the person"),
        blank=True,
        max_length=1000,
        help_text=_(
            "What else confirmed the customer when fewer than two details matched "
            "(CCPA §7062(a)); written by staff with the match."
        ),
    )
    documents_consent_at = models.DateTimeField(
        _("consent to the documents"),
        null=True,
        blank=True,
        help_text=_(
            "When the requester agreed that the documents are used only to check identity "
            "and authority and deleted afterwards."
        ),
    )
    verification = models.CharField(
        _("verification"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        help_text=_("The staff's decision on identity and authority."),
    )
    decided_at = models.DateTimeField(
        _("decided at"),
        null=True,
        blank=True,
        help_text=_("When identity and authority were found verified or not verified."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        help_text=_("The member of staff; empty when the person's own confirmation decided it."),
    )
    decision_note = EncryptedTextField(
        _("reason or note"),
        blank=True,
        max_length=4000,
        help_text=_("Why not verified (told to the requester), or how it was verified."),
    )
    declaration_signed = models.BooleanField(
        _("signed declaration received"),
        default=False,
        help_text=_(
            "CCPA §7062(c): the consumer's declaration, signed under penalty of perjury, "
            "that they are the person; recorded by staff with the verification."
        ),
    )
    declaration_name = EncryptedCharField(
        _("declaration signed as"),
        max_length=150,
        blank=True,
        help_text=_(
            "CCPA §7062(c): the full name the consumer typed on the public form to sign "
            "the declaration under penalty of perjury; empty when they did not sign it there."
        ),
    )
    declaration_signed_at = models.DateTimeField(
        _("declaration signed at"),
        null=True,
        blank=True,
        help_text=_("When the consumer signed the declaration on the public form."),
    )
    confirmation_requested_at = models.DateTimeField(
        _("person asked to confirm the agent"),
        null=True,
        blank=True,
        help_text=_("CCPA §7063: when the person was e-mailed a link to confirm the agent."),
    )
    confirmation_nonce = models.CharField(
        _("confirmation nonce"),
        max_length=64,
        blank=True,
        help_text=_(
            "Random value of the latest link sent to the person; kept after it is answered "
            "so the link can say so."
        ),
    )
    confirmation_email = EncryptedEmailField(
        _("confirmation sent to"), blank=True, help_text=_("Where the confirmation link went.")
    )
    subject_confirmed_at = models.DateTimeField(
        _("person confirmed the agent"),
        null=True,
        blank=True,
        help_text=_("When the person confirmed they appointed the agent."),
    )
    subject_denied_at = models.DateTimeField(
        _("person denied the agent"),
        null=True,
        blank=True,
        help_text=_("When the person answered that they did not appoint the agent."),
    )
    created_at = models.DateTimeField(
        _("created at"),
        default=timezone.now,
        help_text=_("When the request was filed; the request log's period counts from here."),
    )
    documents_deleted_at = models.DateTimeField(
        _("documents deleted at"),
        null=True,
        blank=True,
        help_text=_("When the documents were deleted after the keep period."),
    )

    class Meta:
        verbose_name = _("identity of a request")
        verbose_name_plural = _("identities of requests")

    def __str__(self):
        return f"{self.get_capacity_display()}: {self.subject_name}"

    @property
    def by_agent(self) -> bool:
        return self.capacity != Capacity.SELF


class DocumentKind(models.TextChoices):
    REQUESTER_ID = "requester_id", _("Identity document of the requester")
    SUBJECT_ID = "subject_id", _("Identity document of the person")
    ATTORNEY = "attorney", _("Letter of attorney (power of attorney)")
    FAMILY_REGISTER = "family_register", _("Family register extract (koseki)")
    GUARDIANSHIP = "guardianship", _("Certificate of registered guardianship")
    OTHER = "other", _("Other proof")


AUTHORITY_KINDS = (DocumentKind.ATTORNEY, DocumentKind.FAMILY_REGISTER, DocumentKind.GUARDIANSHIP)


class DestroyedBecause(models.TextChoices):
    MY_NUMBER = "my_number", _("Contained a My Number (destroyed at once)")
    KEEP_PERIOD = "keep_period", _("Keep period after the decision ended")


def _document_path(instance, filename):
    # A random name with the extension of the type found in the bytes: the
    # person's file name stays in ``original_name`` only.
    return stored_path(f"requests/{instance.request_id}/identity", instance.content_type)


class IdentityDocument(models.Model):
    """A document proving identity or authority, stored privately.

    Its file is deleted at once when staff find a My Number in it, and
    otherwise a set time after the decision; the row then keeps only its kind,
    when it came, and when, why and by whom it was destroyed.
    """

    request = models.ForeignKey(
        "rights.RightsRequest",
        on_delete=models.CASCADE,
        related_name="identity_documents",
        verbose_name=_("request"),
        help_text=_("The request it proves identity or authority for."),
    )
    kind = models.CharField(
        _("kind of document"),
        max_length=20,
        choices=DocumentKind.choices,
        help_text=_("What the document proves."),
    )
    file = models.FileField(
        _("file"),
        storage=_private_storage,
        upload_to=_document_path,
        blank=True,
        max_length=300,
        help_text=_("Stored privately; empty once destroyed."),
    )
    original_name = EncryptedCharField(
        _("file name"), max_length=200, blank=True, help_text=_("The name it was sent with.")
    )
    content_type = models.CharField(
        _("type"), max_length=100, blank=True, help_text=_("MIME type found in the bytes.")
    )
    size = models.PositiveIntegerField(_("size"), default=0, help_text=_("Bytes."))
    uploaded_at = models.DateTimeField(
        _("received at"), default=timezone.now, help_text=_("When it was sent.")
    )
    destroyed_at = models.DateTimeField(
        _("destroyed at"), null=True, blank=True, help_text=_("When the file was deleted.")
    )
    destroyed_because = models.CharField(
        _("destroyed because"),
        max_length=16,
        choices=DestroyedBecause.choices,
        blank=True,
        help_text=_("Why the file was deleted."),
    )
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destroyed by"),
        help_text=_("The member of staff; empty for the scheduled purge."),
    )

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["uploaded_at", "id"]
        indexes = [
            # The purge picks documents whose file is still there.
            models.Index(
                fields=["request"],
                condition=models.Q(destroyed_at__isnull=True),
                name="rights_iddoc_kept",
            )
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None
