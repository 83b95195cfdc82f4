"""Rendering and sending the portal's e-mails in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


def send_templated_email(
    *, to: str, template: str, context: dict, language: str, time_zone: str = ""
) -> None:
    """Send ``emails/<template>_subject.txt`` and ``emails/<template>.txt``.

    Both are rendered with ``language`` active, so the customer reads the mail
    in the language of their account whatever language the worker runs in,
    and dates in ``time_zone`` (a member of staff's own, or the zone of the request a
    mail is about; empty: ``TIME_ZONE``).
    """
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language), timezone.override(time_zone or None):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.send()
