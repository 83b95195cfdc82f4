"""Purposes of use, privacy-policy versions, consent records, restrictions,
third-party recipients, provision records, records of receipt and requests from
authorities.

Models hold fields and constraints only. Every write goes through
:mod:`consent.services`; every question "may we?" is answered by
:func:`consent.services.may_use` and :func:`consent.services.may_provide`.

By job: ``purposes`` (purposes of use, policy versions), ``consents``
(consent records), ``recipients`` (recipients, provision records),
``receipts`` (records of receipt from third parties),
``restrictions`` (processing restrictions, requests from authorities),
``marketing`` (marketing runs and deliveries), ``service_pages`` (what each
service publishes). Everything is imported from here.
"""

from .consents import ConsentRecord, action_text
from .marketing import MarketingCampaign, MarketingDelivery
from .purposes import PolicyVersion, Purpose
from .receipts import ReceiptRecord
from .recipients import CONSENT_KINDS, ProvisionRecord, Recipient
from .restrictions import AuthorityRequest, ProcessingRestriction
from .service_pages import ServicePage

__all__ = [
    "CONSENT_KINDS",
    "AuthorityRequest",
    "ConsentRecord",
    "MarketingCampaign",
    "MarketingDelivery",
    "PolicyVersion",
    "ProcessingRestriction",
    "ProvisionRecord",
    "Purpose",
    "ReceiptRecord",
    "Recipient",
    "ServicePage",
    "action_text",
]
