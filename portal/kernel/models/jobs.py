"""Scheduled jobs' claims: one row per job and period, so a period runs once."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import zones


class ScheduledRun(models.Model):
    """A scheduled job's claim on one period of its schedule (see :mod:`portal.kernel.jobs`).

    The first message of a period to insert the row runs the job; the unique
    constraint turns every other message for that period (a second beat, a
    duplicate) into a no-op. Holds no personal data.
    """

    job = models.CharField(
        _("job"),
        max_length=100,
        help_text=_("The beat schedule entry, e.g. rights-retention-sweep."),
    )
    period_start = models.DateTimeField(
        _("period start"),
        help_text=_("When the period of the job's schedule that this run is for began."),
    )
    task_id = models.CharField(
        _("task id"),
        max_length=255,
        help_text=_("The Celery task id of the message holding the claim."),
    )
    claimed_at = models.DateTimeField(
        _("claimed at"), default=timezone.now, help_text=_("When the run claimed the period.")
    )
    finished_at = models.DateTimeField(
        _("finished at"),
        null=True,
        blank=True,
        help_text=_("When the job finished the period; later messages for it do nothing."),
    )
    result = models.JSONField(
        _("result"),
        null=True,
        blank=True,
        help_text=_(
            "What the job reported when it finished: how many it handled, by rule or kind "
            "(no personal data)."
        ),
    )
    failed_at = models.DateTimeField(
        _("failed at"),
        null=True,
        blank=True,
        help_text=_(
            "When the job last raised an error in this period; its retry may still finish it."
        ),
    )
    failures = models.PositiveIntegerField(
        _("failures"), default=0, help_text=_("How many times the job raised in this period.")
    )
    error = models.CharField(
        _("error"),
        max_length=200,
        blank=True,
        help_text=_(
            "The last error's class, and its message only for the project's own errors "
            "that name no personal data (the worker's log has the rest)."
        ),
    )

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="scheduled_run_once")
        ]
        # The daily purge of old claims walks this one.
        indexes = [models.Index(fields=["period_start"], name="scheduled_run_period")]

    def __str__(self):
        # In the reader's zone, named (the title and breadcrumbs of the run's page).
        return f"{self.job} {zones.written(self.period_start)}"
