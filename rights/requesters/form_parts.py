"""Parts of the public request form that serve one kind of answer or request, kept
apart so :mod:`rights.requesters.forms` stays one screen of fields per form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.kernel.validators import validate_postal_code

from ..choices import DeliveryMethod


class PostalAddressMixin(forms.Form):
    """Where a paper answer is posted (APPI art. 33(2)): asked when paper by post is
    chosen, checked like the profile's address; an electronic answer keeps none."""

    postal_code = forms.CharField(
        label=_("Postal code"),
        required=False,
        max_length=16,
        validators=[validate_postal_code],
        help_text=_("For a paper answer: where we post it, e.g. 100-0001."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=300,
        help_text=_(
            "For a paper answer: prefecture, city, street and building, and the name on the "
            "letterbox if it differs from yours."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def _clean_postal(self, cleaned):
        """Once ``delivery_method`` is settled: a paper answer needs both parts."""
        if cleaned.get("delivery_method") != DeliveryMethod.PAPER:
            cleaned["postal_code"] = cleaned["postal_address"] = ""
            return
        for name, message in (
            ("postal_code", _("Give the postal code we post the paper answer to.")),
            ("postal_address", _("Give the address we post the paper answer to.")),
        ):
            cleaned[name] = (cleaned.get(name) or "").strip()
            if name == "postal_code":
                cleaned[name] = cleaned[name].removeprefix("〒").strip()
            if not cleaned[name] and name not in self.errors:
                self.add_error(name, message)
