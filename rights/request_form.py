"""What every customer request form shares (``rights.forms`` holds one form per kind)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.kernel.typed_text import ControlCharactersFormMixin

from .models import Organisation


class RequestForm(ControlCharactersFormMixin, forms.Form):
    """Fields every kind shares; subclasses add theirs."""

    kind: str = ""
    #: Fields the review page asks for rather than the form (a file cannot be
    #: carried from one page to the next).
    review_only: tuple[str, ...] = ()

    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Anything that helps us handle your request."),
    )
    #: The open requests like this one that the customer saw on the review page and
    #: chose to file anyway (their ids, comma-separated).
    confirm_duplicate = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput, label=_("File anyway")
    )

    def __init__(self, *args, subject, **kwargs):
        self.subject = subject
        #: The regime the request is filed under: the portal's default (staff may
        #: change it later, on the request's working page).
        self.regime = settings.RIGHTS_DEFAULT_REGIME
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(members__user=subject).order_by("name")
        if subject is not None and organisations.exists():
            # Members of a corporate customer may ask about its account; the answer
            # is then readable by its members, so never for their own data.
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("About"),
                queryset=organisations,
                required=False,
                empty_label=_("My own personal data"),
                help_text=_(
                    "A request about your company's account is answered to its members too."
                ),
            )
        # The kind's own questions first, the free-text details last.
        self.order_fields([name for name in self.fields if name != "details"] + ["details"])

    def confirmed_duplicates(self) -> set[int]:
        """Ids of the open requests the customer chose to file this one beside."""
        text = self.cleaned_data.get("confirm_duplicate") or ""
        return {int(part) for part in text.split(",") if part.strip().isdigit()}

    def scope(self) -> dict:
        return {}

    def services(self):
        return list(self.cleaned_data.get("services") or [])

    def categories(self) -> list[str]:
        return list(self.cleaned_data.get("categories") or [])
