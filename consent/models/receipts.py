"""Records of receiving personal data from third parties (APPI art. 30)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import AppendOnlyModel, append_only_triggers, customer_field, staff_field
from portal.kernel.registry import Category


class ReceiptRecord(AppendOnlyModel):
    """A record of receiving personal data from a third party (APPI art. 30(3)).

    Before receiving, we confirm the provider's name, address and (for a
    corporation) representative, and how the provider obtained the data
    (art. 30(1)); the record keeps them with the date, the person and the data
    items. Kept 3 years from its date (art. 30(4)), under the retention rule
    ``receipt-record``. Write only through
    :func:`consent.services.receipt_record_create`.
    """

    received_on = models.DateField(
        _("date of receipt"), db_index=True, help_text=_("The day the data was received.")
    )
    subject = customer_field(
        related_name="receipt_records", help_text=_("Whose data was received.")
    )
    provider_name = models.CharField(
        _("provider's name"),
        max_length=200,
        help_text=_("Name of the person or company that provided the data."),
    )
    provider_address = models.TextField(
        _("provider's address"), help_text=_("Address of the provider, as confirmed.")
    )
    provider_representative = models.CharField(
        _("provider's representative"),
        max_length=200,
        blank=True,
        help_text=_(
            "For a corporation: the name of its representative. Leave empty for an individual."
        ),
    )
    provider_acquisition = models.TextField(
        _("how the provider obtained the data"),
        help_text=_(
            "How the provider came to hold the data, as confirmed with it, e.g. collected "
            "from the person with consent for provision to us."
        ),
    )
    data_items = models.TextField(
        _("data items received"),
        help_text=_("Which items were received, e.g. name, address, phone."),
    )
    categories = models.JSONField(
        _("kinds of data received"),
        default=list,
        blank=True,
        help_text=_("The kinds of data the items fall in; none ticked means not recorded."),
    )
    recorded_by = staff_field(
        _("recorded by"), help_text=_("Who entered the record; empty for the system.")
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the record was entered.")
    )

    class Meta:
        verbose_name = _("record of receipt from a third party")
        verbose_name_plural = _("records of receipt from third parties")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["subject", "received_on"], name="consent_rcpt_subject")]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        return f"{self.received_on} ← {self.provider_name}"

    def category_labels(self) -> list[str]:
        """The kinds of data received, by name, in the registry's order."""
        return [str(label) for code, label in Category.choices if code in self.categories]
