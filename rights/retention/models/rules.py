"""Retention rules: which law keeps which data, for how long, counted from when."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import localized
from portal.kernel.registry import Category
from rights.choices import Regime

#: The longest period a rule may set (the longest statutory period is 10 years).
MAX_YEARS = 100


class RetentionTrigger(models.TextChoices):
    RECORD_DATE = "record_date", _("Date of the record")
    REGISTRATION_END = "registration_end", _("End of the customer's registration with the service")
    FISCAL_YEAR_END = "fiscal_year_end", _("End of the fiscal year of the record")
    ACCOUNT_CLOSURE = "account_closure", _("Closure of the customer's account")
    RELIANCE_END = (
        "reliance_end",
        _("The record ceasing to be relied on (consent withdrawn or replaced, account closed)"),
    )


#: Triggers a rule counts its period from, which keep nothing without one. The others
#: keep records while the account, the consent or the registration lasts, and a
#: period after it is optional.
PERIOD_REQUIRED = (RetentionTrigger.RECORD_DATE, RetentionTrigger.FISCAL_YEAR_END)
#: The parts of a rule's period, which its checks of the period read together.
PERIOD_FIELDS = ("period_years", "period_months", "period_days")


class RetentionRule(models.Model):
    """How long data under one retention code is kept, from which event, and why.

    The code is the one personal-data declarations name (``retention=`` in
    ``<app>/personal_data.py``). A rule with ``obligation`` is a legal duty to
    keep: its data stays for the whole period even when the customer asks for
    deletion, and the deletion erases it on the day the period ends. A rule
    with ``erase_when_expired`` lets the retention sweep erase data once the
    period has passed.
    """

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("The retention code the personal-data declarations use, e.g. tax-records."),
    )
    name = models.CharField(
        _("name"), max_length=150, help_text=_("What the data is, in Japanese, e.g. 取引書類.")
    )
    name_en = models.CharField(
        _("name in English"),
        max_length=150,
        blank=True,
        help_text=_("Shown on English pages; the Japanese name is used when empty."),
    )
    category = models.CharField(
        _("data category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        help_text=_("The kind of data the rule is mainly about."),
    )
    period_years = models.PositiveSmallIntegerField(
        _("years"),
        default=0,
        validators=[MaxValueValidator(MAX_YEARS)],
        help_text=_("Length of the period: years …"),
    )
    period_months = models.PositiveSmallIntegerField(
        _("months"),
        default=0,
        validators=[MaxValueValidator(MAX_YEARS * 12)],
        help_text=_("… plus months …"),
    )
    period_days = models.PositiveSmallIntegerField(
        _("days"),
        default=0,
        validators=[MaxValueValidator(MAX_YEARS * 366)],
        help_text=_("… plus days. All zero: erased when the event happens."),
    )
    loss_year_period_years = models.PositiveSmallIntegerField(
        _("years for loss years"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_YEARS)],
        help_text=_(
            "Fiscal-year rules only: the period in years for records of a fiscal year with a "
            "loss carried forward (Corporation Tax Act: 10). The loss years are the setting "
            "RIGHTS_LOSS_FISCAL_YEARS."
        ),
    )
    trigger = models.CharField(
        _("starts from"),
        max_length=20,
        choices=RetentionTrigger.choices,
        help_text=_("The event from which the period is counted."),
    )
    trigger_offset_months = models.PositiveSmallIntegerField(
        _("months after the event"),
        default=0,
        validators=[MaxValueValidator(MAX_YEARS * 12)],
        help_text=_(
            "The period starts this many months after the event, e.g. 2 months after the "
            "fiscal year's end (the filing deadline of the tax return)."
        ),
    )
    obligation = models.BooleanField(
        _("legal obligation to keep"),
        default=False,
        help_text=_(
            "A law requires keeping the data for the period: a deletion request erases it "
            "only when the period ends, and the customer is told so."
        ),
    )
    erase_when_expired = models.BooleanField(
        _("erase when the period ends"),
        default=True,
        help_text=_("The nightly retention sweep erases the data once the period has passed."),
    )
    statute = models.CharField(
        _("statute"),
        max_length=200,
        blank=True,
        help_text=_(
            "The law and article, in Japanese, e.g. 法人税法施行規則第59条; empty for a "
            "company policy."
        ),
    )
    statute_en = models.CharField(
        _("statute in English"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Corporation Tax Act Enforcement Regulations art. 59."),
    )
    regime = models.CharField(
        _("regime of the statute"),
        max_length=10,
        choices=Regime.choices,
        blank=True,
        help_text=_(
            "The privacy law the statute belongs to, when it binds only requests under it "
            "(e.g. CCPA regs §7101 for the log of requests). A deletion under another "
            "regime tells the customer the data is kept as the company's own record, "
            "citing no law of a regime that is not theirs. Empty: the statute binds the "
            "company whatever the regime (e.g. tax law)."
        ),
    )
    legal_basis = models.TextField(
        _("legal basis"),
        blank=True,
        help_text=_("Why the data is kept this long, in Japanese, as told to customers."),
    )
    legal_basis_en = models.TextField(
        _("legal basis in English"), blank=True, help_text=_("The same in English.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, help_text=_("Last change."))

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}: {self.display_name}"

    def clean_fields(self, exclude=None):
        """Each field, then the period as a whole. The period is checked only when
        each of its parts was read: a part the form refused (e.g. -1) keeps its old
        value, and asking for a period the officer gave would be a second, false
        error (Django's documented place for a check that depends on exclusions)."""
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not (set(exclude or ()) | set(errors)) & set(PERIOD_FIELDS):
            try:
                self._clean_period()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_period(self):
        if (
            self.obligation
            and self.trigger in PERIOD_REQUIRED
            and not (self.period_years or self.period_months or self.period_days)
        ):
            # Kept for nothing from the record's date: the sweep would erase at once
            # what the law requires to be kept.
            raise ValidationError(
                {
                    "period_years": _(
                        "A legal obligation to keep lasts for a period: give it in years, "
                        "months or days."
                    )
                }
            )
        if (
            self.loss_year_period_years is not None
            and self.trigger == RetentionTrigger.FISCAL_YEAR_END
            and self.loss_year_period_years < self.period_years
        ):
            raise ValidationError(
                {
                    "loss_year_period_years": _(
                        "Records of a loss year are kept at least as long as the others: "
                        "give at least %(years)d years, or leave this empty."
                    )
                    % {"years": self.period_years}
                }
            )

    def clean(self):
        super().clean()
        if (
            self.loss_year_period_years is not None
            and self.trigger != RetentionTrigger.FISCAL_YEAR_END
        ):
            raise ValidationError(
                {
                    "loss_year_period_years": _(
                        "Only a rule counted from the end of the fiscal year has loss "
                        "years; leave this empty."
                    )
                }
            )
        if (
            self.obligation
            and not (self.statute or self.statute_en)
            and not (self.legal_basis or self.legal_basis_en)
        ):
            raise ValidationError(
                {
                    "statute": _(
                        "A legal obligation to keep names its law: give the statute or the "
                        "legal basis, which customers are told."
                    )
                }
            )

    @property
    def display_name(self) -> str:
        return localized(self, "name")

    @property
    def display_statute(self) -> str:
        return localized(self, "statute")

    @property
    def display_legal_basis(self) -> str:
        return localized(self, "legal_basis")
