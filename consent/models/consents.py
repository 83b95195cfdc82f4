"""Consent records: each grant, withdrawal, acceptance or refusal, kept as proof."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.db import AppendOnlyModel, append_only_triggers, customer_field, staff_field

from .purposes import PolicyVersion, Purpose


class ConsentRecord(AppendOnlyModel):
    """Append-only proof of what a customer agreed to, refused or was shown.

    Each row concerns either a purpose or a policy version. The customer's
    current choice for a purpose is the latest row for that pair (derived by a
    query in :mod:`consent.selectors`, never stored twice). Write only through
    :mod:`consent.services`.
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECLINED = "declined", _("Declined")
        NOTICE_SHOWN = "notice_shown", _("Notice shown")

    class Method(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        DASHBOARD = "dashboard", _("Consent page")
        POLICY_PAGE = "policy_page", _("Policy page after login")
        POLICY_BANNER = "policy_banner", _("Policy notice banner")
        STAFF_PAPER = "staff_paper", _("Staff, from a paper form")
        OPT_OUT_SIGNAL = "opt_out_signal", _("Opt-out preference signal of the browser")

    subject = customer_field(related_name="consent_records", help_text=_("Whose consent this is."))
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("purpose of use"),
        help_text=_("The purpose concerned; empty when the row is about a policy version."),
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("policy version"),
        help_text=_("The policy version concerned; empty when the row is about a purpose."),
    )
    action = models.CharField(
        _("action"),
        max_length=16,
        choices=Action.choices,
        help_text=_("Granted, withdrawn, declined when asked, or a notice shown."),
    )
    method = models.CharField(
        _("how"),
        max_length=16,
        choices=Method.choices,
        help_text=_("Where the customer gave or withdrew it."),
    )
    created_at = models.DateTimeField(
        _("time"), default=timezone.now, db_index=True, help_text=_("When it was recorded.")
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"),
        null=True,
        blank=True,
        help_text=_("Where the request came from; empty for paper forms."),
    )
    user_agent = models.CharField(
        _("user agent"),
        max_length=500,
        blank=True,
        help_text=_("The browser that sent the request; empty for paper forms."),
    )
    language = models.CharField(
        _("language shown"),
        max_length=8,
        choices=settings.LANGUAGES,
        help_text=_("The language of the text the customer saw."),
    )
    recorded_by = staff_field(
        _("recorded by"),
        help_text=_("The member of staff who entered a paper form; empty otherwise."),
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("For paper forms: the date on the form and where it is filed."),
    )
    with_opt_out_signal = models.BooleanField(
        _("made with the opt-out preference signal"),
        default=False,
        help_text=_(
            "The browser sent the opt-out preference signal (Sec-GPC) with this choice: "
            "a consent given so overrides the signal (CCPA regs §7025(c)(3))."
        ),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(purpose__isnull=False, policy_version__isnull=True)
                    | Q(purpose__isnull=True, policy_version__isnull=False)
                ),
                name="consent_record_purpose_xor_policy",
            ),
        ]
        indexes = [
            # The "latest record per pair" lookups behind may_use and the dashboard.
            models.Index(fields=["subject", "purpose", "created_at"], name="consent_rec_purpose"),
            models.Index(
                fields=["subject", "policy_version", "created_at"], name="consent_rec_policy"
            ),
        ]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        about = self.purpose or self.policy_version
        return f"{self.subject} · {about} · {self.get_action_display()}"

    def action_label(self) -> str:
        """What the person did, in words true to the purpose's basis.

        A purpose used until the person stops it (``is_opt_out``) asks no consent:
        unticking it stops the use and ticking it again resumes it; calling these
        a withdrawal and a grant of consent would say a consent was given."""
        return action_text(
            self.action, opt_out=self.purpose is not None and self.purpose.is_opt_out
        )


def action_text(action: str, *, opt_out: bool):
    """The words of a record's ``action``; ``opt_out``: the record's purpose is used
    until the person stops it (:meth:`ConsentRecord.action_label`, and the
    personal-data registry, which knows the record's purpose only by its id)."""
    if opt_out:
        if action == ConsentRecord.Action.WITHDRAWN:
            return _("Use stopped")
        if action == ConsentRecord.Action.GRANTED:
            return _("Use resumed")
    return _ACTION_LABELS.get(action, action)


_ACTION_LABELS = dict(ConsentRecord.Action.choices)
