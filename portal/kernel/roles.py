"""Staff roles and the permissions each holds.

The groups are created by a data migration; their permissions are brought in
line with ROLE_PERMISSIONS after every ``migrate`` (post_migrate), so a model
added by a later migration gets its permissions without another data migration.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

PRIVACY_OFFICER = "privacy officer"
SERVICE_HANDLER = "service handler"
AUDITOR = "auditor"

ROLES = [PRIVACY_OFFICER, SERVICE_HANDLER, AUDITOR]

#: The roles as staff read them; the groups keep their stored names.
ROLE_LABELS = {
    PRIVACY_OFFICER: _("privacy officer"),
    SERVICE_HANDLER: _("service handler"),
    AUDITOR: _("auditor"),
}


def role_label(name: str) -> str:
    """A group's name in the reader's language (a group that is no role keeps its own)."""
    return ROLE_LABELS.get(name, name)


# app label -> permission actions, per role ("portal" is the kernel, "records"
# the business records). The audit trail is read-only for everyone whatever
# the actions say (its admin refuses add/change/delete).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    PRIVACY_OFFICER: {
        "portal": ("view", "add", "change", "delete"),
        "records": ("view", "add", "change", "delete"),
        "rights": ("view", "add", "change", "delete"),
        "consent": ("view", "add", "change", "delete"),
        "otp_totp": ("view", "add", "change", "delete"),
        "otp_email": ("view", "add", "change", "delete"),
        "auth": ("view",),
    },
    SERVICE_HANDLER: {
        "portal": ("view",),
        "records": ("view",),
        "rights": ("view", "add", "change"),
        "consent": ("view",),
    },
    AUDITOR: {
        "portal": ("view",),
        "records": ("view",),
        "rights": ("view",),
        "consent": ("view",),
        "otp_totp": ("view",),
        "otp_email": ("view",),
        "auth": ("view",),
    },
}


def permissions_for(role: str):
    spec = ROLE_PERMISSIONS[role]
    perms = Permission.objects.none()
    for app_label, actions in spec.items():
        perms = perms | Permission.objects.filter(
            content_type__app_label=app_label,
            codename__regex=r"^({})_".format("|".join(actions)),
        )
    return perms


def sync_role_permissions(**kwargs) -> None:
    """Give each existing role group exactly the permissions of its spec."""
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.set(permissions_for(group.name))


def staff_role(user) -> str | None:
    """The one role that decides what ``user`` may do in the admin, or None.

    Superusers act as privacy officers. A member of several role groups gets
    the first of officer, auditor, handler: an auditor who is also a handler
    stays read-only, so the one who checks the work does not also do it.
    Inactive accounts, customers and staff without a role group have none.
    The answer is kept on the user object for the rest of the request.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not (user.is_active and user.is_staff):
        return None
    cached = getattr(user, "_staff_role", False)
    if cached is not False:
        return cached
    if user.is_superuser:
        role = PRIVACY_OFFICER
    else:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        role = next((name for name in ROLES_BY_PRECEDENCE if name in names), None)
    user._staff_role = role
    return role


ROLES_BY_PRECEDENCE = [PRIVACY_OFFICER, AUDITOR, SERVICE_HANDLER]

#: Roles whose members answer requests (auditors only read).
WORKING_ROLES = (PRIVACY_OFFICER, SERVICE_HANDLER)


def working_staff(users):
    """The members of ``users`` whose role lets them work on requests (see staff_role)."""
    from django.db.models import Q

    return (
        users.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__name=PRIVACY_OFFICER)
            | (Q(groups__name=SERVICE_HANDLER) & ~Q(groups__name=AUDITOR))
        )
        .distinct()
    )
