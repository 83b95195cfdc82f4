"""Customer forms: one per kind of request (the thread's message form: ``message_form``)."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.kernel.models import Service
from portal.kernel.registry import Category, RecordNotFound, registry

from .choices import DeliveryMethod, Kind
from .correctable import correctable_fields
from .correction import display, plain, record_names
from .request_form import RequestForm
from .service_choice import ServiceChoiceField, customer_services
from .stop_forms import StopProvisionForm, StopUseForm
from .stop_grounds import add_grounds_field, chosen_grounds
from .uploads import check_upload

#: The message for a deletion that names nothing (shared with the form without an account).
EMPTY_DELETION = _(
    "Choose what to delete: everything (and close your account), or at least one "
    "service or kind of data."
)


class _ServicesMixin(forms.Form):
    services = ServiceChoiceField(
        label=_("Services"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for all services."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of data"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for all kinds."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        services = customer_services(self.subject)
        if services.exists():
            self.fields["services"].queryset = services
        else:
            # Registered with no service: a heading with nothing under it to choose
            # would only puzzle; the request covers the kinds of data chosen.
            del self.fields["services"]


class _DeliveryMixin(forms.Form):
    """How the answer reaches the customer. A paper answer is posted to the address
    in the customer's account settings (``rights.disclosure.selectors.paper_address``),
    so it cannot be asked while that address is empty: nobody could post it."""

    delivery_method = forms.ChoiceField(
        label=_("How would you like to receive it?"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.ELECTRONIC,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you would like to receive the answer.")},
    )

    def clean_delivery_method(self):
        method = self.cleaned_data["delivery_method"]
        profile = getattr(self.subject, "profile", None) if self.subject is not None else None
        if method == DeliveryMethod.PAPER and not (profile is not None and profile.address):
            raise ValidationError(
                _(
                    "We post a paper answer to the address in your account settings, "
                    "and none is registered yet. Add your postal code and address in "
                    "your account settings, or choose the electronic download."
                ),
                code="no_postal_address",
            )
        return method


class DisclosureForm(_ServicesMixin, _DeliveryMixin, RequestForm):
    kind = Kind.DISCLOSURE


class PurposeNoticeForm(_DeliveryMixin, RequestForm):
    kind = Kind.PURPOSE_NOTICE


class DeletionForm(_ServicesMixin, RequestForm):
    """A deletion names what it covers: everything (and the account is closed), or
    at least one service or kind of data. Nothing chosen is refused, never read as
    "everything but the account"."""

    kind = Kind.DELETION
    everything = forms.BooleanField(
        label=_("Delete everything you hold about me and close my account"),
        required=False,
        help_text=_("You can no longer log in once the account is closed."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "services" in self.fields:
            self.fields["services"].help_text = _(
                "Only the data of these services. With no service chosen, the kinds of data "
                "chosen below are deleted in every service."
            )
            self.fields["categories"].help_text = _(
                "Only these kinds of data. With no kind chosen, every kind in the services "
                "chosen above is deleted."
            )
        else:
            self.fields["categories"].help_text = _(
                "Only the kinds of data chosen here are deleted."
            )
        add_grounds_field(self, kind=self.kind, regime=self.regime)
        self.order_fields(["everything", "services", "categories", "grounds", "details"])

    def clean(self):
        cleaned = super().clean()
        named = cleaned.get("services") or cleaned.get("categories")
        if cleaned.get("everything") and named:
            self.add_error(
                "everything", _("Choose either everything, or services and kinds of data.")
            )
        elif not cleaned.get("everything") and not named and not self._has_field_errors():
            self.add_error("everything", EMPTY_DELETION)
        return cleaned

    def _has_field_errors(self) -> bool:
        return any(name in self.errors for name in ("services", "categories"))

    def scope(self):
        return {
            "everything": bool(self.cleaned_data.get("everything")),
            **chosen_grounds(self.cleaned_data),
        }


#: Items a customer may ask to correct in one request, besides the first.
EXTRA_CORRECTIONS = 2
#: The message for an item to correct without its correct value.
CORRECT_VALUE_MISSING = _("Give the correct value.")
#: APPI art. 34(1): an untrue item may be deleted rather than corrected.
REMOVE_LABEL = _("Remove this item instead: it should not be there at all")


def _shown(target: str, value) -> str:
    """The stored ``value`` of a correction target as the customer sees it."""
    source_key, _record, field_name = target.split("|", 2)
    return display(source_key, field_name, value)


def _same_value(new: str | None, current: str | None) -> bool:
    """Whether ``new`` is the value held, as the customer reads it: full-width and
    half-width forms and runs of spaces are the same text."""
    if new is None or current is None:
        return new == current
    return _folded(new) == _folded(current)


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


class CorrectionForm(RequestForm):
    """One or more items to correct: ``target``/``new_value``, then optional pairs
    ``target_2``/``new_value_2``, ... The scope stores them as a list of changes
    (see :func:`rights.correction.requested_changes`)."""

    kind = Kind.CORRECTION
    review_only = ("evidence",)
    target = forms.ChoiceField(
        label=_("Which item is wrong?"),
        choices=(),
        help_text=_(
            "Your login e-mail address is not in this list: change it yourself in your "
            "account settings, where we send a link to the new address."
        ),
        error_messages={"required": _("Choose the item that is wrong.")},
    )
    new_value = forms.CharField(label=_("Correct value"), max_length=300, required=False)
    remove = forms.BooleanField(label=REMOVE_LABEL, required=False)
    details = forms.CharField(
        label=_("What is wrong with the current value?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell us what is wrong with the current value.")},
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A PDF or photo showing the correct value, e.g. a notice of address change."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {t: (label, value) for t, label, value in correctable_fields(self.subject)}
        choices = [("", "—")] + [
            (t, _("%(label)s: %(value)s") % {"label": label, "value": _shown(t, value)})
            for t, (label, value) in self.targets.items()
        ]
        self.fields["target"].choices = choices
        for n in range(2, EXTRA_CORRECTIONS + 2):
            self.fields[f"target_{n}"] = forms.ChoiceField(
                label=_("Another item that is wrong (optional)"), choices=choices, required=False
            )
            self.fields[f"new_value_{n}"] = forms.CharField(
                label=_("Its correct value"), max_length=300, required=False
            )
            self.fields[f"remove_{n}"] = forms.BooleanField(label=REMOVE_LABEL, required=False)
        self.order_fields(
            [name for name in self.fields if name not in ("evidence", "details")]
            + ["evidence", "details"]
        )

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if evidence:
            self.evidence_type = check_upload(evidence)
        return evidence

    def _pairs(self):
        yield "target", "new_value", "remove"
        for n in range(2, EXTRA_CORRECTIONS + 2):
            yield f"target_{n}", f"new_value_{n}", f"remove_{n}"

    def clean(self):
        cleaned = super().clean()
        seen = set()
        self.changes = []
        items = []
        for target_name, value_name, remove_name in self._pairs():
            target, value = cleaned.get(target_name), cleaned.get(value_name)
            remove = cleaned.get(remove_name)
            if target_name != "target" and not target and not value and not remove:
                continue
            if not target:
                if target_name != "target":
                    self.add_error(target_name, _("Choose the item this value is for."))
                elif not value and not remove:
                    self.add_error(value_name, CORRECT_VALUE_MISSING)
                continue
            if remove and value:
                self.add_error(
                    remove_name, _("Give the correct value, or ask to remove the item; not both.")
                )
                continue
            if not remove and not value:
                if value_name not in self.errors:
                    self.add_error(value_name, CORRECT_VALUE_MISSING)
                continue
            if remove:
                value = ""
            if target in seen:
                self.add_error(target_name, _("This item is already in the request."))
                continue
            seen.add(target)
            items.append((target_name, value_name, remove_name, target, value))
        for target_name, value_name, remove_name, target, value in items:
            source_key, record_id, field_name = target.split("|", 2)
            # Items of one record are checked together (a period's start and end).
            together = {
                other.split("|", 2)[2]: other_value
                for _t, _v, _r, other, other_value in items
                if other != target and other.rsplit("|", 1)[0] == target.rsplit("|", 1)[0]
            }
            try:
                stored = registry.source(source_key).clean_correction(
                    self.subject, record_id, field_name, value, together=together
                )
            except ValidationError as error:
                if value == "" and cleaned.get(remove_name):
                    label = self.targets[target][0]
                    refused = _("%(label)s cannot be left empty: give the correct value.")
                    self.add_error(remove_name, refused % {"label": label})
                else:
                    self.add_error(value_name, error.messages)
                continue
            except RecordNotFound:
                self.add_error(target_name, _("This item is no longer in your data."))
                continue
            new_value = value if stored is None else plain(stored)
            if _same_value(new_value, plain(self.targets[target][1])):
                # APPI art. 34: only untrue content is corrected; this would change nothing.
                self.add_error(value_name, _("This item already holds this value."))
                continue
            self.changes.append((target, new_value))
        return cleaned

    def scope(self):
        changes = []
        for target, value in self.changes:
            source_key, record_id, field_name = target.split("|", 2)
            label, current = self.targets[target]
            changes.append(
                {
                    "source": source_key,
                    "record": record_id,
                    **record_names(self.subject, source_key, record_id),
                    "field": field_name,
                    "label": str(label),
                    "current_value": plain(current),
                    "new_value": value,
                }
            )
        return {"changes": changes}


FORMS = {
    form.kind: form
    for form in (
        DisclosureForm,
        CorrectionForm,
        StopUseForm,
        StopProvisionForm,
        DeletionForm,
        PurposeNoticeForm,
    )
}
