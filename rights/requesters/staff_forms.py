"""Forms of the staff side of requests without an account: a request received by
letter, phone or in person, and the decision on a requester's identity."""

from __future__ import annotations

import contextlib
import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel import encryption
from portal.kernel.models import Service
from portal.kernel.typed_email import TypedEmailField

from ..choices import Channel, DeliveryMethod, Kind, Regime
from ..service_choice import ServiceChoiceField, customer_services
from ..stop_grounds import GROUND_FIELD_NAMES
from .form_parts import StatedCorrectionMixin
from .request_scope import RequestScopeMixin

EMPTY_DELETION_STAFF = _(
    "Choose what to delete: everything (and close the account), or at least one service or "
    "kind of data."
)
#: The kinds whose request names services, as on the customer's forms (``rights.forms``).
SERVICE_KINDS = (Kind.DISCLOSURE, Kind.DELETION)
#: The oldest arrival date staff may enter for a request received by letter or phone.
STAFF_ENTRY_MAX_AGE_DAYS = 366


class StaffEntryForm(RequestScopeMixin, StatedCorrectionMixin, forms.Form):
    """A request received by letter, phone or in person, entered by staff.

    ``services``: the services offered (those the member of staff may see); a
    service the customer is not registered with is refused by name. A correction's
    items are entered as the person wrote them, and found among their data on the
    working page, as for a request filed without an account.
    """

    regime_chosen = True
    grounds_help = _(
        "The grounds the person gives, if any: only those of the legal regime chosen "
        "above are taken."
    )
    SCOPE_FIELDS = {
        **RequestScopeMixin.SCOPE_FIELDS,
        Kind.DELETION: ("categories", EMPTY_DELETION_STAFF),
    }

    subject_email = TypedEmailField(
        label=_("Customer's e-mail address"),
        help_text=_("The account the request is about (find it with the subject lookup)."),
    )
    kind = forms.ChoiceField(label=_("Kind of request"), choices=Kind.choices)
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(c.value, c.label) for c in (Channel.MAIL, Channel.PHONE, Channel.IN_PERSON)],
    )
    received_on = forms.DateField(
        label=_("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The day the letter arrived or the call was taken: the deadline counts from it."
        ),
    )
    regime = forms.ChoiceField(
        label=_("Legal regime"), choices=Regime.choices, initial=settings.RIGHTS_DEFAULT_REGIME
    )
    delivery_method = forms.ChoiceField(
        label=_("Delivery (disclosure, notice of purposes)"),
        choices=[("", "—"), *DeliveryMethod.choices],
        required=False,
    )
    services = ServiceChoiceField(
        label=_("Services (disclosure, deletion)"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The services the request concerns. None chosen: all of the customer's services."
        ),
    )
    details = forms.CharField(
        label=_("What the person asked, in their words"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    needs_verification = forms.BooleanField(
        label=_("Identity still to be verified"),
        required=False,
        help_text=_(
            "Tick when the person's identity was not confirmed when the request arrived "
            "(e.g. a letter without a copy of an identity document)."
        ),
    )
    #: Shown with the customer's open requests of the same kind and scope, if any.
    file_anyway = forms.BooleanField(
        label=pgettext_lazy("staff entry", "File anyway"), required=False
    )
    #: The ids of the open requests the form showed (comma-separated): the tick covers those.
    file_beside = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    #: The ids of the open requests the staff member may not open, sealed: the form
    #: counted them without naming them, and the tick covers them too.
    file_beside_others = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = None
        offered = Service.objects.all() if services is None else services
        self.fields["services"].queryset = offered.order_by("code")
        self.order_fields(
            [
                "subject_email",
                "kind",
                "channel",
                "received_on",
                "regime",
                "delivery_method",
                "everything",
                "services",
                "categories",
                "purposes",
                "recipients",
                *GROUND_FIELD_NAMES,
                *self.correction_fields(),
                "details",
            ]
        )

    def clean_subject_email(self):
        email = self.cleaned_data["subject_email"]
        subject = get_user_model().objects.filter(email__iexact=email, is_staff=False).first()
        if subject is None:
            raise ValidationError(_("No customer has this e-mail address."))
        self.subject = subject
        return email

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        today = timezone.localdate()
        if received_on > today:
            raise ValidationError(_("The date received cannot be in the future."))
        if received_on < today - dt.timedelta(days=STAFF_ENTRY_MAX_AGE_DAYS):
            # Every legal deadline would have passed long ago: most likely a typing slip.
            raise ValidationError(
                _("The date received is more than a year ago: check the date on the letter.")
            )
        return received_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE):
            if not cleaned.get("delivery_method"):
                self.add_error("delivery_method", _("Choose how the answer is delivered."))
        else:
            cleaned["delivery_method"] = ""
        if cleaned.get("kind") not in SERVICE_KINDS:
            # As on the customer's forms, only a disclosure or a deletion names services.
            cleaned["services"] = []
        self._clean_services(cleaned)
        self._clean_corrections(cleaned)
        return cleaned

    def scope(self) -> tuple[list[str], dict]:
        if self.cleaned_data.get("kind") == Kind.CORRECTION:
            return [], {"stated_changes": list(self.stated_changes)}
        return super().scope()

    def _clean_services(self, cleaned):
        """Each service chosen is one the customer is registered with."""
        chosen = cleaned.get("services") or []
        if self.subject is None or not chosen:
            return
        held = set(customer_services(self.subject).values_list("pk", flat=True))
        refused = [
            ValidationError(
                _("The customer is not registered with %(service)s.")
                % {"service": service.display_name}
            )
            for service in chosen
            if service.pk not in held
        ]
        if refused:
            self.add_error("services", refused)

    def chosen_services(self) -> list:
        return list(self.cleaned_data.get("services") or [])

    def confirmed_duplicates(self) -> set[int]:
        """Ids of the open requests shown that staff chose to file this one beside."""
        if not self.cleaned_data.get("file_anyway"):
            return set()
        text = self.cleaned_data.get("file_beside") or ""
        # Sealed by the view (``duplicates_context``): a changed value opens to nothing.
        with contextlib.suppress(encryption.FieldDecryptionError):
            text += "," + encryption.decrypt(self.cleaned_data.get("file_beside_others") or "")
        return {int(part) for part in text.split(",") if part.strip().isdigit()}


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Reason or note"), required=False, max_length=4000, widget=forms.Textarea
    )
    no_customer = forms.BooleanField(
        label=_("No customer matches these details: the answer is that we hold no data"),
        required=False,
    )
    declaration = forms.BooleanField(
        label=_("The consumer's declaration, signed under penalty of perjury, was received"),
        required=False,
    )
