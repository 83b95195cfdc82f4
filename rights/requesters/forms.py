"""Forms of the public request pages (staff's own forms: ``staff_forms``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.codes import OneTimeCodeField
from portal.kernel.dates import (
    AGE_OF_MAJORITY,
    TypedDateField,
    age_on,
    date_of_birth_input,
    validate_date_of_birth,
)
from portal.kernel.typed_email import TypedEmailField
from portal.kernel.typed_text import ControlCharactersFormMixin
from portal.kernel.validators import validate_name_without_address, validate_phone

from ..choices import DeliveryMethod, Kind, Regime
from ..stop_grounds import GROUND_FIELD_NAMES
from ..uploads import check_upload, with_upload_hint
from .filing import Person, Requester, Upload
from .form_parts import DeclarationMixin, PostalAddressMixin, StatedCorrectionMixin
from .models import AUTHORITY_KINDS, Capacity, DocumentKind
from .request_scope import RequestScopeMixin


class StartForm(ControlCharactersFormMixin, forms.Form):
    email = TypedEmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a code to this address, and our answers later."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter the e-mail address we should send the code to.")},
    )


class CodeForm(ControlCharactersFormMixin, forms.Form):
    code = OneTimeCodeField(
        label=_("Code"),
        error_messages={
            "required": _("Enter the six digits of the code."),
            "invalid": _("Enter the six digits of the code."),
        },
    )


def _date_of_birth_field(label):
    return TypedDateField(
        label=label,
        required=False,
        widget=date_of_birth_input(),
        validators=[validate_date_of_birth],
        help_text=_("Format: YYYY-MM-DD."),
    )


class PersonFieldsMixin(forms.Form):
    """Who the request is about: enough to find the person in our records."""

    subject_name = forms.CharField(
        label=_("Name of the person the request is about"),
        max_length=150,
        help_text=_("As registered with us, written the same way, e.g. Hanako Sato."),
        error_messages={"required": _("Give the name of the person the request is about.")},
    )
    subject_email = TypedEmailField(
        label=_("Their e-mail address"),
        required=False,
        max_length=254,
        help_text=_("The address they use with us, if any."),
    )
    subject_phone = forms.CharField(
        label=_("Their phone number"),
        required=False,
        max_length=32,
        validators=[validate_phone],
        help_text=_("The number they gave us, if any."),
    )
    subject_date_of_birth = _date_of_birth_field(_("Their date of birth"))
    subject_language = forms.ChoiceField(
        label=_("Language to write to the person in"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "For an appointed agent: we tell the person in this language that a request was "
            "made in their name and how it ended. Once we find them among our customers, "
            "we use the language they chose with us."
        ),
    )

    def __init__(self, *args, language: str = settings.LANGUAGE_CODE, **kwargs):
        super().__init__(*args, **kwargs)
        # The form's own language until the requester says otherwise.
        self.language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        self.fields["subject_language"].initial = self.language

    def clean_subject_language(self):
        return self.cleaned_data.get("subject_language") or self.language

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("subject_email") or cleaned.get("subject_phone")):
            self.add_error(
                "subject_email",
                _("Give the person's e-mail address or phone number so we can find them."),
            )
        return cleaned

    def person(self) -> Person:
        data = self.cleaned_data
        return Person(
            name=data["subject_name"].strip(),
            email=data.get("subject_email") or "",
            phone=(data.get("subject_phone") or "").strip(),
            date_of_birth=data.get("subject_date_of_birth"),
            language=data.get("subject_language") or self.language,
        )


class PublicRequestForm(
    ControlCharactersFormMixin,
    PersonFieldsMixin,
    RequestScopeMixin,
    PostalAddressMixin,
    StatedCorrectionMixin,
    DeclarationMixin,
    forms.Form,
):
    """The public form: who asks, for whom, what, and the documents."""

    capacity = forms.ChoiceField(
        label=_("Who are you?"),
        choices=[
            (Capacity.SELF, _("I am the person the request is about")),
            (Capacity.PARENT, _("I am the parent or guardian of a minor")),
            (Capacity.GUARDIAN, _("I am the guardian of an adult ward")),
            (Capacity.AGENT, _("I am an agent the person appointed")),
        ],
        initial=Capacity.SELF,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who you are.")},
    )
    requester_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        validators=[validate_name_without_address],
        help_text=_("Required when you act for someone else."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    requester_phone = forms.CharField(
        label=_("Your phone number"),
        max_length=32,
        required=False,
        validators=[validate_phone],
        help_text=_("Optional: we call only if a document is unclear."),
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    kind = forms.ChoiceField(
        label=_("What do you ask for?"),
        choices=Kind.choices,
        error_messages={"required": _("Choose what you ask for.")},
    )
    delivery_method = forms.ChoiceField(
        label=_("How should we deliver a disclosure or notice of purposes?"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.ELECTRONIC,
        widget=forms.RadioSelect,
        required=False,
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which data or services, what should change and why, anything that helps."),
    )
    requester_document = forms.FileField(
        label=_("Your identity document"),
        help_text=with_upload_hint(
            _(
                "A photo or scan of a driving licence, passport, residence card or health "
                "insurance card (hide the insurer and insured numbers)."
            )
        ),
        error_messages={"required": _("Send a photo or scan of your identity document.")},
    )
    authority_kind = forms.ChoiceField(
        label=_("Proof that you may act for the person"),
        required=False,
        choices=[("", "—"), *[(k.value, k.label) for k in AUTHORITY_KINDS]],
        help_text=_(
            "Parents: a family register extract (koseki) showing the child. Guardians: the "
            "certificate of registered guardianship. Appointed agents: a letter of attorney "
            "signed by the person."
        ),
    )
    authority_document = forms.FileField(
        label=_("The proof document"),
        required=False,
        help_text=_("Required when you act for someone else."),
    )
    subject_document = forms.FileField(
        label=_("The person's identity document (optional)"),
        required=False,
        help_text=_("For an appointed agent, a copy of the person's identity document helps."),
    )
    documents_consent = forms.BooleanField(
        label=_(
            "I agree that the documents are used only to confirm identity and authority "
            "for this request and are deleted after the decision."
        ),
        help_text=_(
            "They are deleted %(days)s days after we decide, or at once if they show a My Number."
        ),
        error_messages={
            "required": _(
                "Tick the box to agree to this use of the documents: without it we cannot "
                "check identity and take the request."
            )
        },
    )

    upload_fields = ("requester_document", "authority_document", "subject_document")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents_consent"].help_text = self.fields["documents_consent"].help_text % {
            "days": settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS
        }
        # APPI art. 37: a parent's request needs the child's date of birth (see clean).
        self.fields["subject_date_of_birth"].help_text = _(
            "Format: YYYY-MM-DD. A parent or guardian of a minor gives it: it shows that "
            "the person is a minor."
        )
        self.upload_types: dict[str, str] = {}
        if settings.RIGHTS_DEFAULT_REGIME != Regime.CCPA:
            # The declaration is the CCPA's: a form answered under another law does not
            # ask for it (staff ask when they move a request to the CCPA).
            for name in ("declaration", "declaration_name"):
                del self.fields[name]
        self.order_fields(
            [
                "capacity",
                "requester_name",
                "requester_phone",
                "subject_name",
                "subject_email",
                "subject_phone",
                "subject_date_of_birth",
                "subject_language",
                "kind",
                "delivery_method",
                "postal_code",
                "postal_address",
                "everything",
                "categories",
                "purposes",
                "recipients",
                *GROUND_FIELD_NAMES,
                *self.correction_fields(),
                "details",
                "declaration",
                "declaration_name",
            ]
        )

    def _clean_upload(self, name):
        uploaded = self.cleaned_data.get(name)
        if uploaded:
            self.upload_types[name] = check_upload(uploaded)
        return uploaded

    def clean_requester_document(self):
        return self._clean_upload("requester_document")

    def clean_authority_document(self):
        return self._clean_upload("authority_document")

    def clean_subject_document(self):
        return self._clean_upload("subject_document")

    def clean(self):
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if capacity and capacity != Capacity.SELF:
            if (
                "requester_name" not in self.errors
                and not (cleaned.get("requester_name") or "").strip()
            ):
                self.add_error("requester_name", _("Please give your name."))
            if not cleaned.get("authority_kind"):
                self.add_error("authority_kind", _("Choose the document that proves it."))
            if not cleaned.get("authority_document") and "authority_document" not in self.errors:
                self.add_error("authority_document", _("Please send the document that proves it."))
        born = cleaned.get("subject_date_of_birth")
        if capacity == Capacity.PARENT and not born and "subject_date_of_birth" not in self.errors:
            # APPI art. 37: the age decides whether a parent may act (below).
            self.add_error(
                "subject_date_of_birth",
                _("A parent acts for a minor only: give the child's date of birth."),
            )
        if (
            capacity == Capacity.PARENT
            and born
            and age_on(born, timezone.localdate()) >= AGE_OF_MAJORITY
        ):
            # APPI art. 37: a parent represents a minor only; an adult is represented by
            # the agent they appoint, or by a guardian when a court placed them under one.
            self.add_error(
                "capacity",
                _(
                    "The date of birth shows the person is %(age)s or older: a parent acts "
                    "for them only while they are a minor. Choose “I am an agent the person "
                    "appointed” and send the letter of attorney they signed, or “I am the "
                    "guardian of an adult ward” if a court appointed you their guardian."
                )
                % {"age": AGE_OF_MAJORITY},
            )
        if (
            capacity == Capacity.GUARDIAN
            and born
            and age_on(born, timezone.localdate()) < AGE_OF_MAJORITY
        ):
            # APPI art. 37: an adult ward is an adult; a child's legal representative is
            # a parent or a minor's guardian.
            self.add_error(
                "capacity",
                _(
                    "The date of birth shows the person is under %(age)s: the guardian of "
                    "an adult ward acts for an adult. Choose “I am the parent or guardian "
                    "of a minor” if you act for this child."
                )
                % {"age": AGE_OF_MAJORITY},
            )
        kind = cleaned.get("kind")
        if kind in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE) and not cleaned.get("delivery_method"):
            cleaned["delivery_method"] = DeliveryMethod.ELECTRONIC
        if kind not in (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE):
            cleaned["delivery_method"] = ""
        self._clean_postal(cleaned)
        self._clean_corrections(cleaned)
        self._clean_declaration(cleaned)
        return cleaned

    def scope(self) -> tuple[list[str], dict]:
        if self.cleaned_data.get("kind") == Kind.CORRECTION:
            return [], {"stated_changes": list(self.stated_changes)}
        return super().scope()

    def requester(self, *, language: str) -> Requester:
        data = self.cleaned_data
        is_self = data["capacity"] == Capacity.SELF
        return Requester(
            capacity=data["capacity"],
            email="",
            language=language,
            name=data["subject_name"].strip() if is_self else data["requester_name"].strip(),
            phone=(data.get("requester_phone") or "").strip(),
            postal_code=data.get("postal_code") or "",
            postal_address=data.get("postal_address") or "",
        )

    def uploads(self) -> list[Upload]:
        data = self.cleaned_data
        found = [
            Upload(
                DocumentKind.SUBJECT_ID
                if data["capacity"] == Capacity.SELF
                else DocumentKind.REQUESTER_ID,
                data["requester_document"],
                self.upload_types["requester_document"],
            )
        ]
        if data.get("authority_document") and data["capacity"] != Capacity.SELF:
            found.append(
                Upload(
                    data["authority_kind"] or DocumentKind.OTHER,
                    data["authority_document"],
                    self.upload_types["authority_document"],
                )
            )
        if data.get("subject_document"):
            found.append(
                Upload(
                    DocumentKind.SUBJECT_ID,
                    data["subject_document"],
                    self.upload_types["subject_document"],
                )
            )
        return found
