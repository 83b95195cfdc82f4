"""The company that holds the personal data, and where people reach its privacy office.

What APPI art. 32(1) requires to be published (name, address, representative,
where to file requests and complaints) and the supervisory authority, from the
``PRIVACY_*`` settings, in the reader's language: the privacy policy page,
disclosure reports and notices of purposes all read it here.
"""

from django.conf import settings
from django.core import checks
from django.urls import reverse
from django.utils.translation import get_language


def setting_in_language(name: str) -> str:
    """The setting ``name`` in the active language: its ``<name>_EN`` twin on English
    pages when set, else the setting itself (Japanese)."""
    japanese = getattr(settings, name)
    if (get_language() or "").startswith("en"):
        return getattr(settings, f"{name}_EN", "") or japanese
    return japanese


def check_demo_company(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``check --deploy``: warn while the portal publishes the demo company.

    Without these settings a production start names "Rights Portal K.K.", its
    representative, office and a sample bank account on /privacy/ and /fees/, in
    disclosure reports and on receipts, and sends mail from its address.
    """
    left = [
        name
        for name, (demo, _english) in settings.DEMO_COMPANY.items()
        if getattr(settings, name) == demo
    ]
    if not left:
        return []
    return [
        checks.Warning(
            "The portal publishes the demo company's details: " + ", ".join(left) + ".",
            hint="Set them to the company's own in the environment or .env "
            "(docs/configuration.md); the English ones too, as <name>_EN.",
            id="portal.W001",
        )
    ]


class CompanyContact:
    """The company and its privacy office in the active language (settings PRIVACY_*)."""

    _pick = staticmethod(setting_in_language)

    @property
    def company(self) -> str:
        return self._pick("PRIVACY_COMPANY_NAME")

    @property
    def representative(self) -> str:
        return self._pick("PRIVACY_COMPANY_REPRESENTATIVE")

    @property
    def address(self) -> str:
        return self._pick("PRIVACY_OFFICE_ADDRESS")

    @property
    def address_names_company(self) -> bool:
        """Whether the office's address already names the company.

        An office address is often written to be posted to, the company included
        (the demo's "Privacy Office, Rights Portal K.K., 1-2-3 Dogenzaka, …", which fee
        payments by post use too): a line that gives both names the company only once.
        """
        company = self.company.strip().casefold()
        return bool(company) and company in self.address.casefold()

    @property
    def email(self) -> str:
        return settings.PRIVACY_OFFICE_EMAIL

    @property
    def phone(self) -> str:
        return settings.PRIVACY_OFFICE_PHONE

    @property
    def requests_url(self) -> str:
        return settings.SITE_URL + reverse("rights:request_new")

    @property
    def supervisory_authority(self) -> str:
        return self._pick("PRIVACY_SUPERVISORY_AUTHORITY")

    @property
    def supervisory_authority_url(self) -> str:
        return settings.PRIVACY_SUPERVISORY_AUTHORITY_URL

    def as_dict(self) -> dict[str, str]:
        return {
            "company": self.company,
            "representative": self.representative,
            "address": self.address,
            "email": self.email,
            "phone": self.phone,
            "requests_url": self.requests_url,
        }
