"""The personal data in rights requests, declared for the registry.

Requests are the company's log of how it answered (CCPA §7101 keeps it 24
months): erasing anonymises what the person wrote and keeps the kind, status
and dates, which ``erase_to=F(field)`` states explicitly.
"""

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.personal_data import yen
from portal.kernel.registry import Category, ModelSource, PersonalField, registry

from .models import (
    IdentityDocument,
    Organisation,
    OrganisationMember,
    Payment,
    RequestEvent,
    RequestIdentity,
    RequestMessage,
    RightsRequest,
)
from .summary import scope_sentence

registry.register(
    ModelSource(
        model=RightsRequest,
        subject_path="subject",
        label=_("Your requests"),
        origin=_("You or your agent, when the request was made."),
        # Kept as the record of how each request was answered (CCPA §7101).
        retention="request-log",
        erasure="anonymise",
        order_by=("-received_at", "-pk"),
        fields=[
            PersonalField("kind", Category.REQUESTS, _("kind"), erase_to=F("kind"), editable=False),
            PersonalField(
                "status", Category.REQUESTS, _("status"), erase_to=F("status"), editable=False
            ),
            PersonalField(
                "received_at",
                Category.REQUESTS,
                _("received"),
                erase_to=F("received_at"),
                editable=False,
            ),
            PersonalField("details", Category.REQUESTS, _("details"), erase_to="", editable=False),
            PersonalField(
                "scope",
                Category.REQUESTS,
                _("scope"),
                erase_to={},
                editable=False,
                display=scope_sentence,
            ),
        ],
    )
)

registry.register(
    ModelSource(
        model=RequestMessage,
        subject_path="request__subject",
        label=_("Messages about your requests"),
        origin=_("You and our staff, in the messages about your requests."),
        retention="request-log",
        erasure="delete",
        order_by=("-created_at", "-pk"),
        fields=[
            PersonalField("created_at", Category.REQUESTS, _("time"), editable=False),
            PersonalField(
                "body",
                Category.REQUESTS,
                pgettext_lazy("request thread", "message"),
                editable=False,
            ),
            PersonalField("attachment_name", Category.REQUESTS, _("attachment"), editable=False),
        ],
    )
)

registry.register(
    ModelSource(
        model=RequestEvent,
        subject_path="request__subject",
        label=_("Steps of your requests"),
        origin=_("Recorded by us as your requests were handled."),
        retention="request-log",
        erasure="anonymise",
        order_by=("-created_at", "-pk"),
        fields=[
            PersonalField(
                "created_at", Category.REQUESTS, _("time"), erase_to=F("created_at"), editable=False
            ),
            # Empty on a step that changed no status (an extension, an assignment).
            PersonalField(
                "to_status",
                Category.REQUESTS,
                _("status"),
                erase_to=F("to_status"),
                editable=False,
                not_applicable_if_empty=True,
            ),
            PersonalField("reason", Category.REQUESTS, _("reason"), erase_to="", editable=False),
        ],
    )
)

registry.register(
    ModelSource(
        model=Payment,
        subject_path="request__subject",
        label=_("Fees for your requests"),
        origin=_("Recorded by us when a fee was asked, paid or refunded."),
        # Receipts are transaction documents (Corporation Tax Act: 7 years, 10 for loss
        # years) and fee income is booked, so they are important business documents too
        # (Companies Act art. 432(2): 10 years): kept until the longer ends.
        retention="tax-records",
        also_retained_under=("accounting-books",),
        erasure="delete",
        order_by=("-created_at", "-pk"),
        fields=[
            PersonalField(
                "reference", Category.TRANSACTIONS, _("payment reference"), editable=False
            ),
            PersonalField(
                "amount", Category.TRANSACTIONS, _("amount"), editable=False, display=yen
            ),
            PersonalField("status", Category.TRANSACTIONS, _("status"), editable=False),
            PersonalField("method", Category.TRANSACTIONS, _("payment method"), editable=False),
            PersonalField("paid_at", Category.TRANSACTIONS, _("paid at"), editable=False),
        ],
    )
)

# Retention's own records point at customers but hold no customer data: they
# say what must be kept or was erased, and must outlive the erasure.
registry.exempt(
    "rights.LegalHold",
    reason="A staff hold: the company's record of a duty to keep data (litigation, an "
    "authority's order); it names the customer, holds none of their data, and must outlive "
    "the erasures it blocks.",
)
registry.exempt(
    "rights.DeferredErasure",
    reason="A scheduled erasure: source, category and record ids to erase later, never values.",
)
registry.exempt(
    "rights.ErasureLedgerEntry",
    reason="The erasure ledger: which categories of whom were erased (ids and counts, never "
    "values), kept to erase again what a restore from backup brings back.",
)
registry.exempt(
    "rights.AccountClosure",
    reason="The date an account was closed: evidence that logins were disabled, and the start "
    "of the retention periods counted from closure.",
)


def _organisation_name(pk):
    organisation = Organisation.objects.filter(pk=pk).first()
    return organisation.name if organisation is not None else pk


registry.register(
    ModelSource(
        model=OrganisationMember,
        subject_path="user",
        label=_("Corporate customers you belong to"),
        origin=_("Entered by our staff when your company named you as a member."),
        retention="account",
        order_by=("-added_at", "-pk"),
        fields=[
            PersonalField(
                "organisation",
                Category.PROFESSIONAL,
                _("corporate customer"),
                editable=False,
                display=_organisation_name,
            ),
            PersonalField("added_at", Category.PROFESSIONAL, _("added at"), editable=False),
        ],
    )
)
registry.exempt(
    "rights.Organisation",
    reason="A corporate customer: the company's name and number; it points only at the member "
    "account designated as its contact, whose membership is declared above.",
)
registry.exempt(
    "rights.WithheldRecord",
    reason="A staff decision to leave one record out of a disclosure: a record reference, a "
    "ground and the member of staff; the person is told the kind of data and the ground.",
)
registry.exempt(
    "rights.DisclosureDelivery",
    reason="How a disclosure was delivered (build attempts, posting date); it points only at the "
    "member of staff who posted it and holds none of the customer's data.",
)

# Requests without an account and by agents (rights.requesters): the person as the
# requester described them, who asked, and the documents sent as proof. Like the
# requests themselves they are the log of how a request was answered (category
# "requests"); the documents' files go by the identity-documents purge.
registry.register(
    ModelSource(
        model=RequestIdentity,
        subject_path="request__subject",
        label=_("Identity checks of your requests"),
        retention="request-log",
        erasure="anonymise",
        order_by=("-created_at", "-pk"),
        fields=[
            PersonalField(
                "capacity",
                Category.REQUESTS,
                _("capacity"),
                erase_to=F("capacity"),
                editable=False,
            ),
            PersonalField(
                "subject_name", Category.REQUESTS, _("name"), erase_to="", editable=False
            ),
            PersonalField(
                "subject_email", Category.REQUESTS, _("e-mail address"), erase_to="", editable=False
            ),
            PersonalField(
                "subject_phone", Category.REQUESTS, _("phone"), erase_to="", editable=False
            ),
            PersonalField(
                "subject_date_of_birth",
                Category.REQUESTS,
                _("date of birth"),
                erase_to=None,
                editable=False,
            ),
            PersonalField(
                "requester_name", Category.REQUESTS, _("requester"), erase_to="", editable=False
            ),
            PersonalField(
                "requester_email",
                Category.REQUESTS,
                _("requester's e-mail address"),
                erase_to="",
                editable=False,
            ),
            PersonalField(
                "postal_code",
                Category.REQUESTS,
                _("postal code for a paper answer"),
                erase_to="",
                editable=False,
            ),
            PersonalField(
                "postal_address",
                Category.REQUESTS,
                _("postal address for a paper answer"),
                erase_to="",
                editable=False,
            ),
            PersonalField(
                "verification",
                Category.REQUESTS,
                _("verification"),
                erase_to=F("verification"),
                editable=False,
            ),
            PersonalField(
                "decided_at",
                Category.REQUESTS,
                _("decided at"),
                erase_to=F("decided_at"),
                editable=False,
            ),
        ],
    )
)

registry.register(
    ModelSource(
        model=IdentityDocument,
        subject_path="request__subject",
        label=_("Documents sent with your requests"),
        retention="request-log",
        erasure="anonymise",
        order_by=("-uploaded_at", "-pk"),
        fields=[
            PersonalField(
                "kind", Category.REQUESTS, _("kind of document"), erase_to=F("kind"), editable=False
            ),
            PersonalField(
                "original_name", Category.REQUESTS, _("file name"), erase_to="", editable=False
            ),
            PersonalField(
                "uploaded_at",
                Category.REQUESTS,
                _("received at"),
                erase_to=F("uploaded_at"),
                editable=False,
            ),
            PersonalField(
                "destroyed_at",
                Category.REQUESTS,
                _("deleted at"),
                erase_to=F("destroyed_at"),
                editable=False,
            ),
        ],
    )
)

# Systems outside this database (rights.connectors): each system's part in a
# request points at the member of staff who confirmed it.
registry.exempt(
    "rights.SystemTask",
    reason="A system's part in a request (GDPR art. 19): which system or recipient, what it was "
    "asked and whether it answered; the identifiers it needed are encrypted and go with the "
    "request, which is the customer's record.",
)

registry.exempt(
    "rights.NoticeText",
    reason="The wording of a notice, written by staff: it names its author, holds no "
    "customer's data.",
)
