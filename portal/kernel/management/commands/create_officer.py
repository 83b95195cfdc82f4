from portal.kernel.roles import PRIVACY_OFFICER

from .create_staff import Command as CreateStaffCommand


class Command(CreateStaffCommand):
    help = (
        "Create a privacy officer (staff, 'privacy officer' group, authenticator device) "
        "and print the password and the TOTP secret and URI."
    )
    role = PRIVACY_OFFICER
