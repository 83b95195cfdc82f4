"""What a request filed without an account, or entered by staff, covers: everything,
kinds of data, uses or recipients, and the grounds of its law, asked as on the
customer's own forms (:mod:`rights.forms`, :mod:`rights.stop_grounds`)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consent.selectors import active_purposes, active_recipients
from portal.kernel.registry import Category

from ..choices import Kind
from ..stop_grounds import add_kind_grounds_fields, check_kind_grounds, kind_grounds

EMPTY_DELETION_PUBLIC = _(
    "Choose what to delete: everything (and close the account), or at least one kind of data."
)


class RequestScopeMixin(forms.Form):
    """What a deletion or a stop covers, asked as on the customer's own forms (see
    ``rights.forms``): everything, or kinds of data (deletion), uses (stop of use)
    or recipients (stop of provision), and the grounds of the request's law for each
    of those kinds (:func:`~rights.stop_grounds.add_kind_grounds_fields`; a ground of
    another law is refused). The form has a ``kind`` field, and a ``regime`` field
    where ``regime_chosen``."""

    everything = forms.BooleanField(
        label=_("Everything: all the data, every use or every recipient"),
        required=False,
        help_text=_("For a deletion this also closes the person's account, if they have one."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of data to delete (deletion)"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    purposes = forms.MultipleChoiceField(
        label=_("Uses to stop (stop of use)"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipients = forms.MultipleChoiceField(
        label=_("Recipients to stop providing to (stop of provision)"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    #: Whether the form asks the regime too (staff entry); otherwise the request is
    #: filed under the portal's default regime.
    regime_chosen = False
    grounds_help = _(
        "Tick any that apply; they help us decide sooner. You may also explain "
        "in your own words below."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purposes"].choices = [(p.code, p.title) for p in active_purposes()]
        self.fields["recipients"].choices = [(str(r.pk), str(r)) for r in active_recipients()]
        # The grounds of the request's own law, as on the customer's forms.
        regime = None if self.regime_chosen else settings.RIGHTS_DEFAULT_REGIME
        add_kind_grounds_fields(self, regime=regime, help_text=self.grounds_help)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        self._clean_scope(kind, cleaned)
        regime = cleaned.get("regime") if self.regime_chosen else settings.RIGHTS_DEFAULT_REGIME
        check_kind_grounds(self, cleaned, kind=kind, regime=regime)
        return cleaned

    #: For each kind that must name what it covers: its field, and the message when
    #: neither "everything" nor that field is chosen.
    SCOPE_FIELDS = {
        Kind.DELETION: ("categories", EMPTY_DELETION_PUBLIC),
        Kind.STOP_USE: ("purposes", _("Choose at least one use to stop, or everything.")),
        Kind.STOP_PROVISION: (
            "recipients",
            _("Choose at least one recipient to stop providing to, or everything."),
        ),
    }

    def _clean_scope(self, kind, cleaned):
        """A deletion or a stop names what it covers, as on the customer's forms."""
        if kind not in self.SCOPE_FIELDS:
            return
        name, message = self.SCOPE_FIELDS[kind]
        if name in self.errors:
            return
        named = bool(cleaned.get(name))
        if kind == Kind.DELETION and "services" in self.fields:
            # Where the form offers services, a deletion may name only services: every
            # kind of data in them (as on the customer's form).
            named = named or bool(cleaned.get("services"))
        if cleaned.get("everything") and named:
            self.add_error("everything", _("Choose either everything, or the items below."))
        elif not cleaned.get("everything") and not named:
            self.add_error("everything", message)

    def scope(self) -> tuple[list[str], dict]:
        """(categories, scope) of the request, in the shape the customer's forms store."""
        data = self.cleaned_data
        kind, everything = data.get("kind"), bool(data.get("everything"))
        grounds = kind_grounds(data, kind)
        if kind == Kind.DELETION:
            return ([] if everything else sorted(data.get("categories") or [])), {
                "everything": everything,
                **grounds,
            }
        if kind == Kind.STOP_USE:
            if everything:
                return [], {"purposes": [], "everything": True, **grounds}
            return [], {"purposes": sorted(data["purposes"]), **grounds}
        if kind == Kind.STOP_PROVISION:
            if everything:
                return [], {"recipients": [], "everything": True, **grounds}
            return [], {"recipients": sorted(int(pk) for pk in data["recipients"]), **grounds}
        return [], {}
