"""Recipients of personal data and the records of each provision to them."""

from babel import Locale
from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.db import (
    AppendOnlyModel,
    append_only_triggers,
    customer_field,
    localized,
    staff_field,
)
from portal.kernel.registry import Category

from .purposes import Purpose


class Recipient(models.Model):
    """A company or body that may receive personal data from us."""

    class Kind(models.TextChoices):
        SUBCONTRACTOR = "subcontractor", _("Subcontractor (outsourcing)")
        AFFILIATE = "affiliate", _("Affiliate")
        THIRD_PARTY = "third_party", _("Third party")
        PUBLIC_AUTHORITY = "public_authority", _("Public authority")
        JOINT_USE = "joint_use", _("Joint user (joint use)")
        SUCCESSOR = "successor", _("Successor (merger or business transfer)")

    name_ja = models.CharField(_("name (Japanese)"), max_length=200, help_text=_("Legal name."))
    name_en = models.CharField(_("name (English)"), max_length=200, help_text=_("Legal name."))
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        help_text=_(
            "A subcontractor handles data on our behalf within our purposes (APPI Art. 27(5)); "
            "a joint user uses it with us under the published joint-use items (APPI Art. "
            "27(5)(iii)); an affiliate or third party needs the customer's consent."
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
    # Joint use (APPI Art. 27(5)(iii)): what is published before data is shared;
    # the purpose of use of the joint users is the recipient's purposes above.
    joint_items_ja = models.TextField(
        _("data used jointly (Japanese)"),
        blank=True,
        help_text=_("For joint use: the items of personal data used jointly."),
    )
    joint_items_en = models.TextField(
        _("data used jointly (English)"),
        blank=True,
        help_text=_("For joint use: the items of personal data used jointly."),
    )
    joint_users_ja = models.TextField(
        _("joint users (Japanese)"),
        blank=True,
        help_text=_("For joint use: who uses the data jointly (the scope of joint users)."),
    )
    joint_users_en = models.TextField(
        _("joint users (English)"),
        blank=True,
        help_text=_("For joint use: who uses the data jointly (the scope of joint users)."),
    )
    joint_manager_ja = models.TextField(
        _("party responsible (Japanese)"),
        blank=True,
        help_text=_(
            "For joint use: name, address and representative of the party responsible "
            "for managing the data."
        ),
    )
    joint_manager_en = models.TextField(
        _("party responsible (English)"),
        blank=True,
        help_text=_(
            "For joint use: name, address and representative of the party responsible "
            "for managing the data."
        ),
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["kind", "name_en"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="joint_use")
                | (
                    ~models.Q(joint_items_ja="")
                    & ~models.Q(joint_users_ja="")
                    & ~models.Q(joint_manager_ja="")
                ),
                name="consent_joint_use_items_published",
                violation_error_message=_(
                    "Joint use needs the data used jointly, the joint users and the party "
                    "responsible (APPI art. 27(5)(iii))."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def country_name(self) -> str:
        """The country's name in the active language (CLDR, through Babel); the code
        itself for one Babel does not know."""
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return Locale.parse(language).territories.get(self.country.upper(), self.country)

    @property
    def is_joint_use(self) -> bool:
        return self.kind == self.Kind.JOINT_USE

    @property
    def joint_items(self) -> str:
        return localized(self, "joint_items")

    @property
    def joint_users(self) -> str:
        return localized(self, "joint_users")

    @property
    def joint_manager(self) -> str:
        return localized(self, "joint_manager")

    @property
    def needs_consent(self) -> bool:
        return self.kind in CONSENT_KINDS


#: The kinds of recipient that receive data only with the customer's consent
#: (APPI Art. 27(1)): provision to them is what the CCPA calls sale or sharing.
CONSENT_KINDS = (Recipient.Kind.AFFILIATE, Recipient.Kind.THIRD_PARTY)


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
        SUCCESSION = (
            "succession",
            _("Business succession: merger or business transfer (APPI art. 27(5)(ii))"),
        )
        JOINT_USE = "joint_use", _("Joint use")

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
    categories = models.JSONField(
        _("kinds of data provided"),
        default=list,
        blank=True,
        help_text=_(
            "A customer's erasure or correction is sent to this recipient only when it "
            "concerns one of these kinds; with none ticked, every one is."
        ),
    )
    ground = models.CharField(
        pgettext_lazy("provision", "ground"),
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

    def category_labels(self) -> list[str]:
        """The kinds of data provided, by name, in the registry's order."""
        return [str(label) for code, label in Category.choices if code in self.categories]

    def concerns(self, kinds) -> bool:
        """Whether this provision may have passed on any of ``kinds`` (None: any kind);
        a record that names no kinds may have passed on anything."""
        return kinds is None or not self.categories or bool(set(self.categories) & set(kinds))
