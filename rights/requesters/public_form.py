"""The public form's e-mail check: a code mailed to the address, confirmed before filing.

Each write does its audit row and its after-commit work in one transaction;
repeating one is harmless.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal.kernel import outbox

from .models import (
    EmailConfirmation,
)

CODE_DIGITS = 6
# Stored in signed values: the salts keep their first names.
_CODE_SALT = "rights.identity.email-code"
# After the code is confirmed the form may be sent within this time.
CONFIRMATION_VALID_FOR = dt.timedelta(hours=1)


def confirmation_code(confirmation: EmailConfirmation) -> str:
    """The code of ``confirmation``, derived from its nonce and the secret key."""
    digest = salted_hmac(_CODE_SALT, confirmation.nonce, algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def email_confirmation_start(*, email: str, language: str) -> EmailConfirmation:
    """Open a confirmation for ``email`` and mail its code after commit."""
    now = timezone.now()
    with transaction.atomic():
        confirmation = EmailConfirmation.objects.create(
            email=email.strip(),
            nonce=secrets.token_hex(32),
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_EMAIL_TOKEN_VALIDITY),
        )
        outbox.enqueue("rights.tasks.send_request_code", confirmation.pk)
    return confirmation


class CodeRefused(Exception):
    """The code was wrong, expired or used up; the message says which."""


def email_confirmation_verify(*, confirmation_id: int, code: str) -> EmailConfirmation:
    """Check ``code``; the row is locked so two tries at once count twice.

    After ``OTP_FREE_ATTEMPTS`` wrong codes the confirmation is dead and the
    person asks for a new code (the start step is rate-limited).
    """
    refused = None
    with transaction.atomic():
        confirmation = (
            EmailConfirmation.objects.select_for_update().filter(pk=confirmation_id).first()
        )
        if confirmation is None or confirmation.used_at is not None:
            raise CodeRefused(_("Please ask for a new code."))
        if confirmation.confirmed_at is not None:
            return confirmation
        if confirmation.failed_attempts >= settings.OTP_FREE_ATTEMPTS:
            raise CodeRefused(_("Too many wrong codes. Please ask for a new code."))
        if timezone.now() > confirmation.expires_at:
            raise CodeRefused(_("The code has expired. Please ask for a new code."))
        if constant_time_compare((code or "").strip(), confirmation_code(confirmation)):
            confirmation.confirmed_at = timezone.now()
            confirmation.save(update_fields=["confirmed_at"])
            return confirmation
        # The failure is counted (committed) before the refusal is raised.
        confirmation.failed_attempts += 1
        confirmation.save(update_fields=["failed_attempts"])
        if confirmation.failed_attempts >= settings.OTP_FREE_ATTEMPTS:
            refused = _("Too many wrong codes. Please ask for a new code.")
        else:
            refused = _("The code is not correct. Please check it and try again.")
    raise CodeRefused(refused)


def confirmation_valid_minutes() -> int:
    """How long, in minutes, the form may be sent after the code is confirmed."""
    return int(CONFIRMATION_VALID_FOR.total_seconds() // 60)


def expired_confirmation(confirmation_id) -> EmailConfirmation | None:
    """The confirmed, unused confirmation whose time to send the form ran out, or None
    (never confirmed, used, or still usable)."""
    return _unused_confirmation(confirmation_id, usable=False)


def usable_confirmation(confirmation_id) -> EmailConfirmation | None:
    """The confirmed, unused confirmation a form may be filed with, or None."""
    return _unused_confirmation(confirmation_id, usable=True)


def _unused_confirmation(confirmation_id, *, usable: bool) -> EmailConfirmation | None:
    if not confirmation_id:
        return None
    since = timezone.now() - CONFIRMATION_VALID_FOR
    confirmed = {"confirmed_at__gte": since} if usable else {"confirmed_at__lt": since}
    return EmailConfirmation.objects.filter(
        pk=confirmation_id, used_at__isnull=True, **confirmed
    ).first()
