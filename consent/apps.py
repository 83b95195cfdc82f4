from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent")
    # The staff index (portal.kernel.admin_site): after the requests, the evidence
    # staff look up most; the purposes, recipients and texts follow by name.
    admin_position = 20
    admin_models = (
        "processingrestriction",
        "consentrecord",
        "provisionrecord",
        "receiptrecord",
        "authorityrequest",
    )
