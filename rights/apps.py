from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights requests")

    def ready(self):
        # Django requires models to be imported only once the app registry is
        # ready: the start-up module imports them, so it is imported here.
        from . import startup

        startup.ready()
