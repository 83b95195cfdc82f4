"""The bulk actions of the payment list: record payments, waive or refund several
fees at once, each asked first on a confirmation page as the working page's buttons
are (:mod:`portal.kernel.admin_confirm`).

Three POSTs to the list: Django's action (the form of the action: method and day,
or the reason), that form with ``apply`` (nothing done: the page saying fee by fee
the amount and request, who is told and what starts next), and the page's own POST
with ``confirm=1``, which validates everything again and acts. A POST without the
confirmation changes nothing.

The page carries each fee's state as it was shown (:func:`fee_states`: its row and its
request's status). The confirming POST locks the fees and compares: when another
officer changed one in between (paid, waived, another amount), nothing is done and the
page is shown again, naming the fees that changed, with what confirming does now.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.kernel.admin_confirm import Confirmation, Line, confirmation_response, is_confirmed

from .choices import PaymentMethod
from .models import Payment

#: The field of the confirmation page that carries :func:`fee_states`, once per fee.
SHOWN_FIELD = "fee_shown"


def fee_states(payments) -> dict[int, str]:
    """Per fee, a digest of what the page showed of it: the fee's row and its request's
    status."""
    fields = [field.attname for field in Payment._meta.concrete_fields]
    rows = Payment.objects.filter(pk__in=[p.pk for p in payments]).values(
        *fields, "request__status"
    )
    return {
        row["id"]: hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode()).hexdigest()
        for row in rows
    }


def changed_since_shown(request, payments) -> list:
    """The fees whose state differs from what the confirmation page showed of them."""
    shown = dict(value.partition(":")[::2] for value in request.POST.getlist(SHOWN_FIELD))
    now = fee_states(payments)
    return [
        payment
        for payment in payments
        if not constant_time_compare(shown.get(str(payment.pk), ""), now.get(payment.pk, "-"))
    ]


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
            return self._bulk_confirmation(request, queryset, form, payment_action)
        with transaction.atomic():
            # Locked, so no one changes a fee between the comparison and the action.
            payments = list(
                Payment.objects.select_for_update(of=("self",))
                .select_related("request")
                .filter(pk__in=queryset.values("pk"))
                .order_by("pk")
            )
            changed = changed_since_shown(request, payments)
            if changed:
                notice = ngettext(
                    "%(fees)s changed since you confirmed: nothing has been done. "
                    "Review it again below.",
                    "%(fees)s changed since you confirmed: nothing has been done. "
                    "Review them again below.",
                    len(changed),
                ) % {"fees": ", ".join(payment.reference for payment in changed)}
                return self._bulk_confirmation(
                    request, payments, form, payment_action, notice=notice
                )
            done = 0
            for payment in payments:
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

    def _bulk_confirmation(self, request, payments, form, payment_action, *, notice: str = ""):
        """The page saying fee by fee what confirming does, carrying what it showed of
        each fee; ``notice``: why it is shown again."""
        try:
            confirmation = bulk_confirmation(payment_action, payments, form)
        except ValidationError as error:
            for text in [notice, *error.messages] if notice else error.messages:
                self.message_user(request, text, messages.ERROR)
            return None
        if notice:
            confirmation = replace(confirmation, notice=notice)
        back = reverse("admin:rights_payment_changelist")
        shown = [(SHOWN_FIELD, f"{pk}:{digest}") for pk, digest in fee_states(payments).items()]
        return confirmation_response(self, request, None, confirmation, back_url=back, shown=shown)

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
