"""The forms of a stop of use and of a stop of provision.

Under the APPI (the default regime) a stop rests on grounds the customer states
(art. 35), so the reason is asked; but stopping only what rests on the customer's
consent is a withdrawal, which needs none (``rights.stop_reasons``). The reason is
then optional, checked here rather than left to the page, and the page says which
targets those are, with a link to the consent page where they are switched off.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consent.selectors import active_purposes, active_recipients

from .choices import Kind, Regime
from .request_form import RequestForm
from .stop_grounds import add_grounds_field, chosen_grounds
from .stop_reasons import consent_targets, rests_on_consent, switch_off_hint

#: The reason's mark under the APPI where nothing can be stopped by withdrawing consent.
GROUND_OR_REASON = _("required unless you choose a ground above")


class StopForm(RequestForm):
    """A stop of use or of provision: everything, or at least one target.

    A subclass declares its fields (``everything``, the target field and
    ``details``) and what differs: ``target_field`` (the field and the scope
    key), ``target_choices()``, the error when nothing is chosen, and how a
    chosen value is stored (``stored_target``).
    """

    target_field: str
    nothing_chosen: str
    both_chosen: str
    #: The target group's 「必須」 mark: required unless ``everything`` is chosen.
    target_required: str
    #: The reason's mark under the APPI: required unless a ground is chosen or only
    #: what rests on consent is stopped.
    reason_required: str

    @staticmethod
    def target_choices() -> list[tuple[str, str]]:
        raise NotImplementedError

    @staticmethod
    def stored_target(value: str):
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        target = self.fields[self.target_field]
        target.choices = self.target_choices()
        target.required_mark = self.target_required
        target.help_text = switch_off_hint(self.kind)
        add_grounds_field(self, kind=self.kind, regime=self.regime)
        details = self.fields["details"]
        if self.regime != Regime.APPI:
            # Only the APPI's stop rests on grounds the person states (art. 35); an
            # objection or opt-out needs none (GDPR art. 21(2)-(3), CCPA 1798.120).
            details.required = False
            details.help_text = _("Optional: anything that helps us.")
        else:
            # Asked unless a ground is chosen or only what rests on consent is stopped
            # (``clean``); the mark says so, since the plain 「必須」 would not be true.
            details.required = False
            details.required_mark = (
                self.reason_required if consent_targets(self.kind) else GROUND_OR_REASON
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("everything") and cleaned.get(self.target_field):
            # Which one the customer meant is theirs to say, not ours to guess.
            self.add_error("everything", self.both_chosen)
        elif not cleaned.get("everything") and not cleaned.get(self.target_field):
            self.add_error(self.target_field, self.nothing_chosen)
        if self._reason_missing(cleaned):
            message = self.fields["details"].error_messages["required"]
            self.add_error("details", ValidationError(message, code="required"))
        return cleaned

    def _reason_missing(self, cleaned) -> bool:
        """APPI art. 35: no reason for a stop that does not rest on consent alone; a
        ground chosen from the list states one."""
        if self.regime != Regime.APPI or cleaned.get("details") or cleaned.get("grounds"):
            return False
        if "details" in self.errors:
            return False  # already refused by the field itself
        asked = {"everything": cleaned.get("everything")}
        asked[self.target_field] = cleaned.get(self.target_field)
        return not rests_on_consent(self.kind, asked)

    def scope(self):
        if self.cleaned_data.get("everything"):
            return {self.target_field: [], "everything": True, **chosen_grounds(self.cleaned_data)}
        chosen = self.cleaned_data[self.target_field]
        return {
            self.target_field: sorted(self.stored_target(value) for value in chosen),
            **chosen_grounds(self.cleaned_data),
        }


class StopUseForm(StopForm):
    kind = Kind.STOP_USE
    target_field = "purposes"
    nothing_chosen = _("Choose at least one use, or every use.")
    both_chosen = _("Choose either every use, or the uses below.")
    target_required = _("required: one or more, or every use above")
    reason_required = _(
        "required unless you choose a ground above or stop only uses you can switch off "
        "on the consent page"
    )
    everything = forms.BooleanField(
        label=_("Stop every use of my data that the law lets me stop"),
        required=False,
    )
    purposes = forms.MultipleChoiceField(
        label=_("Stop using my data for"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    details = forms.CharField(
        label=_("Why should we stop?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Tell us why you want us to stop using your data.")},
        # When it is not needed is the mark's to say (``reason_required``), once.
        help_text=_(
            "For example: used beyond the stated purpose, obtained improperly, no longer "
            "needed, or a leak. (APPI art. 35)"
        ),
    )

    @staticmethod
    def target_choices():
        return [(p.code, p.title) for p in active_purposes()]


class StopProvisionForm(StopForm):
    kind = Kind.STOP_PROVISION
    target_field = "recipients"
    nothing_chosen = _("Choose at least one recipient, or every recipient.")
    both_chosen = _("Choose either every recipient, or the recipients below.")
    target_required = _("required: one or more, or every third party above")
    reason_required = _(
        "required unless you choose a ground above or stop only provision made with your consent"
    )
    everything = forms.BooleanField(
        label=_("Stop providing my data to any third party"),
        required=False,
    )
    recipients = forms.MultipleChoiceField(
        label=_("Stop providing my data to"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    details = forms.CharField(
        label=_("Why should we stop?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Tell us why you want us to stop providing your data to third parties.")
        },
        # When it is not needed is the mark's to say (``reason_required``), once.
        help_text=_(
            "For example: provided without the consent the law requires, no longer needed, "
            "or a leak. (APPI art. 35)"
        ),
    )

    @staticmethod
    def target_choices():
        return [(str(r.pk), str(r)) for r in active_recipients()]

    @staticmethod
    def stored_target(value: str) -> int:
        return int(value)  # recipient ids
