from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights requests")
    # The staff index and navigation (portal.kernel.admin_site): the request queue
    # first, then what staff work on day to day; settings follow by name.
    admin_position = 10
    admin_models = (
        "rightsrequest",
        "payment",
        "legalhold",
        "deferrederasure",
        "erasureledgerentry",
        "retentionrule",
        "retentionrun",
    )

    def ready(self):
        # Django requires models to be imported only once the app registry is
        # ready: the start-up module imports them, so it is imported here.
        from . import startup

        startup.ready()
