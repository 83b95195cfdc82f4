"""What each service publishes about its own handling of personal data.

Each service has a public page (``/services/<code>/``): its purposes of use,
the method and scope of its handling, the retention periods of its data (read
from the registry), the partner companies that receive its data, and its own
inquiry window with a responsible person. The settings are kept here; the rest
of the page is generated from the registry.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import localized
from portal.kernel.fields import EmailAddressField

from .purposes import Purpose
from .recipients import Recipient


class ServicePage(models.Model):
    """The published privacy settings of one service (APPI Art. 21, 32(1))."""

    service = models.OneToOneField(
        "portal.Service",
        on_delete=models.CASCADE,
        related_name="privacy_page",
        verbose_name=_("service"),
        help_text=_("The service the page is about; its code is the page's address."),
    )
    purposes = models.ManyToManyField(
        Purpose,
        blank=True,
        related_name="service_pages",
        verbose_name=_("purposes of use"),
        help_text=_("The purposes this service uses personal data for."),
    )
    recipients = models.ManyToManyField(
        Recipient,
        blank=True,
        related_name="service_pages",
        verbose_name=_("partner companies"),
        help_text=_("The companies that receive this service's personal data."),
    )
    method_ja = models.TextField(
        _("method and scope (Japanese)"),
        help_text=_("How the service obtains and handles personal data, and which data."),
    )
    method_en = models.TextField(
        _("method and scope (English)"),
        help_text=_("How the service obtains and handles personal data, and which data."),
    )
    desk_ja = models.CharField(
        _("inquiry window (Japanese)"),
        max_length=200,
        help_text=_("The name of the service's own inquiry window."),
    )
    desk_en = models.CharField(
        _("inquiry window (English)"),
        max_length=200,
        help_text=_("The name of the service's own inquiry window."),
    )
    responsible_ja = models.CharField(
        _("responsible person (Japanese)"),
        max_length=200,
        help_text=_("Title and name of the person responsible for the service's data."),
    )
    responsible_en = models.CharField(
        _("responsible person (English)"),
        max_length=200,
        help_text=_("Title and name of the person responsible for the service's data."),
    )
    desk_email = EmailAddressField(
        _("inquiry e-mail"), help_text=_("Where the service's inquiries go.")
    )
    desk_phone = models.CharField(
        _("inquiry telephone"), max_length=40, blank=True, help_text=_("With opening hours.")
    )
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Unpublished pages answer “not found”.")
    )

    class Meta:
        verbose_name = _("service privacy page")
        verbose_name_plural = _("service privacy pages")
        ordering = ["service__code"]

    def __str__(self):
        return str(self.service)

    @property
    def method(self) -> str:
        return localized(self, "method")

    @property
    def desk(self) -> str:
        return localized(self, "desk")

    @property
    def responsible(self) -> str:
        return localized(self, "responsible")
