from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "rights"
    verbose_name = _("Rights requests")

    def ready(self):
        from django.core import checks

        from portal.kernel.registry import check_personal_data, registry

        registry.autodiscover()
        checks.register(check_personal_data, checks.Tags.models)

        # The modules below register work that starts when a request enters a
        # status (rights.workflow.on_entry) and the purgers of the nightly purge.
        # They import models, so Django allows them only once the app registry
        # is ready: here, not at the top of this module.
        from .retention import hooks

        hooks.connect()  # a deletion in progress queues its erasure

        # Delivery of disclosures on "in progress", and the purge of spent package files.
        from .disclosure import hooks as disclosure_hooks  # noqa: F401
        from .identity import purge  # noqa: F401  (registers its purgers)
