"""The personal data the consent app holds, declared for the registry.

Read by portal.kernel.registry at start-up. Consent records, restrictions,
provision records and records of receipt are shown on "my data" under the category "consent";
marketing deliveries under "communications". This module also gives the
registry the purposes of use (and their recipients) of every category.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel import generations
from portal.kernel.db import evidence_erasure
from portal.kernel.registry import (
    ERASE_BATCH_SIZE,
    Category,
    ModelSource,
    PersonalField,
    registry,
)
from portal.kernel.wording import listed

from . import selectors
from .models import (
    AuthorityRequest,
    ConsentRecord,
    MarketingCampaign,
    MarketingDelivery,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
    ReceiptRecord,
    Recipient,
    action_text,
)


@dataclass(frozen=True, eq=False)
class EvidenceSource(ModelSource):
    """A source of append-only rows: the registry's erasure may delete them.

    The rows refuse deletion everywhere else (see consent.models); erasure
    through the registry, called by the deletion workflow or the retention
    sweep once no rule keeps them, is the one exception.
    """

    def erase(self, subject, category, *, actor, batch_size: int = ERASE_BATCH_SIZE) -> int:
        with evidence_erasure():
            return super().erase(subject, category, actor=actor, batch_size=batch_size)


@dataclass(frozen=True, eq=False)
class ConsentEvidenceSource(EvidenceSource):
    """Consent records: kept while relied on, then for the rule's period (GDPR art. 7(1)).

    A retention rule counted from "no longer relied on" asks
    :meth:`reliance_ended_at` when each record stopped being relied on.
    """

    def reliance_ended_at(self):
        return selectors.reliance_ended_at()


# --- turning stored ids into names, without a query per record -----------------

# Purposes, versions, recipients and campaigns are few and rarely change: their
# names in each language are read once and kept until one of them changes, so a
# page of records costs no extra query and never shows a name since replaced.
NAMES_GENERATION = "consent.names"
generations.watch(NAMES_GENERATION, Purpose, PolicyVersion, Recipient, MarketingCampaign)


def _names_by_pk(model) -> dict:
    return generations.cached(
        NAMES_GENERATION,
        f"consent-names:{model._meta.label_lower}:{get_language() or ''}",
        lambda: {obj.pk: str(obj) for obj in model._default_manager.all()},
    )


def _name_of(model):
    def display(pk):
        return _names_by_pk(model).get(pk, pk)

    return display


def _opt_out_purposes() -> frozenset:
    """The ids of the purposes used until the person stops them (``is_opt_out``)."""
    return generations.cached(
        NAMES_GENERATION,
        "consent-opt-out-purposes",
        lambda: frozenset(Purpose.objects.filter(is_opt_out=True).values_list("pk", flat=True)),
    )


def _action_in_row(action, values):
    """A consent record's action in words true to its purpose's basis
    (``ConsentRecord.action_label``): "use stopped", not "withdrawn", for statistics."""
    return action_text(action, opt_out=values.get("purpose") in _opt_out_purposes())


def _item(
    name: str,
    label,
    category=Category.CONSENT,
    *,
    shows=None,
    not_applicable_if_empty=False,
    empty_means=None,
    **row,
) -> PersonalField:
    """A read-only item; ``shows`` names the model a foreign key's id stands for;
    ``not_applicable_if_empty``, ``empty_means`` and ``row`` (``display_in_row``
    and ``display_reads``) as in ``PersonalField``."""
    display = _name_of(shows) if shows is not None else None
    return PersonalField(
        name,
        category,
        label,
        editable=False,
        display=display,
        not_applicable_if_empty=not_applicable_if_empty,
        empty_means=empty_means,
        **row,
    )


# Which items apply to which records. A consent record is about a purpose or a
# policy version, never both (consent_record_purpose_xor_policy); one entered
# from a paper form has no address or browser. A stop of use names a purpose,
# a stop of provision a recipient (consent_restriction_scope_target); there an
# empty one means every purpose or recipient, not that the item does not apply.


def _from_paper(values) -> bool:
    return values.get("method") == ConsentRecord.Method.STAFF_PAPER


def _not_a_stop_of(scope):
    return lambda values: values.get("scope") != scope


registry.register(
    ConsentEvidenceSource(
        model=ConsentRecord,
        subject_path="subject",
        label=_("Consent records"),
        origin=_(
            "Recorded when you gave, refused or withdrew consent, or from a paper form you sent."
        ),
        retention="consent-record",
        order_by=("-created_at", "-pk"),
        fields=[
            _item("created_at", _("time")),
            _item("purpose", _("purpose of use"), shows=Purpose, not_applicable_if_empty=True),
            _item(
                "policy_version",
                _("privacy policy"),
                shows=PolicyVersion,
                not_applicable_if_empty=True,
            ),
            _item("action", _("action"), display_in_row=_action_in_row, display_reads=["purpose"]),
            _item("method", _("how")),
            _item("language", _("language shown")),
            _item("ip_address", _("IP address"), not_applicable_if_empty=_from_paper),
            _item("user_agent", _("browser"), not_applicable_if_empty=_from_paper),
        ],
    )
)

registry.register(
    ModelSource(
        model=ProcessingRestriction,
        subject_path="subject",
        label=_("Stops of use and of provision"),
        origin=_("Placed at your request or by our staff."),
        retention="processing-restriction",
        order_by=("-starts_at", "-pk"),
        fields=[
            _item("scope", _("scope")),
            _item(
                "purpose",
                _("purpose of use"),
                shows=Purpose,
                not_applicable_if_empty=_not_a_stop_of(ProcessingRestriction.Scope.USE),
                empty_means=_("every purpose"),
            ),
            _item(
                "recipient",
                _("recipient"),
                shows=Recipient,
                not_applicable_if_empty=_not_a_stop_of(ProcessingRestriction.Scope.PROVISION),
                empty_means=_("every recipient"),
            ),
            _item("starts_at", _("since")),
            _item("ends_at", _("until")),
            _item("source", _("source")),
        ],
    )
)

registry.register(
    EvidenceSource(
        model=ProvisionRecord,
        subject_path="subject",
        label=_("Records of provision to third parties"),
        origin=_("Recorded by us each time we provided your data to a third party."),
        # APPI Art. 29: kept CONSENT_PROVISION_RECORD_YEARS (3) years from their date.
        retention="provision-record",
        order_by=("-provided_on", "-pk"),
        fields=[
            _item("provided_on", _("date")),
            _item("recipient", _("recipient"), shows=Recipient),
            _item("data_items", _("data items")),
            _item("ground", _("ground")),
        ],
    )
)

registry.register(
    EvidenceSource(
        model=ReceiptRecord,
        subject_path="subject",
        label=_("Records of receipt from third parties"),
        origin=_(
            "Recorded by us each time a third party provided your data to us: who provided "
            "it and how they had obtained it."
        ),
        # APPI art. 30(4): kept 3 years from their date, as provision records are.
        retention="receipt-record",
        order_by=("-received_on", "-pk"),
        fields=[
            _item("received_on", _("date of receipt")),
            _item("provider_name", _("provider's name")),
            _item("provider_address", _("provider's address")),
            _item(
                "provider_representative",
                _("provider's representative"),
                not_applicable_if_empty=True,
            ),
            _item("provider_acquisition", _("how the provider obtained the data")),
            _item("data_items", _("data items received")),
        ],
    )
)

registry.register(
    ModelSource(
        model=MarketingDelivery,
        subject_path="subject",
        label=_("Marketing e-mails"),
        origin=_("Recorded by our marketing mail system."),
        retention="marketing-delivery",
        order_by=("-created_at", "-pk"),
        fields=[
            _item("campaign", _("campaign"), Category.COMMUNICATIONS, shows=MarketingCampaign),
            _item("status", _("status"), Category.COMMUNICATIONS),
            _item("sent_at", _("sent at"), Category.COMMUNICATIONS),
        ],
    )
)

registry.exempt(
    AuthorityRequest,
    reason=(
        "Requests from courts, prosecutors and the police: data whose very existence, if "
        "known, would hinder the investigation of crime is not retained personal data "
        "(APPI Art. 16(4), Cabinet Order Art. 5(iv)). Staff decide on disclosure case by case."
    ),
)


# --- purposes of use per category, for "my data" -----------------------------------


def category_purposes(category, service=None) -> list[str]:
    """The purposes of use of a category, each with the recipients it may go to.

    One query for the purposes and one for their recipients per category
    shown, whatever the number of records. Consent records themselves serve
    no purpose of the policy: they are kept to prove and honour the
    customer's choices.
    """
    if category == Category.CONSENT:
        return [gettext("Proving and respecting your consents and choices (required by law)")]
    purposes = selectors.purposes_for_category(str(category))
    recipients = selectors.recipients_for_purposes(purposes)
    texts = []
    for purpose in purposes:
        names = [r.name for r in recipients if purpose in r.purposes.all()]
        if names:
            texts.append(
                gettext("%(purpose)s (may go to: %(recipients)s)")
                % {"purpose": purpose.title, "recipients": listed(names)}
            )
        else:
            texts.append(purpose.title)
    return texts


registry.set_purposes_provider(category_purposes)

# The texts above are cached (portal.kernel.subject_view) until a purpose, a
# recipient, their links or a policy version changes, or another version comes
# into force; a rendered view also until a name its records show changes.
TEXTS_GENERATION = "consent.texts"
generations.watch(TEXTS_GENERATION, Purpose, Recipient, Recipient.purposes.through, PolicyVersion)


def texts_version() -> tuple[str, str, int | None]:
    """The generations of the purposes and recipients and of the names records show,
    and the policy version in force.

    The versions' effective times are cached under the generation, so this
    costs no query while nothing changed.
    """
    times = generations.cached(
        TEXTS_GENERATION,
        "consent-policy-times",
        lambda: list(
            PolicyVersion.objects.order_by("-effective_at", "-id").values_list("effective_at", "id")
        ),
    )
    now = timezone.now()
    in_force = next((pk for effective_at, pk in times if effective_at <= now), None)
    return generations.token(TEXTS_GENERATION), generations.token(NAMES_GENERATION), in_force


registry.add_texts_version(texts_version)
