"""Writes for the consent app, and the one answer to "may we?".

Other code asks two questions, and only here:

* :func:`may_use` — may this customer's data be used for this purpose?
* :func:`may_provide` — may this customer's data go to this recipient?

Both read the consent records, withdrawals and processing restrictions at
the moment of asking, so a withdrawal or an approved stop-use request changes
the answer at once. Never cache the answer across a decision.

Every write below does its rows and its audit event in one transaction,
takes keyword arguments only, and locks the customer's row first so that two
concurrent changes for the same customer are applied one after the other.

By job: ``answers`` (may_use, may_provide), ``evidence`` (where a consent
came from, the customer's lock, one consent record), ``consents`` (the
customers' choices), ``policy`` (privacy-policy versions and acceptance),
``restrictions`` (stops of use or provision), ``signal`` (the browser's
opt-out preference signal, CCPA), ``provision`` (provision
records and requests from authorities), ``receipts`` (records of receipt from
third parties), ``succession`` (data handed to a
successor). The marketing mail is in
:mod:`consent.marketing`. Everything public is imported from here.
"""

from .answers import MARKETING, may_provide, may_use
from .consents import (
    SignupConsent,
    consent_record_paper,
    consent_record_signup,
    consent_update,
)
from .evidence import Evidence
from .policy import policy_accept, policy_decline, policy_notice_record, policy_version_save
from .provision import (
    ProvisionRefused,
    authority_request_record,
    provision_check,
    provision_record_create,
)
from .receipts import ReceiptRefused, receipt_check, receipt_record_create
from .restrictions import restriction_create, restriction_end
from .signal import (
    opt_out_signal_apply,
    sale_sharing_purposes,
    signal_applies,
)
from .succession import succession_record

__all__ = [
    "MARKETING",
    "Evidence",
    "ProvisionRefused",
    "ReceiptRefused",
    "SignupConsent",
    "authority_request_record",
    "consent_record_paper",
    "consent_record_signup",
    "consent_update",
    "may_provide",
    "may_use",
    "opt_out_signal_apply",
    "policy_accept",
    "policy_decline",
    "policy_notice_record",
    "policy_version_save",
    "provision_check",
    "provision_record_create",
    "receipt_check",
    "receipt_record_create",
    "restriction_create",
    "restriction_end",
    "sale_sharing_purposes",
    "signal_applies",
    "succession_record",
]
