from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """The company's business records: usage, invoices, payment methods, inquiries.

    Builds on the kernel only (users, services); declares its personal data to
    the kernel's registry in ``personal_data.py``.
    """

    name = "portal.records"
    label = "records"
    verbose_name = _("Business records")
