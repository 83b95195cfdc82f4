"""The decision part of a request's working page: the before/after review of a
correction, and the stop-use / stop-provision decision (a mixin of
RightsRequestAdmin, like the fee part)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import correction, stop_decisions
from .choices import Kind, Regime, RejectionGround, rejection_ground_choices
from .review_decisions import DECIDABLE

_GROUNDS = [("", "—"), *RejectionGround.choices]


class CorrectionDecisionForm(forms.Form):
    approve = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    decision = forms.ChoiceField(choices=[("apply", "apply"), ("reject", "reject")])
    reason = forms.CharField(required=False, max_length=4000)
    ground = forms.ChoiceField(required=False, choices=_GROUNDS)

    def __init__(self, *args, changes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approve"].choices = [(c.index, c.label) for c in changes]

    def approved(self) -> list[int]:
        if self.cleaned_data["decision"] == "reject":
            return []
        return self.cleaned_data["approve"]


class StopDecisionForm(forms.Form):
    measure = forms.CharField(required=False, max_length=4000)
    reason = forms.CharField(required=False, max_length=4000)
    ground = forms.ChoiceField(required=False, choices=_GROUNDS)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        for target in targets:
            self.fields[f"decision:{target.key}"] = forms.ChoiceField(
                choices=list(stop_decisions.DECISIONS.items())
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
            path("<id:pk>/stop/", wrap(self.stop_decision_view), name=f"{prefix}_stop"),
        ]

    def decision_context(self, obj, *, can_work: bool) -> dict:
        decidable = can_work and obj.status in DECIDABLE and obj.subject_id is not None
        context = {"decidable": decidable, "grounds": rejection_ground_choices(obj.kind)}
        if obj.kind == Kind.CORRECTION:
            context["correction_review"] = correction.review(obj) if obj.is_open else []
        elif obj.kind in (Kind.STOP_USE, Kind.STOP_PROVISION):
            targets = stop_decisions.requested_targets(obj) if obj.subject_id else []
            context["stop_targets"] = [(t, stop_decisions.current_state(obj, t)) for t in targets]
            context["stop_decisions"] = list(stop_decisions.DECISIONS.items())
            context["alternative_allowed"] = obj.regime == Regime.APPI
        return context

    def _decided(self, request, obj):
        self.message_user(
            request,
            _("Decided: %(status)s. The person is told what changed.")
            % {"status": obj.get_status_display()},
            messages.SUCCESS,
        )

    def _decide(self, request, obj, form, decide):
        """Validate the decision form, call ``decide(form)``, report and go back."""
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
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
        )
