"""Purposes of use, privacy-policy versions, consent records, restrictions,
third-party recipients, provision records and requests from authorities.

Models hold fields and constraints only. Every write goes through
:mod:`consent.services`; every question "may we?" is answered by
:func:`consent.services.may_use` and :func:`consent.services.may_provide`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import (
    AppendOnlyModel,
    append_only_triggers,
    customer_field,
    localized,
    staff_field,
)


class Purpose(models.Model):
    """A purpose of use published in the privacy policy (APPI Art. 17, 21).

    A required purpose is necessary for the contract or the service and is
    covered by the policy the customer accepted; an optional one needs the
    customer's own consent, which they may give or withdraw at any time.
    """

    class LegalBasis(models.TextChoices):
        CONTRACT = "contract", _("Necessary for the contract or the service")
        CONSENT = "consent", _("Consent of the customer")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")

    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_('Stable name used in code, e.g. "marketing". Never change it.'),
    )
    title_ja = models.CharField(
        _("title (Japanese)"), max_length=200, help_text=_("Short title shown to customers.")
    )
    title_en = models.CharField(
        _("title (English)"), max_length=200, help_text=_("Short title shown to customers.")
    )
    description_ja = models.TextField(
        _("description (Japanese)"), help_text=_("What we do with the data for this purpose.")
    )
    description_en = models.TextField(
        _("description (English)"), help_text=_("What we do with the data for this purpose.")
    )
    is_required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_(
            "Required purposes are necessary for the service and cannot be switched off "
            "on the consent page; optional ones need the customer's consent."
        ),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=32,
        choices=LegalBasis.choices,
        default=LegalBasis.CONTRACT,
        help_text=_("Why we may use data for this purpose (GDPR Art. 6)."),
    )
    data_categories = models.JSONField(
        _("data categories"),
        default=list,
        blank=True,
        help_text=_(
            "Codes of the personal-data categories used for this purpose, as declared "
            'in the registry, e.g. ["contact", "transactions"].'
        ),
    )
    display_order = models.PositiveSmallIntegerField(
        _("display order"), default=0, help_text=_("Smaller numbers are listed first.")
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired purposes stay for the history but allow no use."),
    )

    class Meta:
        verbose_name = _("purpose of use")
        verbose_name_plural = _("purposes of use")
        ordering = ["display_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_required=True) | Q(legal_basis="consent"),
                name="consent_purpose_optional_needs_consent_basis",
                violation_error_message=_("An optional purpose rests on consent."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")


class PolicyVersion(models.Model):
    """One published version of the privacy policy.

    The current version is the latest whose ``effective_at`` has passed. When a
    material version takes effect, customers must accept it at their next visit
    before they go on; other versions are announced with a notice.
    """

    version = models.CharField(
        _("version"), max_length=20, unique=True, help_text=_('e.g. "1", "1.1", "2".')
    )
    effective_at = models.DateTimeField(
        _("effective from"),
        db_index=True,
        help_text=_("From this moment the version applies. It cannot be edited afterwards."),
    )
    is_material = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_(
            "A material change (e.g. a new purpose or recipient) must be accepted by each "
            "customer before they go on using the portal."
        ),
    )
    summary_ja = models.TextField(
        _("summary of changes (Japanese)"),
        blank=True,
        help_text=_("What changed from the previous version, in a few lines."),
    )
    summary_en = models.TextField(
        _("summary of changes (English)"),
        blank=True,
        help_text=_("What changed from the previous version, in a few lines."),
    )
    text_ja = models.TextField(_("text (Japanese)"), help_text=_("The full policy text."))
    text_en = models.TextField(_("text (English)"), help_text=_("The full policy text."))
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When this version was entered.")
    )

    class Meta:
        verbose_name = _("privacy-policy version")
        verbose_name_plural = _("privacy-policy versions")
        ordering = ["-effective_at", "-id"]

    def __str__(self):
        return _("version %(version)s") % {"version": self.version}

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def summary(self) -> str:
        return localized(self, "summary")

    @property
    def is_effective(self) -> bool:
        return self.effective_at <= timezone.now()


class ConsentRecord(AppendOnlyModel):
    """Append-only proof of what a customer agreed to, refused or was shown.

    Each row concerns either a purpose or a policy version. The customer's
    current choice for a purpose is the latest row for that pair (derived by a
    query in :mod:`consent.selectors`, never stored twice). Write only through
    :mod:`consent.services`.
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECLINED = "declined", _("Declined")
        NOTICE_SHOWN = "notice_shown", _("Notice shown")

    class Method(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        DASHBOARD = "dashboard", _("Consent page")
        POLICY_PAGE = "policy_page", _("Policy page after login")
        POLICY_BANNER = "policy_banner", _("Policy notice banner")
        STAFF_PAPER = "staff_paper", _("Staff, from a paper form")

    subject = customer_field(related_name="consent_records", help_text=_("Whose consent this is."))
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("purpose of use"),
        help_text=_("The purpose concerned; empty when the row is about a policy version."),
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("policy version"),
        help_text=_("The policy version concerned; empty when the row is about a purpose."),
    )
    action = models.CharField(
        _("action"),
        max_length=16,
        choices=Action.choices,
        help_text=_("Granted, withdrawn, declined when asked, or a notice shown."),
    )
    method = models.CharField(
        _("how"),
        max_length=16,
        choices=Method.choices,
        help_text=_("Where the customer gave or withdrew it."),
    )
    created_at = models.DateTimeField(
        _("time"), default=timezone.now, db_index=True, help_text=_("When it was recorded.")
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"),
        null=True,
        blank=True,
        help_text=_("Where the request came from; empty for paper forms."),
    )
    user_agent = models.CharField(
        _("user agent"),
        max_length=500,
        blank=True,
        help_text=_("The browser that sent the request; empty for paper forms."),
    )
    language = models.CharField(
        _("language shown"),
        max_length=8,
        choices=settings.LANGUAGES,
        help_text=_("The language of the text the customer saw."),
    )
    recorded_by = staff_field(
        _("recorded by"),
        help_text=_("The member of staff who entered a paper form; empty otherwise."),
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("For paper forms: the date on the form and where it is filed."),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(purpose__isnull=False, policy_version__isnull=True)
                    | Q(purpose__isnull=True, policy_version__isnull=False)
                ),
                name="consent_record_purpose_xor_policy",
            ),
        ]
        indexes = [
            # The "latest record per pair" lookups behind may_use and the dashboard.
            models.Index(fields=["subject", "purpose", "created_at"], name="consent_rec_purpose"),
            models.Index(
                fields=["subject", "policy_version", "created_at"], name="consent_rec_policy"
            ),
        ]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        about = self.purpose or self.policy_version
        return f"{self.subject} · {about} · {self.get_action_display()}"


class Recipient(models.Model):
    """A company or body that may receive personal data from us."""

    class Kind(models.TextChoices):
        SUBCONTRACTOR = "subcontractor", _("Subcontractor (outsourcing)")
        AFFILIATE = "affiliate", _("Affiliate")
        THIRD_PARTY = "third_party", _("Third party")
        PUBLIC_AUTHORITY = "public_authority", _("Public authority")

    name_ja = models.CharField(_("name (Japanese)"), max_length=200, help_text=_("Legal name."))
    name_en = models.CharField(_("name (English)"), max_length=200, help_text=_("Legal name."))
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        help_text=_(
            "A subcontractor handles data on our behalf within our purposes (APPI Art. 27(5)); "
            "an affiliate or third party needs the customer's consent."
        ),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        default="JP",
        help_text=_("ISO 3166 country code of where the data goes, e.g. JP."),
    )
    purposes = models.ManyToManyField(
        Purpose,
        blank=True,
        related_name="recipients",
        verbose_name=_("purposes"),
        help_text=_("The purposes for which this recipient receives data."),
    )
    confidentiality_agreement_on = models.DateField(
        _("confidentiality agreement"),
        null=True,
        blank=True,
        help_text=_("Date of the signed confidentiality or data-processing agreement."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Former recipients stay for the records but receive nothing more."),
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["kind", "name_en"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def needs_consent(self) -> bool:
        return self.kind in {self.Kind.AFFILIATE, self.Kind.THIRD_PARTY}


class ProcessingRestriction(models.Model):
    """A stop of use (for one purpose or all) or of provision (to one recipient or all).

    Created by an approved stop-use / stop-provision request or by staff. It
    applies from ``starts_at`` until ``ends_at`` (open-ended when empty).
    """

    class Scope(models.TextChoices):
        USE = "use", _("Stop use")
        PROVISION = "provision", _("Stop provision to third parties")

    class Source(models.TextChoices):
        STOP_USE_REQUEST = "stop_use_request", _("Stop-use request")
        STOP_PROVISION_REQUEST = "stop_provision_request", _("Stop-provision request")
        STAFF = "staff", _("Staff decision")

    subject = customer_field(
        related_name="processing_restrictions", help_text=_("Whose data is restricted.")
    )
    scope = models.CharField(
        _("scope"),
        max_length=16,
        choices=Scope.choices,
        help_text=_("Stop using the data, or stop providing it to others."),
    )
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("purpose of use"),
        help_text=_("For a stop of use: the purpose; empty means every purpose."),
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("recipient"),
        help_text=_("For a stop of provision: the recipient; empty means every recipient."),
    )
    starts_at = models.DateTimeField(
        _("since"), default=timezone.now, help_text=_("From when the restriction applies.")
    )
    ends_at = models.DateTimeField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("When it stops applying; empty while it lasts."),
    )
    source = models.CharField(
        _("source"),
        max_length=32,
        choices=Source.choices,
        help_text=_("What created the restriction."),
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("The request behind it, as app.model:id."),
    )
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was placed."))
    created_by = staff_field(
        _("created by"), help_text=_("The member of staff who placed it; empty for the system.")
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was entered.")
    )

    class Meta:
        verbose_name = _("processing restriction")
        verbose_name_plural = _("processing restrictions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="use", recipient__isnull=True)
                    | Q(scope="provision", purpose__isnull=True)
                ),
                name="consent_restriction_scope_target",
                violation_error_message=_(
                    "A stop of use names a purpose; a stop of provision names a recipient."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="consent_restriction_ends_after_start",
                violation_error_message=_("The end cannot come before the start."),
            ),
        ]
        indexes = [models.Index(fields=["subject", "scope"], name="consent_restr_subject")]

    def __str__(self):
        target = self.purpose or self.recipient or _("all")
        return f"{self.get_scope_display()}: {target}"


class ProvisionRecord(AppendOnlyModel):
    """A record of providing personal data to a third party (APPI Art. 29).

    Kept for ``CONSENT_PROVISION_RECORD_YEARS`` years (3 by law) from its date.
    Write only through :func:`consent.services.provision_record_create`, which
    refuses a provision that a consent, a withdrawal or a restriction forbids.
    """

    class Ground(models.TextChoices):
        CONSENT = "consent", _("Consent of the customer")
        OUTSOURCING = "outsourcing", _("Outsourcing within our purposes")
        LAW = "law", _("Required by law")
        EMERGENCY = "emergency", _("Protection of life, body or property")
        SUCCESSION = "succession", _("Business succession")

    provided_on = models.DateField(
        _("date"), db_index=True, help_text=_("The day the data was provided.")
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="provision_records",
        verbose_name=_("recipient"),
        help_text=_("Who received the data."),
    )
    subject = customer_field(
        related_name="provision_records", help_text=_("Whose data was provided.")
    )
    data_items = models.TextField(
        _("data items"), help_text=_("Which items were provided, e.g. name, address, phone.")
    )
    ground = models.CharField(
        _("ground"),
        max_length=16,
        choices=Ground.choices,
        help_text=_("Why the provision was allowed."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("For law, emergency or succession: the circumstances and any reference."),
    )
    recorded_by = staff_field(
        _("recorded by"), help_text=_("Who entered the record; empty for the system.")
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the record was entered.")
    )

    class Meta:
        verbose_name = _("provision record")
        verbose_name_plural = _("provision records")
        ordering = ["-provided_on", "-id"]
        indexes = [models.Index(fields=["subject", "provided_on"], name="consent_prov_subject")]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        return f"{self.provided_on} → {self.recipient}"


class AuthorityRequest(AppendOnlyModel):
    """A request for a customer's data from a court, prosecutor, police or other body.

    Provision in answer to it rests on law (APPI Art. 27(1)(i)) and needs no
    consent; the request, what was provided and who approved it are kept here.
    """

    class Body(models.TextChoices):
        COURT = "court", _("Court")
        PROSECUTOR = "prosecutor", _("Public prosecutor")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other public authority")

    class Decision(models.TextChoices):
        PROVIDED = "provided", _("Provided")
        PARTLY_PROVIDED = "partly_provided", _("Partly provided")
        REFUSED = "refused", _("Refused")

    subject = customer_field(
        related_name="authority_requests", help_text=_("Whose data was asked for.")
    )
    body_kind = models.CharField(
        _("kind of body"), max_length=16, choices=Body.choices, help_text=_("Who asked.")
    )
    requesting_body = models.CharField(
        _("requesting body"),
        max_length=200,
        help_text=_("Name of the body and office, e.g. Shibuya Police Station."),
    )
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The number of the document or warrant."),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        help_text=_("e.g. Code of Criminal Procedure Art. 197(2) (inquiry)."),
    )
    received_on = models.DateField(_("received on"), help_text=_("When the request arrived."))
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, help_text=_("What we did.")
    )
    data_provided = models.TextField(
        _("data provided"), blank=True, help_text=_("The data items provided; empty if refused.")
    )
    provided_on = models.DateField(
        _("provided on"), null=True, blank=True, help_text=_("When the data was handed over.")
    )
    approved_by = staff_field(
        _("approved by"), help_text=_("The member of staff who approved the answer."), required=True
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Anything else worth keeping."))
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the record was entered.")
    )

    class Meta:
        verbose_name = _("request from an authority")
        verbose_name_plural = _("requests from authorities")
        ordering = ["-received_on", "-id"]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        return f"{self.received_on} {self.requesting_body}"


class MarketingCampaign(models.Model):
    """One run of the marketing mail, identified by a key such as "weekly-2026-W47"."""

    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        help_text=_("Identifies the run; running the same key again sends nothing twice."),
    )
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, help_text=_("When the run began.")
    )

    class Meta:
        verbose_name = _("marketing campaign")
        verbose_name_plural = _("marketing campaigns")
        ordering = ["-started_at"]

    def __str__(self):
        return self.key


class MarketingDelivery(models.Model):
    """One customer's place in a campaign: at most one per customer and campaign."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped: no longer allowed")
        FAILED = "failed", _("Failed: the mail server refused it")

    campaign = models.ForeignKey(
        MarketingCampaign,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("campaign"),
        help_text=_("The run this delivery belongs to."),
    )
    subject = customer_field(
        related_name="marketing_deliveries",
        help_text=_("Who the mail is for."),
        on_delete=models.CASCADE,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_("Sent and failed are final: a mail is never sent twice."),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the customer was selected.")
    )
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text=_("When the mail was handed over.")
    )

    class Meta:
        verbose_name = _("marketing delivery")
        verbose_name_plural = _("marketing deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subject"], name="consent_delivery_once_per_campaign"
            ),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.subject}"
