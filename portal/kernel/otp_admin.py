"""django-otp's device pages in the reader's language.

django-otp names its models' fields, its admins' sections and its help texts in
English strings it never translates, so the Japanese admin showed «Identity»,
«Created at» and «The time step in seconds.» on the authenticator and e-mail code
pages. :class:`OTPDeviceLabelsMixin` names them through the admin instead: the
list's columns and filters, the form's labels and help, the sections. The models
and their migrations stay as django-otp wrote them. ``PortalAdminSite.register``
adds the mixin to every admin django-otp registers.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .otp_names import SEARCH_HELP
from .typed_email import TypedEmailField

#: The fields of django-otp's devices, by name: (label, help text).
FIELDS = {
    "user": (_("Belongs to"), _("The account that uses this device.")),
    "name": (_("Device name"), _("The name the device is shown by.")),
    "confirmed": (
        _("Ready for use"),
        _("Whether the device is set up and its codes are accepted."),
    ),
    "created_at": (_("Added"), _("When the device was added.")),
    "last_used_at": (_("Last used"), _("When a code from the device was last accepted.")),
    "key": (
        _("Secret key"),
        _("The key the authenticator app shares with the portal, in hexadecimal (up to 40 bytes)."),
    ),
    "step": (_("Seconds per code"), _("How many seconds each code lasts.")),
    "t0": (_("Counted from"), _("The Unix time from which codes are counted.")),
    "digits": (_("Digits"), _("How many digits each code has.")),
    "tolerance": (
        _("Codes accepted either side"),
        _("How many codes before and after the current one are still accepted."),
    ),
    "drift": (
        _("Clock drift"),
        _("How many codes the device's clock is known to run ahead of (or behind) the portal's."),
    ),
    "throttling_failure_timestamp": (
        _("Last wrong code"),
        _("When a wrong code was last entered; “-” when the last code was right."),
    ),
    "throttling_failure_count": (
        _("Wrong codes in a row"),
        _("Wrong codes entered one after another; after several, codes are refused for a while."),
    ),
    "email": (
        _("Send codes to"),
        _("An address to send the codes to instead of the account's; empty for the account's."),
    ),
}

#: django-otp's section names.
SECTIONS = {
    "Identity": _("Device"),
    "Timestamps": _("Dates"),
    "Configuration": _("Settings"),
    "State": _("Clock"),
    "Throttling": _("Wrong codes"),
}


def _titled(title):
    """A list filter as Django would choose for the field, headed by ``title``."""

    def create(field, request, params, model, model_admin, field_path):
        spec = admin.FieldListFilter.create(
            field, request, params, model, model_admin, field_path=field_path
        )
        spec.title = title
        return spec

    return create


class OTPDeviceLabelsMixin:
    """A django-otp device admin whose columns, filters, sections, fields and help are
    in the portal's catalogue. Names django-otp adds later stay as it wrote them."""

    @property
    def search_help_text(self):
        return SEARCH_HELP.get(self.opts.label_lower)

    # The columns below read the account; Django would only join it for a plain field.
    list_select_related = ["user"]

    #: django-otp's columns (field names) and the column shown for each.
    columns = {
        "user": "belongs_to",
        "name": "device_name",
        "created_at": "added",
        "last_used_at": "last_used",
        "confirmed": "ready_for_use",
    }

    @admin.display(description=FIELDS["user"][0], ordering="user")
    def belongs_to(self, device):
        return device.user

    @admin.display(description=FIELDS["name"][0], ordering="name")
    def device_name(self, device):
        return device.name

    @admin.display(description=FIELDS["created_at"][0], ordering="created_at")
    def added(self, device):
        return device.created_at

    @admin.display(description=FIELDS["last_used_at"][0], ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    @admin.display(description=FIELDS["confirmed"][0], ordering="confirmed", boolean=True)
    def ready_for_use(self, device):
        return device.confirmed

    def get_list_display(self, request):
        return [self.columns.get(name, name) for name in super().get_list_display(request)]

    def get_list_filter(self, request):
        return [
            (name, _titled(FIELDS[name][0])) if isinstance(name, str) and name in FIELDS else name
            for name in super().get_list_filter(request)
        ]

    def get_fieldsets(self, request, obj=None):
        return [
            (SECTIONS.get(name, name), options)
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        # When a wrong code was last entered is a record, shown, not typed (Django's
        # date and time boxes for it had no labels); "wrong codes in a row" set to 0
        # lifts a lock.
        return [*super().get_readonly_fields(request, obj), "throttling_failure_timestamp"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["labels"] = {name: label for name, (label, _help) in FIELDS.items()}
        kwargs["help_texts"] = {name: help_text for name, (_label, help_text) in FIELDS.items()}
        # A wrong address is refused in the site's spelling, "e-mail" (django-otp's
        # model field gives Django's "email").
        kwargs["field_classes"] = {"email": TypedEmailField}
        return super().get_form(request, obj, change, **kwargs)
