"""The grounds a stop or a deletion may rest on, per regime.

Each law has its own: APPI art. 35(1), (3) and (5) for a stop of use, a stop of
provision and a deletion; GDPR art. 17(1)(a)-(f) for erasure, art. 18(1)(a)-(d)
for restriction and art. 21(1)-(2) for objection. The CCPA asks none: a deletion
(§1798.105), an opt-out of sale or sharing (§1798.120) and a limit on sensitive
data (§1798.121) are owed on request, and asking for grounds would burden the
consumer (regs §7004). The customer forms offer, and accept, only the grounds of
the regime the request is filed under; a stored code is shown in its own words
whatever the request's regime is now (staff may change it), so each label names
its law and article.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.kernel.wording import listed

from .choices import Kind, Regime


class StopGround(models.TextChoices):
    APPI_BEYOND_PURPOSE = (
        "appi_beyond_purpose",
        gettext_lazy("Used beyond the purposes you were told (APPI art. 35(1), art. 18)"),
    )
    APPI_IMPROPER_USE = (
        "appi_improper_use",
        gettext_lazy(
            "Used in a way that may encourage unlawful or improper acts (APPI art. 35(1), art. 19)"
        ),
    )
    APPI_IMPROPERLY_OBTAINED = (
        "appi_improperly_obtained",
        gettext_lazy("Obtained by deception or other improper means (APPI art. 35(1), art. 20)"),
    )
    APPI_PROVIDED_UNLAWFULLY = (
        "appi_provided_unlawfully",
        gettext_lazy(
            "Provided to a third party without the consent the law requires "
            "(APPI art. 35(3), arts. 27(1) and 28)"
        ),
    )
    APPI_NO_LONGER_NEEDED = (
        "appi_no_longer_needed",
        gettext_lazy("No longer needed for the purposes of use (APPI art. 35(5))"),
    )
    APPI_LEAK = (
        "appi_leak",
        gettext_lazy(
            "Affected by a leak or another incident that must be reported (APPI art. 35(5), "
            "art. 26(1))"
        ),
    )
    APPI_HARM = (
        "appi_harm",
        gettext_lazy(
            "Its handling is likely to harm your rights or legitimate interests (APPI art. 35(5))"
        ),
    )
    GDPR_17_1_A = (
        "gdpr_17_1_a",
        gettext_lazy(
            "No longer needed for the purposes it was collected or processed for "
            "(GDPR art. 17(1)(a))"
        ),
    )
    GDPR_17_1_B = (
        "gdpr_17_1_b",
        gettext_lazy(
            "You withdraw the consent the processing rests on, and it has no other legal "
            "basis (GDPR art. 17(1)(b))"
        ),
    )
    GDPR_17_1_C = (
        "gdpr_17_1_c",
        gettext_lazy("You object to the processing under art. 21(1) or (2) (GDPR art. 17(1)(c))"),
    )
    GDPR_17_1_D = (
        "gdpr_17_1_d",
        gettext_lazy("The data has been processed unlawfully (GDPR art. 17(1)(d))"),
    )
    GDPR_17_1_E = (
        "gdpr_17_1_e",
        gettext_lazy("Erasure is required by a legal obligation (GDPR art. 17(1)(e))"),
    )
    GDPR_17_1_F = (
        "gdpr_17_1_f",
        gettext_lazy(
            "Collected when online services were offered to you as a child (GDPR art. 17(1)(f))"
        ),
    )
    GDPR_18_1_A = (
        "gdpr_18_1_a",
        gettext_lazy("You contest its accuracy, while we check it (GDPR art. 18(1)(a))"),
    )
    GDPR_18_1_B = (
        "gdpr_18_1_b",
        gettext_lazy(
            "The processing is unlawful and you want its use restricted rather than the data "
            "erased (GDPR art. 18(1)(b))"
        ),
    )
    GDPR_18_1_C = (
        "gdpr_18_1_c",
        gettext_lazy("We no longer need it, but you need it for legal claims (GDPR art. 18(1)(c))"),
    )
    GDPR_18_1_D = (
        "gdpr_18_1_d",
        gettext_lazy(
            "You have objected under art. 21(1), while we check whether our grounds override "
            "yours (GDPR art. 18(1)(d))"
        ),
    )
    GDPR_21_1 = (
        "gdpr_21_1",
        gettext_lazy(
            "You object, on grounds relating to your particular situation, to processing "
            "based on legitimate or public interests (GDPR art. 21(1))"
        ),
    )
    GDPR_21_2 = (
        "gdpr_21_2",
        gettext_lazy("You object to processing for direct marketing (GDPR art. 21(2))"),
    )


G = StopGround
_APPI_35_1 = (G.APPI_BEYOND_PURPOSE, G.APPI_IMPROPER_USE, G.APPI_IMPROPERLY_OBTAINED)
_APPI_35_5 = (G.APPI_NO_LONGER_NEEDED, G.APPI_LEAK, G.APPI_HARM)
_GDPR_18_21 = (
    G.GDPR_18_1_A,
    G.GDPR_18_1_B,
    G.GDPR_18_1_C,
    G.GDPR_18_1_D,
    G.GDPR_21_1,
    G.GDPR_21_2,
)

#: The grounds offered for each (regime, kind); a pair not here offers none.
GROUNDS: dict[tuple[str, str], tuple[StopGround, ...]] = {
    (Regime.APPI, Kind.STOP_USE): _APPI_35_1 + _APPI_35_5,
    (Regime.APPI, Kind.STOP_PROVISION): (G.APPI_PROVIDED_UNLAWFULLY, *_APPI_35_5),
    (Regime.APPI, Kind.DELETION): _APPI_35_1 + _APPI_35_5,
    (Regime.GDPR, Kind.STOP_USE): _GDPR_18_21,
    # A provision is a processing like any other: restricted or objected to alike.
    (Regime.GDPR, Kind.STOP_PROVISION): _GDPR_18_21,
    (Regime.GDPR, Kind.DELETION): (
        G.GDPR_17_1_A,
        G.GDPR_17_1_B,
        G.GDPR_17_1_C,
        G.GDPR_17_1_D,
        G.GDPR_17_1_E,
        G.GDPR_17_1_F,
    ),
}


def grounds_for(kind: str, regime: str) -> tuple[StopGround, ...]:
    """The grounds a request of ``kind`` filed under ``regime`` may state."""
    return GROUNDS.get((regime, kind), ())


def ground_label(code: str) -> str:
    """A stored ground in the reader's language; a code no longer known, as stored."""
    return str(StopGround(code).label) if code in StopGround.values else str(code)


def grounds_line(scope: dict | None) -> str:
    """The grounds a filed request states, as a sentence; empty when it states none."""
    codes = (scope or {}).get("grounds") or []
    if not codes:
        return ""
    return _("On these grounds: %(list)s.") % {
        "list": listed(ground_label(code) for code in codes).rstrip(".")
    }


def refuse_other_law(codes, *, kind: str, regime: str) -> None:
    """ValidationError, naming the law the request is filed under, for a code among
    ``codes`` that ``regime`` does not give a request of ``kind``."""
    offered = {str(ground) for ground in grounds_for(kind, regime)}
    for code in codes:
        if code not in offered:
            raise ValidationError(
                _(
                    "“%(ground)s” is not one of the grounds of %(law)s, the law your "
                    "request is filed under. Choose among the grounds listed."
                ),
                code="invalid_choice",
                params={"ground": ground_label(code), "law": Regime(regime).label},
            )


class GroundsField(forms.MultipleChoiceField):
    """The grounds of one regime, as checkboxes; a ground of another law (or none at
    all) posted anyway is refused with the law the request is filed under.

    ``regime=None`` (a form where the regime is chosen too: staff entering a letter)
    offers every law's grounds, each label naming its law; the form then checks the
    grounds chosen against the regime chosen (:func:`refuse_other_law`)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, kind: str, regime: str | None, **kwargs):
        self.kind, self.regime = kind, regime
        kwargs.setdefault("label", gettext_lazy("Grounds (optional)"))
        kwargs.setdefault("required", False)
        offered = dict.fromkeys(
            ground
            for each in ([regime] if regime else Regime.values)
            for ground in grounds_for(kind, each)
        )
        super().__init__(choices=[(g.value, g.label) for g in offered], **kwargs)

    def validate(self, value):
        if self.regime:
            refuse_other_law(value, kind=self.kind, regime=self.regime)
        super().validate(value)


def add_grounds_field(form: forms.Form, *, kind: str, regime: str) -> None:
    """Give ``form`` the ``grounds`` field of ``regime``, or none where it has none;
    it goes just before the free-text details, which stay last."""
    if grounds_for(kind, regime):
        form.fields["grounds"] = GroundsField(
            kind=kind,
            regime=regime,
            help_text=gettext_lazy(
                "Tick any that apply; they help us decide sooner. You may also explain "
                "in your own words below."
            ),
        )
        form.order_fields([name for name in form.fields if name != "details"] + ["details"])


#: On a form that asks the kind too (without an account, staff entry): each kind's
#: grounds field, shown with the kind's other fields.
KIND_GROUND_FIELDS = {
    Kind.DELETION: ("grounds_deletion", gettext_lazy("Grounds (deletion, optional)")),
    Kind.STOP_USE: ("grounds_stop_use", gettext_lazy("Grounds (stop of use, optional)")),
    Kind.STOP_PROVISION: (
        "grounds_stop_provision",
        gettext_lazy("Grounds (stop of provision, optional)"),
    ),
}
#: Their names, for ordering a form's fields.
GROUND_FIELD_NAMES = tuple(name for name, _label in KIND_GROUND_FIELDS.values())


def add_kind_grounds_fields(form: forms.Form, *, regime: str | None, help_text) -> None:
    """Give ``form``, which asks the kind, the grounds field of each kind that has
    grounds under ``regime`` (``None``: the regime is chosen on the form too, so every
    law's grounds, checked by :func:`check_kind_grounds` once it is known)."""
    for kind, (name, label) in KIND_GROUND_FIELDS.items():
        field = GroundsField(kind=kind, regime=regime, label=label, help_text=help_text)
        if field.choices:
            form.fields[name] = field


def check_kind_grounds(form: forms.Form, cleaned: dict, *, kind: str, regime: str | None):
    """On a form with :func:`add_kind_grounds_fields`: refuse, on the kind's field, a
    ground that ``regime`` does not give a request of ``kind``."""
    name = KIND_GROUND_FIELDS.get(kind, ("",))[0]
    if regime not in Regime.values or name not in form.fields or name in form.errors:
        return
    try:
        refuse_other_law(cleaned.get(name) or [], kind=kind, regime=regime)
    except ValidationError as error:
        form.add_error(name, error)


def kind_grounds(cleaned: dict, kind: str) -> dict:
    """The scope's part for the grounds chosen in the field of ``kind``, as
    :func:`chosen_grounds`; a ground ticked for another kind is no part of it."""
    name = KIND_GROUND_FIELDS.get(kind, ("",))[0]
    return chosen_grounds({"grounds": cleaned.get(name)})


def chosen_grounds(cleaned_data: dict) -> dict:
    """The scope's part for the grounds chosen: ``{"grounds": [...]}`` or nothing."""
    chosen = sorted(cleaned_data.get("grounds") or [])
    return {"grounds": chosen} if chosen else {}


def without_grounds(scope: dict | None) -> dict:
    """``scope`` without its grounds: what the request covers, for telling whether two
    requests ask the same (``services.open_duplicates``)."""
    return {key: value for key, value in (scope or {}).items() if key != "grounds"}
