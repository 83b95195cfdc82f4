"""Delivery on a request's working page (a mixin of RightsRequestAdmin): the package
and its downloads, the build's error and retry button, and for paper the printable
answer and the "sent by post" form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.templatetags.static import static
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.audit import audit_log
from rights.choices import Status

from . import package as content
from . import services
from .models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage


class PostedForm(forms.Form):
    posted_on = forms.DateField(
        label=_("Posted on"), widget=forms.DateInput(attrs={"type": "date"})
    )


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
            }
        }

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
        form = PostedForm(request.POST)
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
        audit_log(
            action="staff.viewed_disclosure",
            actor=request.user,
            target=obj,
            subject=obj.subject,
            request=request,
            details={"request": obj.reference, "view": "printable"},
        )
        response = StreamingHttpResponse(
            # The stylesheet as a file, not inline: the admin's Content-Security-Policy.
            content.iter_report_html(obj, stylesheet_url=static("css/disclosure-report.css")),
            content_type="text/html; charset=utf-8",
        )
        response["Cache-Control"] = "no-store"
        return response
