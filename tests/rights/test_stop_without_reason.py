"""Asking to stop needs a reason only under the APPI.

APPI art. 35(1), (3) and (5): a stop of use or provision is owed on grounds the
person states (use beyond the purpose, improper acquisition, no longer needed, a
leak...). GDPR art. 21(2)-(3): an objection to direct marketing needs no reason
and art. 12(2) asks the company to make a right easy to use; CCPA 1798.120 and
.135: an opt-out of sale or sharing needs none either.
"""

import pytest

from rights.forms import StopProvisionForm, StopUseForm
from tests.consent_support import recipients

pytestmark = pytest.mark.django_db


def _forms(customer):
    affiliate = recipients()["affiliate"]
    return [
        StopUseForm({"purposes": ["marketing"]}, subject=customer),
        StopProvisionForm({"recipients": [str(affiliate.pk)]}, subject=customer),
    ]


@pytest.mark.parametrize("regime", ["gdpr", "ccpa"])
def test_a_stop_is_accepted_without_a_reason(customer, settings, regime):
    settings.RIGHTS_DEFAULT_REGIME = regime
    for form in _forms(customer):
        assert form.is_valid(), form.errors
        assert "APPI" not in str(form.fields["details"].help_text)


def test_under_the_appi_the_reason_is_asked(customer, settings):
    """APPI art. 35: a use or provision that does not rest on consent alone is
    stopped on the person's stated grounds (those that do: test_stop_consent_without_reason)."""
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    delivery = recipients()["delivery"]
    for form in [
        StopUseForm({"purposes": ["billing"]}, subject=customer),
        StopProvisionForm({"recipients": [str(delivery.pk)]}, subject=customer),
    ]:
        assert not form.is_valid()
        assert "details" in form.errors
