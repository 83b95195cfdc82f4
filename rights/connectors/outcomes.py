"""What the connectors' beat jobs count their tasks by (``run_due``, ``remind_overdue``,
``erase_after_holds``), in words for the scheduled runs page (declared to the kernel by
:func:`rights.startup.ready`)."""

from django.utils.translation import pgettext_lazy

LABELS = {
    # dispatch.attempt
    "not due": pgettext_lazy("job outcome", "Not due yet"),
    "done": pgettext_lazy("job outcome", "Done"),
    "accepted": pgettext_lazy("job outcome", "Accepted by the system"),
    "retry": pgettext_lazy("job outcome", "To be tried again"),
    "failed": pgettext_lazy("job outcome", "Failed"),
    "contradicted": pgettext_lazy("job outcome", "Answer contradicting its settled part"),
    # notices.remind_overdue
    "reminded": pgettext_lazy("job outcome", "Reminded"),
    "escalated": pgettext_lazy("job outcome", "Escalated"),
    # after_holds.erase_after_holds
    "asked": pgettext_lazy("job outcome", "Asked to erase"),
    "still_held": pgettext_lazy("job outcome", "Still under a hold"),
}
