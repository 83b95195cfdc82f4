from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights requests")

    def ready(self):
        from portal.kernel import access

        from .models import RightsRequest
        from .retention import hooks
        from .selectors import requests_visible_to

        # A handler sees a request's records through the request first.
        access.register_scope(
            path="request_path",
            model=RightsRequest,
            visible_to=requests_visible_to,
            subject="subject",
            handler_may=("add", "change"),
            order=10,
        )
        hooks.connect()

        # Delivery of disclosures on "in progress", and the purge of spent package files.
        from .disclosure import hooks as disclosure_hooks  # noqa: F401
        from .requesters import purge  # noqa: F401  (registers its purgers)
