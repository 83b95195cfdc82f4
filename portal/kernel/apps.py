from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(AdminConfig):
    """The staff admin: only staff who passed a one-time-password check get in."""

    default_site = "portal.kernel.admin_site.PortalAdminSite"


class PortalConfig(AppConfig):
    """The kernel: its models keep the ``portal`` label (tables, migrations, permissions)."""

    name = "portal.kernel"
    label = "portal"
    verbose_name = _("Customers and accounts")

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from . import audit, encryption, jobs, signals
        from .converters import IdConverter
        from .roles import sync_role_permissions

        # Every process (web, worker, beat, commands) stops here when the keys
        # for the encrypted profile columns are missing or malformed.
        encryption.check_keys()
        # ... and when the audit chain's key is (portal.kernel.audit).
        audit.check_key()
        signals.connect()
        # Every numeric id in a URL: `<id:pk>` (an over-long id is a 404, not a 500).
        register_converter(IdConverter, "id")
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal.kernel.roles.sync")
        checks.register(jobs.check_beat_jobs)
