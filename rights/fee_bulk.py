"""The bulk actions of the payment list: record payments, waive or refund several
fees at once, each asked first on a confirmation page as the working page's buttons
are (:mod:`portal.kernel.admin_confirm`).

Three POSTs to the list: Django's action (the form of the action: method and day,
or the reason), that form with ``apply`` (nothing done: the page saying fee by fee
the amount and request, who is told and what starts next), and the page's own POST
with ``confirm=1``, which validates everything again and acts. A POST without the
confirmation changes nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel.admin_confirm import Confirmation, Line, confirmation_response, is_confirmed

from .choices import PaymentMethod


def bulk_confirmation(step, payments, form: forms.Form) -> Confirmation:
    """What confirming ``step`` on ``payments`` will do, fee by fee. ValidationError
    when no fee can take it, each saying why."""
    lines, refused, final = [], [], ""
    for payment in payments:
        try:
            one = step.confirmation(payment, form)
        except ValidationError as error:
            refused.append(
                Line(
                    _("%(fee)s is not changed: %(why)s")
                    % {"fee": payment.reference, "why": " ".join(error.messages)}
                )
            )
            continue
        first, *after = one.lines
        items = tuple(f"{line.text} {line.quote}".strip() for line in after)
        lines.append(Line(first.text, items=items))
        final = one.final
    if not lines:
        raise ValidationError([line.text for line in refused])
    return Confirmation(
        title=ngettext("%(action)s: %(count)d fee?", "%(action)s: %(count)d fees?", len(lines))
        % {"action": step.title, "count": len(lines)},
        lines=[*lines, *refused],
        button=str(step.title),
        final=final,
    )


class PaymentBulkActionsMixin:
    """The list's actions; ``payment_actions`` maps a step to its
    :class:`~rights.fee_admin.PaymentAction`."""

    payment_actions: dict = {}

    def _bulk(self, request, queryset, *, action: str, step: str):
        payment_action = self.payment_actions[step]
        if "apply" not in request.POST:
            form = payment_action.form_class(
                initial={"method": PaymentMethod.BANK_TRANSFER, "paid_on": timezone.localdate()}
            )
            return self._bulk_form(request, queryset, form, action, payment_action)
        form = payment_action.form_class(request.POST)
        if not form.is_valid():
            return self._bulk_form(request, queryset, form, action, payment_action)
        if not is_confirmed(request):
            # Final, and seen by each requester (paid work may start): first what happens.
            try:
                confirmation = bulk_confirmation(payment_action, queryset, form)
            except ValidationError as error:
                for text in error.messages:
                    self.message_user(request, text, messages.ERROR)
                return None
            back = reverse("admin:rights_payment_changelist")
            return confirmation_response(self, request, None, confirmation, back_url=back)
        done = 0
        for payment in queryset:
            try:
                payment_action.apply(payment, form, request)
            except ValidationError as error:
                self.message_user(
                    request, f"{payment.reference}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)d fees updated.") % {"n": done})
        return None

    def _bulk_form(self, request, queryset, form, action, payment_action):
        return TemplateResponse(
            request,
            "admin/rights/payment/action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "queryset": queryset,
                "action": action,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "title": payment_action.title,
            },
        )
