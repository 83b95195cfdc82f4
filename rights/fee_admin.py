"""Fees in the staff admin: payments, provider events, and the fee part of a
request's working page (a mixin of RightsRequestAdmin). The published schedule is
in ``fee_schedule_admin``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.access import ReadOnlyAdmin
from portal.kernel.admin_columns import day
from portal.kernel.admin_confirm import Confirmation, is_confirmed
from portal.kernel.admin_lists import CappedCountPaginator, DateRangeFilter
from portal.kernel.roles import PRIVACY_OFFICER

from . import fees
from .choices import (
    CHARGEABLE_KINDS,
    UNFOUNDED_ARTICLE,
    FeeBasis,
    Kind,
    PaymentMethod,
    PaymentStatus,
    Regime,
    Status,
    basis_label,
)
from .confirmations import payment_confirmation, refund_confirmation, waiver_confirmation
from .disclosure.selectors import delivered_copy_before
from .fee_bulk import PaymentBulkActionsMixin
from .fee_law import fee_basis_for
from .models import FeeSchedule, Payment, PaymentEvent


def is_privacy_officer(user) -> bool:
    return user.is_active and (
        user.is_superuser or user.groups.filter(name=PRIVACY_OFFICER).exists()
    )


# -- forms ------------------------------------------------------------------------


class FeeConfirmForm(forms.Form):
    # Empty for APPI: the published fee is charged, never a typed amount (art. 38).
    # At most what Payment.amount holds on PostgreSQL: a form error, not a database one.
    amount = forms.IntegerField(
        label=_("Amount (JPY)"), min_value=1, max_value=2_147_483_647, required=False
    )
    reason = forms.CharField(
        label=_("Reason, if the amount differs from the published fee"),
        required=False,
        max_length=2000,
    )
    further_copy = forms.BooleanField(label=_("A further copy (GDPR 15(3))"), required=False)


class RecordPaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    paid_on = forms.DateField(
        label=_("Money received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def paid_at(self, zone: str) -> dt.datetime:
        """The day the money arrived, a day where the requester is (``zone``, the
        request's: the receipt gives that day); today there means now."""
        where = ZoneInfo(zone)
        day = self.cleaned_data["paid_on"]
        if day == timezone.localdate(timezone=where):
            return timezone.now()
        return dt.datetime.combine(day, dt.time(12), tzinfo=where)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class UnfoundedForm(forms.Form):
    unfounded = forms.TypedChoiceField(
        label=_("Manifestly unfounded or excessive"),
        choices=[("1", _("Mark")), ("0", pgettext_lazy("unfounded mark", "Clear"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("Reason told to the requester"), max_length=4000)


@dataclass(frozen=True)
class PaymentAction:
    """One thing staff do to a fee: the form it takes and the service it calls."""

    form_class: type[forms.Form]
    title: str
    done: str
    apply: Callable[[Payment, forms.Form, HttpRequest], Payment]
    #: The fee's status once done: a fee already there is left as it is.
    result: str
    #: What the confirmation page says, for an action that asks first.
    confirmation: Callable[[Payment, forms.Form], Confirmation] | None = None


# Shared by the request's working page and the bulk actions of the payment list.
PAYMENT_ACTIONS = {
    "paid": PaymentAction(
        RecordPaymentForm,
        _("Record payment received"),
        _("The payment is recorded; the request is in progress."),
        lambda payment, form, request: fees.payment_record(
            payment=payment,
            method=form.cleaned_data["method"],
            paid_at=form.paid_at(payment.request.zone),
            actor=request.user,
            http_request=request,
        ),
        PaymentStatus.PAID,
        lambda payment, form: payment_confirmation(
            payment,
            method=form.cleaned_data["method"],
            paid_at=form.paid_at(payment.request.zone),
        ),
    ),
    "waive": PaymentAction(
        ReasonForm,
        _("Waive the fee"),
        _("The fee is waived; the request is in progress."),
        lambda payment, form, request: fees.payment_waive(
            payment=payment,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            http_request=request,
        ),
        PaymentStatus.WAIVED,
        lambda payment, form: waiver_confirmation(payment, reason=form.cleaned_data["reason"]),
    ),
    "refund": PaymentAction(
        ReasonForm,
        _("Refund the fee"),
        _("The refund is recorded."),
        lambda payment, form, request: fees.payment_refund(
            payment=payment,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            http_request=request,
        ),
        PaymentStatus.REFUNDED,
        lambda payment, form: refund_confirmation(payment, reason=form.cleaned_data["reason"]),
    ),
}


# -- the request's working page ---------------------------------------------------


class RequestFeeAdminMixin:
    """Fee actions on a request's working page: confirm the fee, record payment,
    waive, refund, and the GDPR/CCPA "manifestly unfounded or excessive" mark.

    Recording a payment, waiving and refunding ask for confirmation first: the first
    two put the request in progress at once and start its work (a disclosure is
    built, the requester told); a refund is final and shown to the requester.

    Expects the host admin's ``_object_for_work``, ``_back``, ``_report`` and
    ``confirmation_page``.
    """

    def get_fee_urls(self, wrap, prefix):
        return [
            path("<id:pk>/fee/", wrap(self.fee_confirm_view), name=f"{prefix}_fee"),
            path(
                "<id:pk>/fee/<id:payment_pk>/<slug:action>/",
                wrap(self.fee_payment_view),
                name=f"{prefix}_fee_payment",
            ),
            path("<id:pk>/unfounded/", wrap(self.unfounded_view), name=f"{prefix}_unfounded"),
        ]

    def fee_context(self, obj, *, can_work: bool) -> dict:
        """What the fee section of the working page shows and offers."""
        payments = list(obj.payments.select_related("confirmed_by", "refunded_by"))
        pending = next((p for p in payments if p.status == PaymentStatus.PENDING), None)
        basis = fee_basis_for(obj)
        schedule = FeeSchedule.objects.for_request(obj, basis) if basis else None
        chargeable = obj.kind in CHARGEABLE_KINDS
        may_ask = can_work and obj.status == Status.IN_REVIEW and chargeable
        further_copy_possible = obj.regime == Regime.GDPR and obj.kind == Kind.DISCLOSURE
        # GDPR art. 15(3): a further copy only after a copy of the same data was delivered.
        earlier_copy = delivered_copy_before(obj) if further_copy_possible and may_ask else None
        if basis == FeeBasis.PUBLISHED:
            # APPI art. 38: the published amount or nothing; no amount to type.
            may_confirm = schedule is not None
        else:
            # A first copy is free (GDPR art. 15(3)): a fee needs a basis or an earlier copy.
            may_confirm = bool(basis) or earlier_copy is not None
        return {
            "fee_payments": payments,
            "fee_pending": pending,
            "fee_chargeable": chargeable,
            "fee_basis": basis,
            "fee_basis_label": basis_label(basis, obj.regime),
            "fee_further_copy_possible": further_copy_possible,
            "fee_earlier_copy": earlier_copy,
            "fee_may_confirm": may_confirm,
            "fee_schedule": schedule,
            "fee_may_ask": may_ask,
            "fee_form": FeeConfirmForm(initial={"amount": schedule.amount if schedule else None}),
            "fee_paid_form": RecordPaymentForm(
                initial={"method": PaymentMethod.BANK_TRANSFER, "paid_on": timezone.localdate()}
            ),
            "fee_may_mark_unfounded": can_work and obj.is_open and obj.regime != Regime.APPI,
            "unfounded_article": UNFOUNDED_ARTICLE.get(obj.regime, ""),
            "fee_unpaid_days": settings.RIGHTS_FEE_UNPAID_DAYS,
        }

    def _payment_for_work(self, request, pk, payment_pk):
        obj = self._object_for_work(request, pk)
        payment = obj.payments.filter(pk=payment_pk).first()
        if payment is None:
            raise Http404
        return obj, payment

    def _run(self, request, obj, form, action, success):
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            action(form)
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, success)
        return self._back(obj)

    def _unchanged(self, request, obj, payment):
        # A second click, or a page left open: what was recorded first stands.
        self.message_user(
            request,
            _("This fee is already “%(status)s”; nothing changed.")
            % {"status": payment.get_status_display()},
            messages.WARNING,
        )
        return self._back(obj)

    def fee_confirm_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        pending = obj.payments.filter(status=PaymentStatus.PENDING).first()
        if pending is not None and obj.status == Status.AWAITING_PAYMENT:
            return self._unchanged(request, obj, pending)
        return self._run(
            request,
            obj,
            FeeConfirmForm(request.POST),
            lambda form: fees.fee_request(
                request=obj,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                further_copy=form.cleaned_data["further_copy"],
                http_request=request,
            ),
            _("The fee is asked; the requester is told the amount, reference and pay-by date."),
        )

    def fee_payment_view(self, request, pk, payment_pk, action):
        step = PAYMENT_ACTIONS.get(action)
        if step is None:
            raise Http404
        obj, payment = self._payment_for_work(request, pk, payment_pk)
        if payment.status == step.result:
            return self._unchanged(request, obj, payment)
        if step.confirmation is not None and not is_confirmed(request):
            # Final, and seen by the requester (paid work may start): first what will happen.
            form = step.form_class(request.POST)
            if not form.is_valid():
                self._report(request, form)
                return self._back(obj)
            try:
                confirmation = step.confirmation(payment, form)
            except ValidationError as error:
                self._report(request, None, error)
                return self._back(obj)
            return self.confirmation_page(request, obj, confirmation)
        return self._run(
            request,
            obj,
            step.form_class(request.POST),
            lambda form: step.apply(payment, form, request),
            step.done,
        )

    def unfounded_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        return self._run(
            request,
            obj,
            UnfoundedForm(request.POST),
            lambda form: fees.request_mark_unfounded(
                request=obj,
                unfounded=form.cleaned_data["unfounded"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                http_request=request,
            ),
            _("Saved."),
        )


# -- payments ---------------------------------------------------------------------


@admin.register(Payment)
class PaymentAdmin(PaymentBulkActionsMixin, admin.ModelAdmin):
    """Every fee asked, with bulk actions to record payments, waive or refund
    (:mod:`.fee_bulk`)."""

    payment_actions = PAYMENT_ACTIONS

    list_display = [
        "reference",
        "request_link",
        "amount_display",
        "status_and_method",
        "due_day",
        "paid_day",
    ]
    list_filter = ["status", "method", "basis"]
    list_select_related = ["request", "confirmed_by"]
    search_fields = ["=reference", "=request__id", "request__subject__email"]
    actions = ["record_paid", "waive", "refund"]
    # A fee per paid request: counted at most up to the cap, never the whole table, and
    # no "Show counts", which would count the whole table per filter choice.
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    class Media:
        # Many columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    readonly_fields = [
        "reference",
        "request_link",
        "amount",
        "basis",
        "schedule",
        "deviation_reason",
        "status",
        "due_at",
        "method",
        "paid_at",
        "provider",
        "confirmed_by",
        "confirmed_at",
        "waiver_reason",
        "refunded_at",
        "refunded_by",
        "refund_reason",
        "closed_at",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # fees are asked on the request's page

    def has_delete_permission(self, request, obj=None):
        return False  # receipts are tax records

    @admin.display(description=_("request"), ordering="request")
    def request_link(self, obj):
        url = reverse("admin:rights_rightsrequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.reference)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return f"¥{obj.amount:,}"

    @admin.display(description=Payment._meta.get_field("status").verbose_name, ordering="status")
    def status_and_method(self, obj):
        # How it was paid under the status: one column less, so the list fits at 1280
        # pixels whatever letters the reference drew.
        if not obj.method:
            return obj.get_status_display()
        return format_html(
            '{}<br><span class="rr-how">{}</span>',
            obj.get_status_display(),
            obj.get_method_display(),
        )

    # The day in the list, the time in its title: the list fits a 1280-pixel window.
    @admin.display(description=Payment._meta.get_field("due_at").verbose_name, ordering="due_at")
    def due_day(self, obj):
        return day(obj.due_at)

    @admin.display(description=Payment._meta.get_field("paid_at").verbose_name, ordering="paid_at")
    def paid_day(self, obj):
        # Who confirmed the payment under the day: one column less.
        if obj.confirmed_by is None:
            return day(obj.paid_at)
        return format_html(
            '{}<br><span class="rr-who">{}</span>', day(obj.paid_at), obj.confirmed_by.email
        )

    @admin.action(description=_("Record payment received"), permissions=["change"])
    def record_paid(self, request, queryset):
        return self._bulk(request, queryset, action="record_paid", step="paid")

    @admin.action(description=_("Waive the fee"), permissions=["change"])
    def waive(self, request, queryset):
        return self._bulk(request, queryset, action="waive", step="waive")

    @admin.action(description=_("Refund the fee"), permissions=["change"])
    def refund(self, request, queryset):
        return self._bulk(request, queryset, action="refund", step="refund")


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    """What online payment providers reported, for reconciliation. Read-only."""

    list_display = ["received_at", "provider", "event_id", "reference", "amount", "outcome"]
    list_filter = ["provider", "outcome", ("received_at", DateRangeFilter)]
    search_fields = ["=event_id", "=reference"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    request_path = "payment__request"
    subject_path = "payment__request__subject"
