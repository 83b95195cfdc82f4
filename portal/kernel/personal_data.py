"""The personal data the kernel's models hold, declared for the registry.

Read by portal.kernel.registry at start-up. Each field says its category, its label
on the "my data" page, whether it may be corrected, and what erasing its
category leaves behind. Models that point at users but hold no customer data
are exempted here with the reason.
"""

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel.registry import Category, Lookup, ModelSource, PersonalField, registry

from .models import Profile, ServiceRegistration, User


def yen(amount: int) -> str:
    return gettext("¥%(amount)s") % {"amount": f"{amount:,}"}


registry.register(
    ModelSource(
        model=User,
        subject_path="",
        label=_("Login account"),
        origin=_("You, when you signed up; login times are recorded by the portal."),
        retention="account",
        # The account row stays (requests, holds and the audit trail point at
        # it); erasing overwrites what identifies the person.
        erasure="anonymise",
        fields=[
            PersonalField(
                "email",
                Category.CONTACT,
                _("e-mail address"),
                # Unique, so the replacement is built from the row's id.
                erase_to=Concat(
                    Value("erased-"), Cast("pk", CharField()), Value("@erased.invalid")
                ),
                # Changing the login address needs a confirmed new address.
                editable=False,
                lookup=Lookup.EMAIL,
            ),
            PersonalField(
                "email_change_to",
                Category.CONTACT,
                _("new e-mail address awaiting confirmation"),
                erase_to=Value(""),
                # Asked for on the account page; it becomes the login through its link.
                editable=False,
                # Only while a change waits for its link: a list leaves it out otherwise.
                not_applicable_if_empty=True,
            ),
            PersonalField(
                "email_change_requested_at",
                Category.CONTACT,
                _("change of e-mail address asked at"),
                erase_to=None,
                editable=False,
                not_applicable_if_empty=True,
            ),
            PersonalField(
                "language", Category.ACCOUNT, _("language"), erase_to=Value("ja"), editable=True
            ),
            PersonalField(
                "date_joined",
                Category.ACCOUNT,
                _("date joined"),
                erase_to=TruncYear("date_joined"),  # only the year remains
                editable=False,
            ),
            PersonalField(
                "last_login", Category.ACCOUNT, _("last login"), erase_to=None, editable=False
            ),
        ],
    )
)

registry.register(
    ModelSource(
        model=Profile,
        subject_path="user",
        label=_("Profile"),
        origin=_("You, at sign-up or in your account settings."),
        retention="account",
        erasure="anonymise",
        fields=[
            PersonalField(
                "full_name", Category.IDENTITY, _("full name"), erase_to="", lookup=Lookup.NAME
            ),
            PersonalField(
                "full_name_kana",
                Category.IDENTITY,
                _("name in kana"),
                erase_to="",
                lookup=Lookup.NAME,
            ),
            PersonalField("postal_code", Category.CONTACT, _("postal code"), erase_to=""),
            PersonalField("address", Category.CONTACT, _("address"), erase_to=""),
            PersonalField("phone", Category.CONTACT, _("phone"), erase_to="", lookup=Lookup.PHONE),
            PersonalField(
                "date_of_birth",
                Category.DEMOGRAPHIC,
                _("date of birth"),
                erase_to=None,
                lookup=Lookup.DATE,
            ),
            PersonalField("gender", Category.DEMOGRAPHIC, _("gender"), erase_to=""),
            PersonalField("occupation", Category.PROFESSIONAL, _("occupation"), erase_to=""),
            PersonalField("industry", Category.PROFESSIONAL, _("industry"), erase_to=""),
        ],
    )
)

registry.register(
    ModelSource(
        model=ServiceRegistration,
        subject_path="user",
        service_path="service",
        label=_("Registrations"),
        origin=_("You, when you applied for the service."),
        retention="contract",
        erasure="delete",
        order_by=("-started_on", "-pk"),
        named_by="member_number",
        fields=[
            PersonalField("member_number", Category.CONTRACT, _("member number"), editable=False),
            PersonalField("plan", Category.CONTRACT, _("plan"), editable=False),
            PersonalField("started_on", Category.CONTRACT, _("started on")),
            PersonalField(
                "ended_on", Category.CONTRACT, _("ended on"), empty_means=_("still running")
            ),
        ],
    )
)

# Models that point at users without holding customer data to manage.
registry.exempt(
    "portal.AuditEvent",
    reason="The audit trail itself: append-only evidence of what was done; it records "
    "ids, counts and field names, never the personal data.",
)
registry.exempt(
    "portal.Service",
    reason="Points at staff accounts (responsible person, handlers), not at customers.",
)
registry.exempt(
    "admin.LogEntry",
    reason="Django admin's change log of staff actions; staff accounts, not customers.",
)
registry.exempt(
    "otp_email.EmailDevice",
    reason="Login codes by e-mail: a credential, not data shown or disclosed; it goes "
    "with the account.",
)
registry.exempt(
    "otp_totp.TOTPDevice",
    reason="Authenticator-app secret: a credential that must never be disclosed; it goes "
    "with the account.",
)
registry.exempt(
    "portal.ApiKey",
    reason="An API client's key; points at the member of staff who made it, not at customers.",
)
registry.exempt(
    "portal.CallbackAttempt",
    reason="One POST of an API callback; points at the member of staff who replayed it. "
    "Callback payloads name requests by reference and customers only by the member "
    "numbers the client already holds, and are deleted KEEP_DAYS after their end.",
)
