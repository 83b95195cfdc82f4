"""Signed, expiring tokens for the e-mail verification link."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Valid until the address is verified or PASSWORD_RESET_TIMEOUT passes.

    Including the verification time in the hash makes a used link invalid.
    """

    key_salt = "portal.kernel.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}{user.is_active}"


email_verification_token = EmailVerificationTokenGenerator()
