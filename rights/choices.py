"""The vocabularies of rights requests, shared by models, workflow and deadlines."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    APPI = "appi", _("APPI (Japan)")
    GDPR = "gdpr", _("GDPR (EU)")
    CCPA = "ccpa", _("CCPA / CPRA (California)")
