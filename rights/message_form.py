"""The forms a customer or a requester without an account sends on a filed request:
a message in its thread, and the withdrawal's reason. Both say a pasted control
character on the field (``portal.kernel.typed_text``); their views are marked
``form_refuses_control_characters``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.kernel.typed_text import ControlCharactersFormMixin

from .uploads import check_upload, upload_hint


class MessageForm(ControlCharactersFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the message you want to send.")},
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=upload_hint(),
    )

    def clean_attachment(self):
        attachment = self.cleaned_data.get("attachment")
        if attachment:
            self.attachment_type = check_upload(attachment)
        return attachment


class WithdrawForm(ControlCharactersFormMixin, forms.Form):
    """The withdrawal's optional reason. A reason longer than the field is refused
    with the field's message, never cut: the request stays as it was."""

    reason = forms.CharField(
        label=_("Why are you withdrawing it? (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
