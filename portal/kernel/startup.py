"""What the kernel sets up once the models are loaded (called from PortalConfig.ready).

Checks the encryption keys, connects the login signals, registers the URL
converter, the role permissions' sync, the system checks (beat jobs, declared
personal data), reads every app's ``personal_data`` module into the registry
and declares the kernel's own staff-access scopes (customers, services).
"""

from django.contrib.auth import get_user_model
from django.core import checks
from django.db.models.signals import post_migrate
from django.urls import register_converter

from . import access, audit, encryption, jobs, rates, signals
from .catalogs import check_compiled_catalogs
from .company import check_demo_company
from .converters import IdConverter
from .models import Service
from .otp_names import name_otp_apps
from .registry import check_personal_data, registry
from .roles import sync_role_permissions
from .selectors import services_visible_to, subjects_visible_to


def ready() -> None:
    # Every process (web, worker, beat, commands) stops here when the keys
    # for the encrypted profile columns are missing or malformed.
    encryption.check_keys()
    # ... and when the audit chain's key is (portal.kernel.audit).
    audit.check_key()
    # ... and when a rate of the account pages cannot be read (portal.accounts).
    rates.check_rates(
        [
            "ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT",
            "ACCOUNT_EMAIL_CHANGE_RATE_IP",
            "ACCOUNT_MAIL_RATE_EMAIL",
            "ACCOUNT_MAIL_RATE_IP",
        ]
    )
    signals.connect()
    # Every numeric id in a URL: `<id:pk>` (an over-long id is a 404, not a 500).
    register_converter(IdConverter, "id")
    post_migrate.connect(sync_role_permissions, dispatch_uid="portal.kernel.roles.sync")
    checks.register(jobs.check_beat_jobs)
    # What /privacy/, /fees/ and disclosures publish about the company.
    checks.register(check_demo_company, checks.Tags.security, deploy=True)
    # The compiled translations `make install` makes (portal.kernel.catalogs).
    checks.register(check_compiled_catalogs, checks.Tags.translation, deploy=True)
    # Each app's personal_data.py, like admin.py; a model pointing at a
    # customer without a declaration fails `manage.py check`.
    registry.autodiscover()
    checks.register(check_personal_data, checks.Tags.models)
    register_access_scopes()
    name_otp_apps()


def register_access_scopes() -> None:
    """A handler sees a row through its service, else through its customer."""
    access.register_scope(
        path="service_path", model=Service, visible_to=services_visible_to, order=20
    )
    access.register_scope(
        path="subject_path",
        model=get_user_model(),
        visible_to=subjects_visible_to,
        subject="pk",
        field_names=("subject", "user"),
        order=30,
    )
