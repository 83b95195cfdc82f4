"""Delivery on a request's working page (a mixin of RightsRequestAdmin): the package
and its downloads, the build's error and retry button, and for paper the printable
answer and the "sent by post" form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.templatetags.static import static
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.audit import audit_sent
from rights.choices import Kind, Status
from rights.connectors.client import CallFailed

from . import failures, selectors, services, withholding
from . import package as content
from .models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage, WithheldRecord


class PostedForm(forms.Form):
    posted_on = forms.DateField(
        label=_("Posted on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_posted_on(self):
        # Refused before the confirmation page, which would promise to record the day.
        posted_on = self.cleaned_data["posted_on"]
        if self.request is not None:
            services.posted_on_check(self.request, posted_on)
        return posted_on


class WithholdForm(forms.Form):
    record = forms.CharField(
        label=_("Record"),
        max_length=150,
        help_text=_('As "source:id", e.g. consent.provisionrecord:7 (see the subject lookup).'),
    )
    ground = forms.ChoiceField(label=_("Ground"), choices=WithheldRecord.Ground.choices)
    note = forms.CharField(
        label=_("Note for staff"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args, regime: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the grounds of a law the person is under: they are told the ground.
        self.fields["ground"].choices = withholding.withhold_grounds(regime)


class DisclosureAdminMixin:
    """Needs ``_object_for_work``, ``_back`` and ``_report`` of RightsRequestAdmin."""

    def get_disclosure_urls(self, wrap, prefix):
        return [
            path(
                "<id:pk>/disclosure/retry/",
                wrap(self.disclosure_retry_view),
                name=f"{prefix}_disclosure_retry",
            ),
            path(
                "<id:pk>/disclosure/posted/",
                wrap(self.disclosure_posted_view),
                name=f"{prefix}_disclosure_posted",
            ),
            path(
                "<id:pk>/disclosure/withhold/",
                wrap(self.disclosure_withhold_view),
                name=f"{prefix}_disclosure_withhold",
            ),
            path(
                "<id:pk>/disclosure/withhold/<id:withheld>/cancel/",
                wrap(self.disclosure_withhold_cancel_view),
                name=f"{prefix}_disclosure_withhold_cancel",
            ),
            path(
                "<id:pk>/disclosure/print/",
                self.admin_site.admin_view(self.disclosure_print_view),
                name=f"{prefix}_disclosure_print",
            ),
        ]

    def disclosure_context(self, obj, *, can_work: bool) -> dict:
        if obj.kind not in DELIVERED_KINDS:
            return {}
        delivery = DisclosureDelivery.objects.filter(request=obj).first()
        package = DisclosurePackage.objects.filter(request=obj).first()
        paper = services.is_paper(obj)
        in_progress = obj.status == Status.IN_PROGRESS
        return {
            "disclosure": {
                "delivery": delivery,
                "package": package,
                "paper": paper,
                "unavailable": package.unavailable_reason() if package else "",
                "may_retry": can_work and in_progress and services.delivery_may_retry(delivery),
                "may_post": can_work and in_progress and paper,
                "may_print": can_work and (paper or in_progress),
                "posted_form": PostedForm(initial={"posted_on": timezone.localdate()}),
                "post_to": selectors.paper_address(obj) if paper else None,
                "withheld": list(obj.withheld_records.all()),
                "may_withhold": can_work
                and obj.kind == Kind.DISCLOSURE
                and obj.status in withholding.OPEN_STATUSES,
                "withhold_form": WithholdForm(regime=obj.regime),
            }
        }

    def disclosure_withhold_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = WithholdForm(request.POST, regime=obj.regime)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            withholding.record_withhold(
                request=obj, actor=request.user, http_request=request, **form.cleaned_data
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("The record will be left out of the disclosure."))
        return self._back(obj)

    def disclosure_withhold_cancel_view(self, request, pk, withheld):
        obj = self._object_for_work(request, pk)
        row = WithheldRecord.objects.filter(request=obj, pk=withheld).first()
        if row is None:
            raise Http404
        try:
            withholding.record_withhold_cancel(
                withheld=row, actor=request.user, http_request=request
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("The record will be disclosed after all."))
        return self._back(obj)

    def disclosure_retry_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        try:
            services.delivery_retry(request=obj, actor=request.user, http_request=request)
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("The package is being prepared again."))
        return self._back(obj)

    def disclosure_posted_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        form = PostedForm(request.POST, request=obj)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            services.paper_mark_posted(
                request=obj,
                posted_on=form.cleaned_data["posted_on"],
                actor=request.user,
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("Recorded as posted; the request is completed."))
        return self._back(obj)

    def disclosure_print_view(self, request, pk):
        """The readable answer in the person's language, to print and post (staff viewing
        personal data: audited)."""
        obj = self._object_for_work(request, pk)
        if obj.kind not in DELIVERED_KINDS:
            raise Http404
        audit_sent(
            action="staff.viewed_disclosure",
            actor=request.user,
            target=obj,
            subject=obj.subject,
            request=request,
            details={"request": obj.reference, "view": "printable"},
        )
        try:
            # The stylesheet as a file, not inline: the admin's Content-Security-Policy.
            chunks = content.iter_report_html(
                obj, stylesheet_url=static("css/disclosure-report.css")
            )
        except CallFailed as error:
            # In the staff member's language, the system's own words as they came.
            self.message_user(
                request,
                _("The copy would be incomplete, so it is not shown; try again later. %(cause)s")
                % {"cause": failures.said_now(error)},
                level=messages.ERROR,
            )
            return self._back(obj)
        response = StreamingHttpResponse(chunks, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
