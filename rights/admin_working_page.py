"""What a request's working page in the admin shows besides the fields (the scope in
words, the timeline, the moves the rules hold back, the language the person is
written to in) and the small forms it posts (status, deadline extension, regime,
assignee, message)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.kernel.registry import Category
from portal.kernel.roles import working_staff
from portal.kernel.wording import listed

from . import correction, know_limit, services, stop_decisions
from .choices import Kind, Regime, RejectionGround, Status
from .confirmations import language_name
from .models import RightsRequest
from .notice_text import event_ground, event_line, event_outcome
from .notifications import recipients_of
from .stop_grounds import grounds_line
from .stop_reasons import NO_REASON_OWED, rests_on_consent

User = get_user_model()


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Next step"), choices=Status.choices)
    reason = forms.CharField(
        label=_("Reason told to the requester"),
        required=False,
        max_length=4000,
        widget=forms.Textarea,
    )
    ground = forms.ChoiceField(
        label=_("Legal ground"), required=False, choices=[("", "—"), *RejectionGround.choices]
    )


class ExtendForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"))
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea)


class RegimeForm(forms.Form):
    regime = forms.ChoiceField(label=_("Legal regime"), choices=Regime.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=working_staff(User.objects.all()).order_by("email"),
        required=False,
    )


class StaffMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the requester"), max_length=4000, widget=forms.Textarea
    )


def repeated_know_requests(obj: RightsRequest) -> list[RightsRequest]:
    """The person's earlier CCPA requests to know in the 12 months before ``obj``,
    when ``obj`` is the third or later (CCPA §1798.130(b), :mod:`rights.know_limit`);
    else empty, and the working page notes nothing."""
    earlier = know_limit.earlier_know_requests(obj)
    return earlier if len(earlier) >= know_limit.ANSWERED_IN_PERIOD else []


def written_to(obj: RightsRequest) -> list[tuple[str, str]]:
    """(language, address) of everyone told how the request ends, in the language
    their notices are written in (``notifications.recipients_of``): a reason or a
    message staff write goes into those notices as written."""
    return [(language_name(r.language), r.email) for r in recipients_of(obj, "rejected")]


def notice_languages(obj: RightsRequest) -> str:
    """The languages of :func:`written_to`, each once: "Japanese", "Japanese or English"."""
    names = list(dict.fromkeys(language for language, _email in written_to(obj)))
    if len(names) < 2:
        return names[0] if names else ""
    return _("%(first)s or %(last)s") % {"first": listed(names[:-1]), "last": names[-1]}


class WorkingPageForm(forms.ModelForm):
    class Meta:
        # A row worked out from a field says what the field holds, as the field did.
        help_texts = {"details_display": RightsRequest._meta.get_field("details").help_text}


class WorkingPageFieldsMixin:
    """Fields of the working page worked out from the request: the "written to in"
    field beside who the request is from, and the data categories asked for."""

    form = WorkingPageForm

    @admin.display(description=_("data categories"))
    def category_names(self, obj):
        """The categories' labels in the reader's language, in the registry's order;
        none named means every kind (the request's ``categories`` field)."""
        asked = set(obj.categories or []) if obj is not None else set()
        labels = [Category(code).label for code in Category.values if code in asked]
        return listed(labels) if labels else _("Every kind of data")

    @admin.display(description=_("Written to in"))
    def notice_language(self, obj):
        lines = [
            (_("%(language)s: %(email)s") % {"language": language, "email": email},)
            for language, email in (written_to(obj) if obj is not None else [])
        ]
        return format_html_join("", "<div>{}</div>", lines) if lines else "—"

    @admin.display(description=_("details"))
    def details_display(self, obj):
        """The person's own words; when there are none, that none were given, and for a
        stop of only what rests on consent, that none are owed (``rights.stop_reasons``)."""
        if obj is None or obj.details:
            return obj.details if obj is not None else ""
        if rests_on_consent(obj.kind, obj.scope):
            return NO_REASON_OWED[obj.regime]
        return _("None given.")


def held_back(refused: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(statuses, why) for the working page: the moves a rule holds back, those
    held back for the same reason together."""
    grouped: dict[str, list[str]] = {}
    for status, why in refused:
        grouped.setdefault(why, []).append(str(Status(status).label))
    return [(listed(labels), why) for why, labels in grouped.items()]


#: What a request asks when its scope names nothing of its own (a deletion of some
#: services or kinds of data, which their own rows show).
_NOTHING_NAMED = "—"


def scope_summary(obj: RightsRequest) -> str:
    """The kind-specific part of a request in words, for staff, with the grounds the
    person stated (``rights.stop_grounds``), each in its own law's words."""
    asked = _asked(obj)
    grounds = grounds_line(obj.scope)
    if not grounds:
        return asked
    return grounds if asked == _NOTHING_NAMED else f"{asked} {grounds}"


def _asked(obj: RightsRequest) -> str:
    scope = obj.scope or {}
    changes = correction.requested_changes(obj)
    if changes:
        return "; ".join(
            _("%(label)s: “%(before)s” → “%(after)s”")
            % {"label": c.label, "before": c.asked_over_shown, "after": c.new_value_shown}
            for c in changes
        )
    stated = correction.stated_changes(obj)
    if stated:
        return "; ".join(
            _("“%(before)s” → “%(after)s”") % {"before": item.wrong, "after": item.correct}
            for item in stated
        )
    if obj.kind in (Kind.STOP_USE, Kind.STOP_PROVISION):
        targets = stop_decisions.requested_targets(obj)
        if targets:
            label = _("Purposes: %(list)s")
            if obj.kind == Kind.STOP_PROVISION:
                label = _("Recipients: %(list)s")
            return label % {"list": listed(t.label for t in targets)}
    if scope.get("everything"):
        return _("Everything, and close the account")
    return _NOTHING_NAMED


def timeline(obj: RightsRequest) -> list[dict]:
    """Events, messages and notices of a request, oldest first, for both sides."""
    items = [
        {
            "at": e.created_at,
            "type": "event",
            "item": e,
            "outcome": event_outcome(e),
            "line": event_line(e),
            "ground": event_ground(e, obj.regime, obj.kind),
        }
        for e in obj.events.select_related("actor")
    ]
    items += [
        {"at": m.created_at, "type": "message", "item": m}
        for m in obj.messages.select_related("author")
    ]
    return sorted(items, key=lambda entry: entry["at"])


class QueueAssignMixin:
    """The queue's bulk action: assign the selected requests to one member of staff."""

    @admin.action(description=_("Assign selected requests"), permissions=["change"])
    def assign_selected(self, request, queryset):
        if not queryset.exists():
            # Only requests of the queue are selected (get_queryset): none of those
            # posted is the user's, e.g. another service's, or one gone from it.
            self.message_user(
                request,
                _("None of the selected requests is in your queue: nothing was changed."),
                messages.WARNING,
            )
            return None
        if "apply" in request.POST:
            form = AssignForm(request.POST)
            if form.is_valid():
                try:
                    changed = services.request_assign(
                        requests=list(queryset),
                        assignee=form.cleaned_data["assignee"],
                        actor=request.user,
                        http_request=request,
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(
                    request,
                    ngettext("%(n)d request assigned.", "%(n)d requests assigned.", changed)
                    % {"n": changed},
                )
                return None
        else:
            form = AssignForm()
        return TemplateResponse(
            request,
            "admin/rights/rightsrequest/assign.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "queryset": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": _("Assign requests"),
            },
        )
