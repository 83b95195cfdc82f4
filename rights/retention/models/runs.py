"""Runs of the scheduled retention jobs: when, what each erased, what went wrong."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.RIGHTS_RETENTION_HEARTBEAT_TIMEOUT)


class RetentionRunQuerySet(models.QuerySet):
    def interrupted(self, now=None):
        """Runs still marked running whose heartbeat is older than the timeout."""
        cutoff = (now or timezone.now()) - heartbeat_timeout()
        return self.filter(status=RetentionRun.Status.RUNNING).filter(
            models.Q(heartbeat_at__lt=cutoff)
            | models.Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )


class RetentionRun(models.Model):
    """One run of a retention job: when, what it erased per rule, what went wrong.

    A running run writes ``heartbeat_at`` as it goes; without a heartbeat for
    ``RIGHTS_RETENTION_HEARTBEAT_TIMEOUT`` seconds it was interrupted (its
    worker died), and the next run of the job resumes it from ``cursor``.
    """

    class Job(models.TextChoices):
        DEFERRED = "deferred", _("Deferred erasures")
        SWEEP = "sweep", _("Retention sweep")
        PURGE = "purge", _("Purge of files and records")
        REAPPLY = "reapply", _("Erasures applied again after a restore")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    job = models.CharField(
        _("job"), max_length=12, choices=Job.choices, help_text=_("Which job ran.")
    )
    dry_run = models.BooleanField(
        _("dry run"),
        default=False,
        help_text=_("A dry run only counts what would be erased; it changes nothing."),
    )
    trigger = models.CharField(
        _("started by"),
        max_length=20,
        default="hand",
        help_text=_("beat, command, hand (a task or call not sent by the beat) or admin."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.RUNNING,
        help_text=_("A run that stays running after a crash is finished by the next one."),
    )
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, help_text=_("When it started.")
    )
    finished_at = models.DateTimeField(
        _("finished at"), null=True, blank=True, help_text=_("When it ended.")
    )
    counts = models.JSONField(
        _("counts"),
        default=dict,
        blank=True,
        help_text=_("Records erased (or that would be) per rule code and source."),
    )
    errors = models.JSONField(
        _("errors"), default=list, blank=True, help_text=_("What failed, without personal data.")
    )
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"),
        null=True,
        blank=True,
        help_text=_("When the running job last showed it was alive (after each batch)."),
    )
    cursor = models.JSONField(
        _("progress"),
        default=dict,
        blank=True,
        help_text=_("Where the run has got to, so that an interrupted run resumes there."),
    )
    resumed = models.PositiveIntegerField(
        _("times resumed"),
        default=0,
        help_text=_("How many times a later run took over this one after an interruption."),
    )

    objects = RetentionRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        # In the reader's time zone, as the admin shows the start beside it.
        return f"{self.get_job_display()} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(n for per_source in self.counts.values() for n in per_source.values())

    def is_interrupted(self, now=None) -> bool:
        """Marked running, but without a heartbeat for longer than the timeout."""
        if self.status != self.Status.RUNNING:
            return False
        beat = self.heartbeat_at or self.started_at
        return beat < (now or timezone.now()) - heartbeat_timeout()

    def get_state_display(self) -> str:
        """The status as staff see it: "interrupted" for a run that stopped beating."""
        if self.is_interrupted():
            return str(_("Interrupted"))
        return self.get_status_display()
