"""Signed, expiring tokens for the links the portal mails to customers."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Valid until the address is verified or PASSWORD_RESET_TIMEOUT passes.

    Including the verification time in the hash makes a used link invalid.
    """

    key_salt = "portal.kernel.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}{user.is_active}"


class EmailChangeTokenGenerator(PasswordResetTokenGenerator):
    """The link that makes a pending new address the login (``User.email_change_to``).

    Valid for PASSWORD_RESET_TIMEOUT seconds, and only while nothing it was made
    for has moved: the current login, the pending address and when it was asked
    for (a newer request voids the older link), the password (a new password
    voids a pending change). Once used the login has changed, so it is single-use.
    """

    key_salt = "portal.kernel.tokens.EmailChangeTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        asked = user.email_change_requested_at
        asked = "" if asked is None else asked.isoformat()
        return (
            f"{user.pk}{user.email}{user.email_change_to}{asked}{user.password}"
            f"{timestamp}{user.is_active}"
        )

    def check_token(self, user, token):
        if user is None or not user.email_change_to or user.email_change_requested_at is None:
            return False
        return super().check_token(user, token)


email_verification_token = EmailVerificationTokenGenerator()
email_change_token = EmailChangeTokenGenerator()
