"""The company's services and the customers' registrations with them.

Staff access is scoped per service: a service handler sees the customers
registered with the services they answer for (portal.kernel.selectors,
portal.kernel.access). Registrations hold personal data and are declared
in portal/kernel/personal_data.py; the business records kept per service
(usage, invoices, payment methods, inquiries) are the ``portal.records`` app's.
"""

import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..validators import validate_kana

#: Hiragana onto katakana, so that a name in either kana sorts by its sounds.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def reading_order(text: str) -> str:
    """A sort key for a name as a reader expects it: full-width letters, case and the
    two kana folded together, so names written in kana come in 50-sound order
    (シネマ, スマイル, ひかり) after names in Latin letters. A name in kanji sorts by
    its reading only where one is given (``Service.name_kana``)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.translate(_HIRAGANA_TO_KATAKANA)


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
    name_kana = models.CharField(
        _("reading of the name"),
        max_length=200,
        blank=True,
        validators=[validate_kana],
        help_text=_(
            "The Japanese name in kana, e.g. ヒカリヒカリカイセン; the Japanese pages list "
            "the services in its order. Empty: the name itself."
        ),
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def name_order(self) -> tuple[str, str]:
        """Where the service comes in a list by name in the active language."""
        if self.name_en and (get_language() or "").startswith("en"):
            return reading_order(self.name_en), self.code
        return reading_order(self.name_kana or self.name), self.code


def by_name(services: Iterable[Service]) -> list[Service]:
    """The services by name in the active language: the order every list of services
    shows to customers and staff (the forms, "my data", the privacy page)."""
    return sorted(services, key=lambda service: service.name_order)


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
