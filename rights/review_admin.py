"""The decision part of a request's working page: the before/after review of a
correction, and the stop-use / stop-provision decision (a mixin of
RightsRequestAdmin, like the fee part)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.kernel.admin_confirm import is_confirmed

from . import correction, stop_decisions, workflow
from .choices import CORRECTION_ARTICLE, Kind, Regime, RejectionGround
from .confirmations import (
    correction_confirmation,
    stated_correction_confirmation,
    stop_confirmation,
)
from .correctable import correctable_fields
from .review_decisions import DECIDABLE
from .stop_reasons import STOP_APPLIES
from .transition_rules import decision_recorded

_GROUNDS = [("", "—"), *RejectionGround.choices]
#: The labels name the fields in the messages of a refused post, in the reader's language.
_DECISION = _("Decision")
_REASON = _("Reason told to the requester")
_GROUND = _("Legal ground")


class CorrectionDecisionForm(forms.Form):
    approve = forms.TypedMultipleChoiceField(
        label=_("Changes to apply"), coerce=int, required=False, choices=()
    )
    decision = forms.ChoiceField(
        label=_DECISION, choices=[("apply", "apply"), ("reject", "reject")]
    )
    reason = forms.CharField(label=_REASON, required=False, max_length=4000)
    ground = forms.ChoiceField(label=_GROUND, required=False, choices=_GROUNDS)

    def __init__(self, *args, changes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approve"].choices = [(c.index, c.label) for c in changes]

    def approved(self) -> list[int]:
        if self.cleaned_data["decision"] == "reject":
            return []
        return self.cleaned_data["approve"]


def correction_targets(subject) -> list[tuple[str, str]]:
    """(target, "label: value now") for each registry item of ``subject`` a correction
    may change; ``target`` is ``source|record id|field``, as the customer's form has it."""
    if subject is None:
        return []
    choices = []
    for target, label, value in correctable_fields(subject):
        source, _record, field = target.split("|", 2)
        choices.append((target, f"{label}: {correction.display(source, field, value)}"))
    return choices


class StatedCorrectionDecisionForm(forms.Form):
    """The decision on a correction asked in the person's words: for each item, the
    registry item it is (or none: not changed) and the value to write there."""

    decision = forms.ChoiceField(
        label=_DECISION, choices=[("apply", "apply"), ("reject", "reject")]
    )
    reason = forms.CharField(label=_REASON, required=False, max_length=4000)
    ground = forms.ChoiceField(label=_GROUND, required=False, choices=_GROUNDS)

    def __init__(self, *args, items, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            number = {"number": item.index + 1}
            self.fields[f"target_{item.index}"] = forms.ChoiceField(
                label=_("Item %(number)s: the registry item") % number,
                required=False,
                choices=[("", "—"), *targets],
            )
            self.fields[f"value_{item.index}"] = forms.CharField(
                label=_("Item %(number)s: the value to write") % number,
                required=False,
                max_length=300,
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject":
            return cleaned
        for item in self.items:
            if cleaned.get(f"target_{item.index}") and not cleaned.get(f"value_{item.index}"):
                self.add_error(f"value_{item.index}", _("Give the value to write."))
        return cleaned

    def apply(self) -> dict[int, tuple[str, str, str, str]]:
        if self.cleaned_data["decision"] == "reject":
            return {}
        chosen = {}
        for item in self.items:
            target = self.cleaned_data.get(f"target_{item.index}")
            if target:
                source, record, field = target.split("|", 2)
                value = self.cleaned_data.get(f"value_{item.index}") or ""
                chosen[item.index] = (source, record, field, value.strip())
        return chosen


class StopDecisionForm(forms.Form):
    measure = forms.CharField(
        label=_("Alternative measure (APPI 35)"), required=False, max_length=4000
    )
    reason = forms.CharField(label=_REASON, required=False, max_length=4000)
    ground = forms.ChoiceField(label=_GROUND, required=False, choices=_GROUNDS)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        for target in targets:
            self.fields[f"decision:{target.key}"] = forms.ChoiceField(
                label=target.label, choices=list(stop_decisions.DECISIONS.items())
            )

    def decisions(self) -> dict[str, str]:
        prefix = "decision:"
        return {
            name[len(prefix) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix)
        }


class RequestDecisionAdminMixin:
    """Adds the review and decision forms to the working page, and their URLs."""

    def get_decision_urls(self, wrap, prefix):
        return [
            path(
                "<id:pk>/correction/",
                wrap(self.correction_decision_view),
                name=f"{prefix}_correction",
            ),
            path(
                "<id:pk>/correction/stated/",
                wrap(self.stated_correction_decision_view),
                name=f"{prefix}_stated_correction",
            ),
            path("<id:pk>/stop/", wrap(self.stop_decision_view), name=f"{prefix}_stop"),
        ]

    def decision_context(self, obj, *, can_work: bool) -> dict:
        decided = obj.is_open and decision_recorded(obj)
        decidable = (
            can_work and obj.status in DECIDABLE and obj.subject_id is not None and not decided
        )
        context = {
            "decidable": decidable,
            "decided": decided,
            "grounds": workflow.request_ground_choices(obj),
        }
        if obj.kind == Kind.CORRECTION:
            context["correction_article"] = CORRECTION_ARTICLE[obj.regime]
            context["correction_review"] = correction.review(obj) if obj.is_open else []
            stated = correction.stated_changes(obj) if obj.is_open else []
            if stated:
                # Filed without an account: staff find each item among the person's data.
                context["stated_changes"] = stated
                context["correction_targets"] = correction_targets(obj.subject)
        elif obj.kind in (Kind.STOP_USE, Kind.STOP_PROVISION):
            targets = stop_decisions.requested_targets(obj) if obj.subject_id else []
            context["stop_targets"] = [(t, stop_decisions.current_state(obj, t)) for t in targets]
            context["stop_decisions"] = list(stop_decisions.DECISIONS.items())
            context["alternative_allowed"] = obj.regime == Regime.APPI
            context["stop_applies"] = STOP_APPLIES[obj.regime]
        return context

    def _decided(self, request, obj):
        obj.refresh_from_db(fields=["status"])
        if obj.is_open:
            # It waits for systems outside this database (the confirmation said so).
            text = _(
                "Decided. The requester is told once the systems outside this database "
                "have answered."
            )
        else:
            text = _("Decided: %(status)s. The requester is told the decision.") % {
                "status": obj.get_status_display()
            }
        self.message_user(request, text, messages.SUCCESS)

    def _decide(self, request, obj, form, decide, confirmation):
        """Validate the decision form; unless the POST is confirmed, show what
        ``confirmation(form)`` says will happen; else call ``decide(form)``, report and
        go back. A decision closes the request and tells the person the outcome."""
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            if not is_confirmed(request):
                return self.confirmation_page(request, obj, confirmation(form))
            decide(form)
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self._decided(request, obj)
        return self._back(obj)

    def correction_decision_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        return self._decide(
            request,
            obj,
            CorrectionDecisionForm(request.POST, changes=correction.requested_changes(obj)),
            lambda form: correction.correction_decide(
                request=obj,
                approve=form.approved(),
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
                actor=request.user,
                http_request=request,
            ),
            lambda form: correction_confirmation(
                obj,
                approve=form.approved(),
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
            ),
        )

    def stated_correction_decision_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        targets = correction_targets(obj.subject)
        form = StatedCorrectionDecisionForm(
            request.POST, items=correction.stated_changes(obj), targets=targets
        )
        return self._decide(
            request,
            obj,
            form,
            lambda form: correction.stated_correction_decide(
                request=obj,
                apply=form.apply(),
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
                actor=request.user,
                http_request=request,
            ),
            lambda form: stated_correction_confirmation(
                obj,
                apply=form.apply(),
                targets=dict(targets),
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
            ),
        )

    def stop_decision_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        return self._decide(
            request,
            obj,
            StopDecisionForm(request.POST, targets=stop_decisions.requested_targets(obj)),
            lambda form: stop_decisions.stop_decide(
                request=obj,
                decisions=form.decisions(),
                measure=form.cleaned_data["measure"],
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
                actor=request.user,
                http_request=request,
            ),
            lambda form: stop_confirmation(
                obj,
                decisions=form.decisions(),
                measure=form.cleaned_data["measure"],
                reason=form.cleaned_data["reason"],
                ground=form.cleaned_data["ground"],
            ),
        )
