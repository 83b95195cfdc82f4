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
    # The staff index (admin_site): after the requests and the consent evidence.
    admin_position = 30
    admin_models = ("user", "auditevent", "scheduledrun")

    def ready(self):
        # Django requires models to be imported only once the app registry is
        # ready: the start-up module imports them, so it is imported here.
        from . import startup

        startup.ready()
