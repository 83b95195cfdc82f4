"""What each audit action means, in the reader's language.

The trail stores stable codes (``request.transition``, ``staff.viewed_legalhold_list``);
the audit screen shows a label beside each. A staff view of a model's records is
named after the model (``staff.viewed_<model>``, ``staff.viewed_<model>_list``), so
every admin screen gets a label without an entry here. An unknown code is shown as
it is.
"""

import re
import unicodedata

from django.apps import apps
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from .audit import STAFF_VIEW_PREFIX

ACTION_LABELS = {
    "account.closed": _("Account closed"),
    "account.email_change_requested": _("Login e-mail address change asked for"),
    "account.email_changed": _("Login e-mail address changed"),
    "account.email_verified": _("E-mail address verified"),
    "account.password_changed": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "account.profile_updated": _("Profile updated"),
    "account.signup": _("Account created"),
    "admin.login": _("Staff login"),
    "admin.login_failed": _("Staff login failed"),
    "admin.login_throttled": _("Staff login throttled"),
    "admin.otp_failure": _("Staff code refused"),
    "api.call": _("API call"),
    "api.callback_replayed": _("API callback sent again"),
    "api.client_changed": _("API client changed"),
    "api.client_created": _("API client created"),
    "api.key_changed": _("API key changed"),
    "api.key_created": _("API key created"),
    "api.key_revoked": _("API key revoked"),
    "audit.chain_keyed": _("Audit chain keyed"),
    "auth.login": _("Customer login"),
    "auth.login_failed": _("Customer login failed"),
    "auth.login_throttled": _("Customer login throttled"),
    "auth.logout": _("Logout"),
    "auth.session_idle_expired": _("Session ended after inactivity"),
    "auth.sessions_ended": _("Other sessions ended"),
    "connector.answered_after_failure": _("External system task done after it had failed"),
    "connector.answer_refused": _("External system's answer refused: its request is closed"),
    "connector.after_hold": _("Erasure asked of an external system after a legal hold ended"),
    "connector.escalated": _("External system task reported to the privacy officers"),
    "connector.failed": _("External system task failed"),
    "connector.hold_notice": _(
        "External system or partner told to keep data a legal hold placed since keeps"
    ),
    "connector.held_data_erased": _(
        "External system reported erasing data a legal hold keeps: check with it"
    ),
    "connector.retried": _("External system task tried again"),
    "connector.settled": _("External system task settled"),
    "consent.authority_request_recorded": _("Authority request recorded"),
    "consent.changed": _("Consent changed"),
    "consent.marketing_campaign_started": _("Marketing campaign started"),
    "consent.paper_recorded": _("Paper consent recorded"),
    "consent.policy_accepted": _("Privacy policy accepted"),
    "consent.policy_declined": _("Privacy policy declined"),
    "consent.policy_version_saved": _("Privacy policy version saved"),
    "consent.provision_recorded": _("Provision to a third party recorded"),
    "consent.receipt_recorded": _("Receipt from a third party recorded"),
    "consent.restriction_created": _("Restriction placed"),
    "consent.restriction_ended": _("Restriction ended"),
    "consent.signup": _("Consents given at sign-up"),
    "consent.succession_recorded": _("Provision by succession recorded"),
    "data.corrected": _("Data corrected"),
    "data.erased": _("Data erased"),
    "disclosure.build_failed": _("Disclosure package failed"),
    "disclosure.build_retried": _("Disclosure package retried"),
    "disclosure.build_retrying": _("Disclosure package to be tried again"),
    "disclosure.download_refused": _("Disclosure download refused"),
    "disclosure.downloaded": _("Disclosure downloaded"),
    "disclosure.files_purged": _("Disclosure files purged"),
    "disclosure.link_renewed": _("Download link renewed"),
    "disclosure.package_stored": _("Disclosure package stored"),
    "disclosure.posted": _("Disclosure sent by post"),
    "disclosure.record_withheld": _("Record withheld from a disclosure"),
    "disclosure.record_withholding_cancelled": _("Withholding of a record cancelled"),
    "fee.cancelled": _("Fee cancelled"),
    "fee.expired": _("Fee expired unpaid"),
    "fee.paid": _("Fee paid"),
    "fee.provider_event": _("Payment provider event"),
    "fee.refunded": _("Fee refunded"),
    "fee.requested": _("Fee requested"),
    "fee.schedule_saved": _("Fee schedule saved"),
    "fee.waived": _("Fee waived"),
    "hold.placed": _("Legal hold placed"),
    "hold.released": _("Legal hold released"),
    "identity.agent_confirmation_requested": _("Agent confirmation requested"),
    "identity.agent_confirmed": _("Agent confirmed"),
    "identity.agent_denied": _("Agent denied by the person"),
    "identity.declaration_signed": _("Declaration under penalty of perjury signed on the form"),
    "identity.documents_received": _("Identity documents received"),
    "identity.my_number_destroyed": _("My Number destroyed"),
    "identity.not_verified": _("Identity not verified"),
    "identity.subject_matched": _("Requester matched to a customer"),
    "identity.verified": _("Identity verified"),
    "notice.text_published": _("Notice text published"),
    "notice.text_reset": _("Notice text back to the shipped text"),
    "notice.edited_text_set_aside": _(
        "Notice sent with the shipped text: the edited one quotes a date the wait moves"
    ),
    "otp.failure": _("Code refused"),
    "otp.success": _("Code accepted"),
    "otp.throttled": _("Codes throttled"),
    "otp.totp_added": _("Authenticator app added"),
    "otp.totp_add_failed": _("Wrong code when adding an authenticator app"),
    "otp.totp_removed": _("Authenticator app removed"),
    "report.metrics_exported": _("Metrics exported"),
    "report.request_log_exported": _("Request log exported"),
    "report.statistics_exported": _("Statistics exported"),
    "request.assigned": _("Request assigned"),
    "request.attachment_downloaded": _("Attachment downloaded"),
    "request.correction_decided": _("Correction decided"),
    "request.erasure_plan_confirmed": _("Erasure plan confirmed"),
    "request.extended": _("Deadline extended"),
    "request.identity_document_downloaded": _("Identity document downloaded"),
    "request.message": _("Message on a request"),
    "request.receipt_viewed": _("Receipt viewed"),
    "request.regime_changed": _("Request's law changed"),
    "request.stop_decided": _("Stop of use or provision decided"),
    "request.submitted": _("Request filed"),
    "request.transition": _("Request status changed"),
    "request.unfounded": _("Request marked unfounded"),
    "request.unfounded_cleared": _("Unfounded mark removed"),
    "retention.deferred": _("Retention job: deferred erasures"),
    # Written only by a deletion request's steps (at once, or after the hold or period
    # that kept the data); the nightly sweep's erasures are the "retention.sweep" run.
    "retention.erased": _("Erased for a deletion request"),
    "retention.purge": _("Retention job: purge of files and records"),
    "retention.reapply": _("Retention job: erasures applied again after a restore"),
    "retention.rule_saved": _("Retention rule saved"),
    "retention.sweep": _("Retention job: retention sweep"),
    "staff.created": _("Staff member created"),
    "staff.access_granted": _("Staff member given a role or services"),
    "staff.enrolment_issued": _("Authenticator link issued to a staff member"),
    "staff.enrolment_completed": _("Staff member's authenticator set up from a link"),
    "staff.enrolment_code_failed": _("Wrong code on a staff authenticator link"),
    "staff.enrolment_password_failed": _("Wrong password on a staff authenticator link"),
    "staff.enrolment_throttled": _("Staff authenticator link refused: too many wrong passwords"),
    "staff.exported_audit_events": _("Audit trail exported"),
    "staff.viewed_attachment": _("Viewed an attachment"),
    "staff.viewed_connector_evidence": _("Viewed the evidence of a system's task"),
    "staff.viewed_disclosure": _("Viewed a disclosure package"),
    "staff.viewed_hold_records": _("Listed a customer's records for a legal hold"),
    "staff.viewed_identity_document": _("Viewed an identity document"),
    "staff.viewed_personal_data": _("Viewed a customer's data"),
    "staff.viewed_search_result": _("Found in a subject lookup"),
    "staff.viewed_subject_candidates": _("Viewed matching customers"),
}

LIST_SUFFIX = "_list"

#: The references the staff screens show, and the kind of target each one numbers.
REFERENCES = {"R": "rights.rightsrequest", "H": "rights.legalhold", "D": "rights.deferrederasure"}
_REFERENCE = re.compile(r"([A-Z])-?(\d+)")


def target_of_reference(term: str) -> str | None:
    """The audit target a reference stands for (R-000010 → ``rights.rightsrequest:10``),
    typed in either width or case; None for anything else."""
    found = _REFERENCE.fullmatch(unicodedata.normalize("NFKC", term).strip().upper())
    if found is None or found[1] not in REFERENCES:
        return None
    return f"{REFERENCES[found[1]]}:{int(found[2])}"


#: How each kind of reference writes its number (RightsRequest.reference, LegalHold's str).
_REFERENCE_DIGITS = {"R": 6, "H": 5, "D": 5}
_WRITTEN = re.compile(r"([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*):(\d+)")
_MODEL = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")


def target_label(target: str) -> str:
    """A target as staff know it: ``rights.rightsrequest:4`` → R-000004, a hold H-00012,
    an erasure D-00007, another model its name and number (``portal.user:31`` → User 31),
    a list viewed its name (``rights.legalhold`` → Legal holds); anything else as
    stored. Read from the stored text alone, without a query."""
    found = _WRITTEN.fullmatch(target or "")
    if found is None:
        return _list_label(target or "")
    label, pk = f"{found[1]}.{found[2]}", int(found[3])
    for letter, kind in REFERENCES.items():
        if kind == label:
            return f"{letter}-{pk:0{_REFERENCE_DIGITS[letter]}d}"
    try:
        model = apps.get_model(label)
    except LookupError:
        return target
    return f"{capfirst(model._meta.verbose_name)} {pk}"


def _list_label(target: str) -> str:
    """A list viewed (``rights.legalhold``) by its name (Legal holds); else as stored."""
    if _MODEL.fullmatch(target) is None:
        return target
    try:
        model = apps.get_model(target)
    except LookupError:
        return target
    return capfirst(model._meta.verbose_name_plural)


def about_target(events, target: str):
    """The events about ``target`` (``rights.rightsrequest:10``): those it is the target of
    and, for a request, those that name it in their details (``{"request": 10}`` or
    ``"R-000010"``), e.g. the erasures its deletion steps made, whose target is the step.

    The second set is looked for only among the events of the request's subject (the
    subject-and-time index), not over the whole trail's details.
    """
    own = Q(target=target)
    model, _sep, pk = target.partition(":")
    if model != REFERENCES["R"]:
        return events.filter(own)
    subjects = events.filter(own, subject__isnull=False).values("subject_id").distinct()
    named = Q(details__request=int(pk)) | Q(details__request=f"R-{int(pk):06d}")
    return events.filter(own | (Q(subject_id__in=subjects) & named))


def actions_labelled(term: str) -> list[str]:
    """The action codes whose label, in the reader's language, contains ``term``."""
    term = unicodedata.normalize("NFKC", term).strip().casefold()
    if not term:
        return []
    return [code for code, label in ACTION_LABELS.items() if term in str(label).casefold()]


def _model_named(model_name: str):
    return next((m for m in apps.get_models() if m._meta.model_name == model_name), None)


def action_label(code: str) -> str:
    """The label of an audit action code, or the code when none is known."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    if code.startswith(STAFF_VIEW_PREFIX):
        what = code.removeprefix(STAFF_VIEW_PREFIX)
        model = _model_named(what.removesuffix(LIST_SUFFIX))
        if model is not None and what.endswith(LIST_SUFFIX):
            return _g("Viewed the list: %(things)s") % {
                "things": capfirst(model._meta.verbose_name_plural)
            }
        if model is not None:
            return _g("Viewed: %(thing)s") % {"thing": capfirst(model._meta.verbose_name)}
    if code.startswith("retention."):
        return _g("Retention job: %(job)s") % {"job": code.removeprefix("retention.")}
    return code
