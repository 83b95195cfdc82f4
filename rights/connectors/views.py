"""Addresses external parties use: a system's callback, a subcontractor's confirmation link.

Neither needs a login: the callback is signed with the system's shared secret
(:mod:`.signing`), the link with the portal's key (:mod:`.notices`). Neither
page shows the customer's data.
"""

from __future__ import annotations

import json
import logging

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.kernel.api.problems import (
    charset_refusal_text,
    declared_charset_refused,
    utf8_text,
)

from . import client, dispatch, notices
from .models import ExternalSystem, SystemTask
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

logger = logging.getLogger(__name__)


def _unreadable(why: str) -> JsonResponse:
    """400 in the shape of every other refusal of a callback: ``{"error": ...}``."""
    return JsonResponse({"error": why}, status=400)


@csrf_exempt
@require_POST
def callback(request, key):
    """A system answers later (after a 202): ``{"request_id", "status", "count", ...}``."""
    task = (
        SystemTask.objects.select_related("system")
        .filter(key=key, mode=ExternalSystem.Mode.API)
        .first()
    )
    if task is None or task.system is None:
        return JsonResponse({"error": "no part of a request has this callback address"}, status=404)
    try:
        body = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse({"error": f"the body is larger than {limit:,} bytes"}, status=413)
    if not verify(
        task.system.secret,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        sent=request.headers.get(SIGNATURE_HEADER, ""),
        body=body,
    ):
        logger.warning("Refused a callback for task %s: bad signature", task.pk)
        return JsonResponse({"error": "bad signature"}, status=401)
    charset = declared_charset_refused(request.content_params)
    if charset is not None:
        return JsonResponse({"error": charset_refusal_text(charset)}, status=415)
    try:
        data = json.loads(utf8_text(body))
        answer = client.answer_from(data)
    except RecursionError:  # nested deeper than the parser follows
        return _unreadable("the body is nested too deeply")
    except (ValueError, client.Refused) as error:
        return _unreadable(str(error))
    if data.get("request_id") != str(task.key) or answer.status == client.ACCEPTED:
        return _unreadable("the callback must give the request id and a final status")
    result = dispatch.answer_record(task, answer)
    if result == "closed":
        status = task.request.status
        return JsonResponse(
            {
                "error": f"The request is {status}: it asks nothing more of this system, and "
                "the answer was not recorded. If the data was changed all the same, tell the "
                "privacy office.",
                "request_status": status,
            },
            status=409,
        )
    if result == "contradicted":
        task.refresh_from_db()
        return JsonResponse(
            {
                "error": f"This part is already settled as {task.state}: the answer was not "
                "recorded. If the data was changed all the same, tell the privacy office.",
                "task_state": task.state,
            },
            status=409,
        )
    return JsonResponse({"status": "recorded" if result != "not due" else "already settled"})


class ConfirmForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did you do?"),
        choices=[
            ("done", _("Done: we carried it out")),
            ("nothing", _("We hold no data about this person")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you did.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def confirm(request, token):
    """The subcontractor's link: confirm the task once (GET shows the form, POST answers)."""
    task = notices.task_for_token(token)
    if task is None:
        raise Http404
    form = ConfirmForm(request.POST or None)
    outcome = ""
    if request.method == "POST" and form.is_valid():
        outcome = notices.link_confirm(
            task,
            held_nothing=form.cleaned_data["outcome"] == "nothing",
            note=form.cleaned_data["note"],
        )
        task.refresh_from_db()
    # Refused or withdrawn since the e-mail went out: nothing to confirm, which the
    # page's title and heading say first.
    no_longer_asked = not task.settled and not notices.still_asked(task)
    return render(
        request,
        "rights/connectors/confirm.html",
        {
            "task": task,
            "form": form,
            "answered": outcome == "recorded",
            "settled": task.settled,
            "no_longer_asked": no_longer_asked,
            "heading": _("This task is no longer asked")
            if no_longer_asked
            else _("Confirm a privacy task"),
            "office_email": settings.PRIVACY_OFFICE_EMAIL,
        },
    )
