"""Purposes of use and privacy-policy versions: what the company publishes."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.dates import validate_filter_day
from portal.kernel.db import localized
from portal.kernel.registry.fields import Category


class Purpose(models.Model):
    """A purpose of use published in the privacy policy (APPI Art. 17, 21).

    A required purpose is necessary for the contract or the service and is
    covered by the policy the customer accepted; an optional one needs the
    customer's own consent, which they may give or withdraw at any time, or,
    when ``is_opt_out`` (statistics that identify no one), is used until the
    customer withdraws it.
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
    is_opt_out = models.BooleanField(
        _("used unless withdrawn"),
        default=False,
        help_text=_(
            "For an optional purpose that needs no consent, e.g. statistics that identify no "
            "one: data is used unless the customer withdraws it (GDPR Art. 21)."
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
                condition=Q(is_required=True) | Q(legal_basis="consent") | Q(is_opt_out=True),
                name="consent_purpose_optional_needs_consent_basis",
                violation_error_message=_(
                    "An optional purpose rests on consent, unless it is used until withdrawn."
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_opt_out=False) | Q(is_required=False),
                name="consent_purpose_opt_out_is_optional",
                violation_error_message=_("A purpose used until withdrawn is optional."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        """The data categories are a list of the registry's category codes: "my data",
        the notice of purposes and the disclosure read each purpose's list by code."""
        super().clean()
        categories = self.data_categories
        if not isinstance(categories, list) or any(c not in Category.values for c in categories):
            raise ValidationError(
                {
                    "data_categories": _(
                        'Give a list of data category codes, e.g. ["contact", "usage"]. '
                        "The codes are: %(codes)s."
                    )
                    % {"codes": ", ".join(Category.values)}
                },
                code="invalid_categories",
            )

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

    def clean(self):
        """A moment every time zone can hold: year 1 in Tokyo is before year 1 in UTC,
        which the database cannot store."""
        super().clean()
        if self.effective_at is not None:
            try:
                validate_filter_day(self.effective_at.date())
            except ValidationError as error:
                raise ValidationError({"effective_at": error}) from None

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def summary(self) -> str:
        return localized(self, "summary")

    @property
    def is_effective(self) -> bool:
        return self.effective_at <= timezone.now()
