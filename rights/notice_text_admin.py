"""Notice texts in the admin (:mod:`rights.notice_overrides`): write a version of a
notice's subject and body in one language (a draft, starting from the text in use or
the shipped one), preview it with sample values, publish it; put the shipped text
back. Privacy officers write and publish; other roles read. Imported by
``rights/admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.kernel.access import REFERENCE

from .models import NoticeText
from .notice_overrides import (
    DUE_DATE_ONLY_WHILE_RUNNING,
    PLACEHOLDERS,
    check_due_date,
    check_placeholders,
    current_text,
    latest_published,
    notice_text_publish,
    notice_text_reset,
    notice_text_save,
    quotes_due_date,
    render_text,
    sample_values,
    shipped_text,
)
from .notice_text import mail_frame


class NoticeTextForm(forms.ModelForm):
    class Meta:
        model = NoticeText
        fields = ["kind", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 90})}

    def clean_subject(self):
        check_placeholders(self.cleaned_data["subject"])
        if not self.cleaned_data["subject"].strip():
            raise ValidationError(_("Write the subject line."))
        return self.cleaned_data["subject"]

    def clean_body(self):
        check_placeholders(self.cleaned_data["body"])
        if not self.cleaned_data["body"].strip():
            raise ValidationError(_("Write the text."))
        return self.cleaned_data["body"]

    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body"):
            if cleaned.get(name):
                try:
                    check_due_date(cleaned.get("kind", ""), cleaned[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned


@admin.register(NoticeText)
class NoticeTextAdmin(admin.ModelAdmin):
    form = NoticeTextForm
    staff_scope = REFERENCE  # wording, no customer data: every role reads, officers write
    list_display = ["__str__", "state", "author", "created_at", "published_at"]
    list_filter = ["kind", "language"]
    change_form_template = "admin/rights/noticetext/change_form.html"
    shown = [
        "kind",
        "language",
        "version",
        "subject",
        "body",
        "state",
        "author",
        "created_at",
        "published_at",
        "published_by",
    ]

    def get_fields(self, request, obj=None):
        return list(NoticeTextForm.Meta.fields) if obj is None else self.shown

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown

    def has_delete_permission(self, request, obj=None):
        return False  # versions are the record of what was sent when

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.published_at is None:
            return _("Draft")
        if latest_published(obj.kind, obj.language) != obj:
            return _("Replaced")
        return _("In use: the shipped text") if obj.reset else _("In use")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        kind, language = initial.get("kind"), initial.get("language")
        kinds = dict(NoticeText._meta.get_field("kind").flatchoices)
        if kind in kinds and language in dict(NoticeText._meta.get_field("language").choices):
            edited = current_text(kind, language)
            if edited is not None:
                initial["subject"], initial["body"] = edited.subject, edited.body
            else:
                initial["subject"], initial["body"] = shipped_text(kind, language)
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return  # a version is never edited
        data = form.cleaned_data
        saved = notice_text_save(
            kind=data["kind"],
            language=data["language"],
            subject=data["subject"],
            body=data["body"],
            author=request.user,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, _("Draft saved. Check the preview, then publish it."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:rights_noticetext_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {"placeholders": PLACEHOLDERS.items()}
        if obj is not None and not obj.reset:
            with translation.override(obj.language):
                extra["preview_subject"], extra["preview_body"] = render_text(
                    obj, sample_values(obj.language)
                )
            extra["preview_greeting"], extra["preview_sign_off"] = mail_frame(obj.language)
        if obj is not None:
            # Sent while the deadline is paused, this text is set aside for the shipped one.
            extra["shipped_while_paused"] = obj.kind in DUE_DATE_ONLY_WHILE_RUNNING and (
                quotes_due_date(obj.subject, obj.body)
            )
            extra["may_write"] = self.has_add_permission(request)
            extra["in_use"] = latest_published(obj.kind, obj.language) == obj
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        extra = {"placeholders": PLACEHOLDERS.items(), **(extra_context or {})}
        return super().add_view(request, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<id:pk>/publish/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="rights_noticetext_publish",
            ),
            path(
                "<id:pk>/reset/",
                self.admin_site.admin_view(require_POST(self.reset_view)),
                name="rights_noticetext_reset",
            ),
            *super().get_urls(),
        ]

    def _version(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not self.has_add_permission(request):
            raise PermissionDenied
        return obj

    def publish_view(self, request, pk):
        obj = self._version(request, pk)
        try:
            notice_text_publish(text=obj, actor=request.user, http_request=request)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request, _("Published: notices sent from now on read this text."), messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:rights_noticetext_change", args=[obj.pk]))

    def reset_view(self, request, pk):
        obj = self._version(request, pk)
        reset = notice_text_reset(
            kind=obj.kind, language=obj.language, actor=request.user, http_request=request
        )
        self.message_user(
            request, _("The text shipped with the portal is in use again."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:rights_noticetext_change", args=[reset.pk]))
