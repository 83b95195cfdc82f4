"""The customers' one-time-password devices: e-mailed codes and authenticator apps.

Both are proxies of django-otp's devices with the portal's throttling (a few
free tries, then a growing lock). The e-mailed code is sent by a Celery task
queued through the outbox by the task's name, so this module does not import
the tasks that read it.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import outbox

# The Celery task that mails the code (portal.kernel.tasks.send_otp_email); the
# name is stored in outbox rows and queued messages, so it stays fixed.
SEND_OTP_EMAIL_TASK = "portal.tasks.send_otp_email"


class StepUpThrottlingMixin:
    """Throttling for customer codes: a few free tries, then a growing lock.

    django-otp's own policy delays from the first failure (1 s, 2 s, 4 s, ...).
    Customers mistype, so here the first ``OTP_FREE_ATTEMPTS`` wrong codes cost
    nothing; every further failure locks the device for ``OTP_LOCKOUT_SECONDS``,
    doubling each time (capped at a day). A correct code resets the count.
    """

    MAX_LOCK = timedelta(days=1)

    def verify_is_allowed(self):
        free = settings.OTP_FREE_ATTEMPTS
        count = self.throttling_failure_count
        if not self.throttling_enabled or count <= free or not self.throttling_failure_timestamp:
            return True, None
        lock = min(
            timedelta(seconds=settings.OTP_LOCKOUT_SECONDS * 2 ** (count - free - 1)),
            self.MAX_LOCK,
        )
        locked_until = self.throttling_failure_timestamp + lock
        if timezone.now() < locked_until:
            return False, {
                "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
                "failure_count": count,
                "locked_until": locked_until,
            }
        return True, None


class CustomerEmailDevice(StepUpThrottlingMixin, EmailDevice):
    """E-mail codes for customers, delivered by a Celery task queued through the outbox.

    The code never travels through the broker: the task re-reads the device by
    id and renders the current code in the customer's language.
    """

    class Meta:
        proxy = True
        verbose_name = _("e-mail code device")
        verbose_name_plural = _("e-mail code devices")

    def send_mail(self, body, **kwargs):
        outbox.enqueue(SEND_OTP_EMAIL_TASK, self.pk)


class CustomerTOTPDevice(StepUpThrottlingMixin, TOTPDevice):
    """An authenticator app, which a customer may add in their settings."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")
