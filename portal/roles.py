"""Staff roles and the permissions each holds.

The groups are created by a data migration; their permissions are brought in
line with ROLE_PERMISSIONS after every ``migrate`` (post_migrate), so a model
added by a later migration gets its permissions without another data migration.
"""

from django.contrib.auth.models import Group, Permission

PRIVACY_OFFICER = "privacy officer"
SERVICE_HANDLER = "service handler"
AUDITOR = "auditor"

ROLES = [PRIVACY_OFFICER, SERVICE_HANDLER, AUDITOR]

# app label -> permission actions, per role. The audit trail is read-only for
# everyone whatever the actions say (its admin refuses add/change/delete).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    PRIVACY_OFFICER: {
        "portal": ("view", "add", "change", "delete"),
        "rights": ("view", "add", "change", "delete"),
        "consent": ("view", "add", "change", "delete"),
        "otp_totp": ("view", "add", "change", "delete"),
        "otp_email": ("view", "add", "change", "delete"),
        "auth": ("view",),
    },
    SERVICE_HANDLER: {
        "portal": ("view",),
        "rights": ("view", "add", "change"),
        "consent": ("view",),
    },
    AUDITOR: {
        "portal": ("view",),
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
