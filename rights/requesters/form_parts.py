"""Parts of the public request form that serve one kind of answer or request (a paper
answer's address, a correction's items, the CCPA declaration), kept apart so
:mod:`rights.requesters.forms` stays within its size."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.kernel.validators import validate_postal_code

from ..choices import DeliveryMethod, Kind
from .models import Capacity


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


#: Items a correction asks on the public form, as on the customer's own form.
STATED_CORRECTIONS = 3


class StatedCorrectionMixin(forms.Form):
    """The items of a correction (APPI art. 34) in the person's words: no registry record
    is matched when the public form is filed, so they write, for each item, what is
    wrong and what it should be (``wrong_<n>``, ``correct_<n>``). Staff find each item
    among the person's data once the request is matched (``rights.review_admin``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stated_changes: list[dict] = []
        for n in range(1, STATED_CORRECTIONS + 1):
            first = n == 1
            self.fields[f"wrong_{n}"] = forms.CharField(
                label=_("Correction: what is wrong")
                if first
                else _("Another item that is wrong (optional)"),
                required=False,
                max_length=500,
                help_text=_("The item and what we hold now, e.g. “Address: 1-2-3 Chiyoda, Tokyo”.")
                if first
                else "",
            )
            self.fields[f"correct_{n}"] = forms.CharField(
                label=_("What it should be"),
                required=False,
                max_length=500,
                help_text=_("The correct value, e.g. “4-5-6 Minato, Tokyo”.") if first else "",
            )

    @staticmethod
    def correction_fields() -> list[str]:
        return [
            name
            for n in range(1, STATED_CORRECTIONS + 1)
            for name in (f"wrong_{n}", f"correct_{n}")
        ]

    def _clean_corrections(self, cleaned):
        """A correction names at least one item and the value it should have; other kinds
        keep none."""
        self.stated_changes = []
        if cleaned.get("kind") != Kind.CORRECTION:
            return
        for n in range(1, STATED_CORRECTIONS + 1):
            wrong = (cleaned.get(f"wrong_{n}") or "").strip()
            correct = (cleaned.get(f"correct_{n}") or "").strip()
            if not wrong and not correct:
                continue
            if not wrong:
                self.add_error(f"wrong_{n}", _("Say which item is wrong and what we hold now."))
            elif not correct:
                self.add_error(f"correct_{n}", _("Give the correct value."))
            else:
                self.stated_changes.append({"wrong": wrong, "correct": correct})
        if not self.stated_changes and not set(self.correction_fields()) & set(self.errors):
            self.add_error("wrong_1", _("Say which item is wrong and what we hold now."))


#: CCPA §7062(c): the words the consumer declares, as the regulation asks for them.
DECLARATION_TEXT = _(
    "I declare under penalty of perjury under the laws of the State of California that I "
    "am the consumer whose personal information is the subject of the request."
)


def same_name(first: str, second: str) -> bool:
    """Whether two typed names are the same, whatever the spaces (half or full width)
    and the letter case."""

    def plain(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())

    return plain(first) == plain(second)


class DeclarationMixin(forms.Form):
    """The consumer's declaration under penalty of perjury, signed by typing their full
    name (CCPA §7062(c): a copy of the specific pieces of personal information of a
    consumer without an account). Offered on a portal whose requests are filed under the
    CCPA (``RIGHTS_DEFAULT_REGIME``), to anyone asking for themselves, saying it is for
    California residents; staff still confirm it when they verify."""

    declaration = forms.BooleanField(
        label=DECLARATION_TEXT,
        required=False,
        help_text=_(
            "California residents asking for a copy of the specific pieces of their "
            "personal information: we need this declaration, signed with your full name "
            "below (CCPA §7062(c)). Otherwise leave it empty. It costs nothing."
        ),
    )
    declaration_name = forms.CharField(
        label=_("Your full name, as your signature of the declaration"),
        required=False,
        max_length=150,
        help_text=_("The same name as the person the request is about. The date is recorded."),
    )

    def _clean_declaration(self, cleaned):
        """Signed by the person themself, for a copy, with the name they gave; otherwise
        refused with what to change. ``declaration_name`` is empty unless signed."""
        name = " ".join((cleaned.get("declaration_name") or "").split())
        ticked = bool(cleaned.get("declaration"))
        cleaned["declaration_name"] = ""
        if not ticked and not name:
            return
        if not ticked:
            self.add_error(
                "declaration", _("Tick the declaration to sign it, or clear the name below.")
            )
        elif cleaned.get("capacity") not in (None, Capacity.SELF):
            self.add_error(
                "declaration",
                _("The declaration is signed only by the person the request is about."),
            )
        elif cleaned.get("kind") not in (None, Kind.DISCLOSURE):
            self.add_error(
                "declaration",
                _("The declaration is only for a copy of your data (disclosure): untick it."),
            )
        elif not name:
            self.add_error("declaration_name", _("Type your full name to sign the declaration."))
        elif "subject_name" in cleaned and not same_name(name, cleaned["subject_name"]):
            self.add_error(
                "declaration_name",
                _("Sign with the same full name you gave for the person: %(name)s.")
                % {"name": cleaned["subject_name"]},
            )
        else:
            cleaned["declaration_name"] = name
