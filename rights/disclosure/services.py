"""Delivering disclosures and notices of purposes: build, store, complete, download,
post, retry. Each write takes its lock, writes its audit row and returns early
when already done, so a repeated call or a retried task is harmless.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import secrets
import tempfile
import uuid

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log
from rights import workflow
from rights.choices import DeliveryMethod, Kind, Status
from rights.models import RightsRequest

from . import crypto, failures
from . import package as content
from .models import DELIVERED_KINDS, DisclosureDelivery, DisclosurePackage
from .scope import customer_language
from .withholding import withheld_statement

# Queued by name through the outbox: the task (rights.tasks) calls this module.
BUILD_TASK = "rights.tasks.build_disclosure"

State = DisclosureDelivery.State

logger = logging.getLogger(__name__)

# The build task (rights.tasks.build_disclosure, five retries) waits 1, 2, 4, 8
# and 16 minutes between tries (about half an hour in all, enough to ride out a
# database or storage restart), then stops and shows staff the error with a
# retry button.
BUILD_BACKOFF_SECONDS = 60
BUILD_BACKOFF_MAX_SECONDS = 30 * 60
# A build still "being prepared" after this long lost its task (e.g. the broker
# dropped it): staff may start it again.
BUILD_STALE_AFTER = dt.timedelta(hours=1)


def is_paper(request: RightsRequest) -> bool:
    return request.delivery_method == DeliveryMethod.PAPER


def retry_delay(retries: int) -> int:
    """Seconds before retry number ``retries + 1`` of the build task."""
    return get_exponential_backoff_interval(
        BUILD_BACKOFF_SECONDS, retries, BUILD_BACKOFF_MAX_SECONDS, full_jitter=False
    )


# -- the download link ------------------------------------------------------------------


def download_token(package: DisclosurePackage) -> str:
    """The secret part of the package's download link.

    An HMAC of the package's random salt under SECRET_KEY: the request page
    and the notice can show the link again, while the table holds only the
    token's SHA-256, so a copy of the database cannot open any link.
    """
    mac = salted_hmac("rights.disclosure.download", package.token_salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def download_path(package: DisclosurePackage) -> str:
    return reverse("disclosure_download", kwargs={"token": download_token(package)})


def download_filename(package: DisclosurePackage) -> str:
    kind = "disclosure" if package.kind == Kind.DISCLOSURE else "purposes-of-use"
    return f"{package.request.reference}-{kind}.zip"


# -- delivery starts: the hook on "in progress" ---------------------------------------------


def _delivery_set(request: RightsRequest, *, state: str, paper: bool = False, **fields):
    """Create or update the request's delivery row in ``state``, clearing any error."""
    delivery, _created = DisclosureDelivery.objects.update_or_create(
        request=request,
        defaults={
            "method": DeliveryMethod.PAPER if paper else DeliveryMethod.ELECTRONIC,
            "state": state,
            "error": "",
            "cause": {},
            "failed_at": None,
            **fields,
        },
    )
    return delivery


def delivery_start(*, request: RightsRequest) -> DisclosureDelivery:
    """Called inside the transition to "in progress" (see ``hooks``).

    Paper waits for staff to print and post it; an electronic answer is built
    by a task queued after commit.
    """
    paper = is_paper(request)
    delivery = _delivery_set(
        request,
        state=State.TO_POST if paper else State.BUILDING,
        paper=paper,
        started_at=timezone.now(),
    )
    if not paper:
        outbox.enqueue(BUILD_TASK, request.pk)
    return delivery


# -- building the package -----------------------------------------------------------------


def _summary_json(summary) -> dict:
    if summary is None:
        return {}
    if dataclasses.is_dataclass(summary):
        data = dataclasses.asdict(summary)
    elif isinstance(summary, dict):
        data = summary
    else:
        data = {k: v for k, v in vars(summary).items() if not k.startswith("_")}
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def _write_content(request: RightsRequest, fileobj):
    if request.kind == Kind.DISCLOSURE:
        return content.write_package(request, fileobj)
    return content.write_purpose_notice(request, fileobj)


def build_attempt_started(*, request: RightsRequest) -> None:
    """Count an attempt of the build task (not when the package is already there)."""
    delivery, created = DisclosureDelivery.objects.get_or_create(
        request=request,
        defaults={"method": DeliveryMethod.ELECTRONIC, "state": State.BUILDING, "attempts": 1},
    )
    if not created:
        DisclosureDelivery.objects.filter(
            pk=delivery.pk, state__in=[State.BUILDING, State.FAILED]
        ).update(attempts=F("attempts") + 1, state=State.BUILDING, updated_at=timezone.now())


def _package_folder(request: RightsRequest) -> str:
    return f"disclosures/{request.pk}"


def _clear_unrecorded_files(storage, request: RightsRequest) -> None:
    """Delete what a build killed between storing its file and committing left behind.

    Called under the request's lock with no package recorded, so no file in the
    request's folder belongs to a package: each is an orphan of a lost attempt.
    """
    folder = _package_folder(request)
    try:
        _dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{folder}/{name}")
        logger.warning("Deleted %s/%s, left by a build that did not commit", folder, name)


def package_build(*, request: RightsRequest) -> DisclosurePackage | None:
    """Build, encrypt and store the package of an electronic disclosure or notice of
    purposes in progress, record it, and complete the request, in one transaction.

    The request row stays locked throughout, so a second task for the same
    request waits and then finds the package: a retry never builds twice. The
    completion notice with the link is queued after commit, so the person never
    hears of a package that is not stored. Returns the package (the existing
    one when already built), or None when the request is not waiting for one.
    """
    storage = DisclosurePackage._meta.get_field("file").storage
    stored_name = None
    try:
        with transaction.atomic():
            locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
            existing = DisclosurePackage.objects.filter(request=locked).first()
            if existing is not None:
                return existing
            _clear_unrecorded_files(storage, locked)
            if (
                locked.status != Status.IN_PROGRESS
                or locked.kind not in DELIVERED_KINDS
                or is_paper(locked)
            ):
                return None
            # The plain zip exists only in an unnamed temporary file (O_TMPFILE
            # on Linux), gone when closed, even if the worker dies.
            with tempfile.TemporaryFile() as plain, tempfile.TemporaryFile() as sealed_file:
                summary = _write_content(locked, plain)
                plain.flush()
                plain.seek(0)
                sealed = crypto.encrypt_stream(plain, sealed_file)
                sealed_file.seek(0)
                stored_name = storage.save(
                    f"{_package_folder(locked)}/{uuid.uuid4().hex}.zip.enc", File(sealed_file)
                )
            now = timezone.now()
            package = DisclosurePackage(
                request=locked,
                kind=locked.kind,
                size=sealed.size,
                digest=sealed.digest,
                key_id=sealed.key_id,
                summary=_summary_json(summary),
                token_salt=secrets.token_hex(16),
                created_at=now,
                expires_at=now + dt.timedelta(days=settings.DISCLOSURE_LINK_DAYS),
                max_downloads=settings.DISCLOSURE_MAX_DOWNLOADS,
            )
            package.token_hash = token_hash(download_token(package))
            package.file.name = stored_name
            package.save()
            _delivery_set(locked, state=State.READY)
            audit_log(
                action="disclosure.package_stored",
                target=package,
                subject=locked.subject,
                details={
                    "request": locked.reference,
                    "size": sealed.size,
                    "sha256": sealed.digest,
                    "key": sealed.key_id,
                    "expires_at": package.expires_at,
                },
            )
            workflow.transition(
                locked,
                actor=None,
                notice_extra={
                    "download": {"package": package.pk, "allowed": package.max_downloads}
                },
                **_outcome(locked),
            )
    except BaseException:
        if stored_name:
            storage.delete(stored_name)
        raise
    return package


def _outcome(request: RightsRequest) -> dict:
    """Completed, or partly completed with the grounds when records were withheld
    (APPI Art. 33(2): the person is told without delay, with the reason)."""
    if request.kind != Kind.DISCLOSURE or not request.withheld_records.exists():
        return {"to": Status.COMPLETED}
    with translation.override(customer_language(request)):
        return {"to": Status.PARTIALLY_COMPLETED, "reason": withheld_statement(request)}


def build_attempt_failed(*, request: RightsRequest, error: BaseException, final: bool) -> None:
    """Record a failed attempt; after the last one staff see the error and a retry button."""
    with transaction.atomic():
        delivery = (
            DisclosureDelivery.objects.select_for_update().filter(request_id=request.pk).first()
        )
        if delivery is None or delivery.state not in (State.BUILDING, State.FAILED):
            return
        delivery.error = failures.technical_line(error)
        delivery.cause = failures.cause_of(error)
        if final:
            delivery.state = State.FAILED
            delivery.failed_at = timezone.now()
        delivery.save(update_fields=["error", "cause", "state", "failed_at", "updated_at"])
        audit_log(
            action="disclosure.build_failed" if final else "disclosure.build_retrying",
            target=request,
            subject=request.subject,
            details={"attempt": delivery.attempts, "error": type(error).__name__},
        )


def delivery_may_retry(delivery: DisclosureDelivery | None, now=None) -> bool:
    if delivery is None or delivery.method != DeliveryMethod.ELECTRONIC:
        return False
    if delivery.state == State.FAILED:
        return True
    now = now or timezone.now()
    return delivery.state == State.BUILDING and delivery.started_at < now - BUILD_STALE_AFTER


def delivery_retry(*, request: RightsRequest, actor, http_request=None) -> None:
    """Staff start the build again after it failed (or lost its task)."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        delivery = DisclosureDelivery.objects.filter(request=locked).first()
        if (
            locked.status != Status.IN_PROGRESS
            or locked.kind not in DELIVERED_KINDS
            or is_paper(locked)
            or DisclosurePackage.objects.filter(request=locked).exists()
        ):
            raise ValidationError(
                _("Only a package still being prepared for download can be built again.")
            )
        if delivery is not None and not delivery_may_retry(delivery):
            raise ValidationError(
                _("The package is being prepared; it can be retried once the build has failed.")
            )
        _delivery_set(locked, state=State.BUILDING, started_at=timezone.now())
        audit_log(
            action="disclosure.build_retried",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
        )
        outbox.enqueue(BUILD_TASK, locked.pk)
    request.refresh_from_db()


# -- downloading --------------------------------------------------------------------------


def download_claim(*, package: DisclosurePackage, user, http_request=None) -> str:
    """Count one download if the link still works. Returns "" when granted, else why
    not ("used" or "expired"). Audited either way.

    One conditional UPDATE: PostgreSQL re-checks the condition after waiting
    for a concurrent update of the row, so two parallel clicks on a
    single-use link cannot both get the file.
    """
    now = timezone.now()
    with transaction.atomic():
        granted = (
            DisclosurePackage.objects.downloadable(now)
            .filter(pk=package.pk)
            .update(download_count=F("download_count") + 1, last_downloaded_at=now)
        )
        package.refresh_from_db()
        if not granted:
            reason = package.unavailable_reason(now) or "used"
            download_refused(package=package, user=user, reason=reason, http_request=http_request)
            return reason
        audit_log(
            action="disclosure.downloaded",
            actor=user,
            target=package,
            subject=package.request.subject,
            request=http_request,
            details={
                "request": package.request.reference,
                "download": package.download_count,
                "allowed": package.max_downloads,
            },
        )
    return ""


def download_renew(*, package: DisclosurePackage, user, http_request=None) -> bool:
    """Give a used-up package a fresh link, once: a new token (the old link stops
    working) and the downloads the link first allowed, until the same expiry.
    Returns False, changing nothing, when it may not be renewed (``may_renew``).

    One conditional UPDATE, so two clicks renew once.
    """
    now = timezone.now()
    salt = secrets.token_hex(16)
    fresh = DisclosurePackage(pk=package.pk, token_salt=salt)
    with transaction.atomic():
        renewed = (
            DisclosurePackage.objects.filter(
                pk=package.pk,
                renewed_at__isnull=True,
                file_deleted_at__isnull=True,
                expires_at__gt=now,
                download_count__gte=F("max_downloads"),
            )
            .exclude(file="")
            .update(
                token_salt=salt,
                replaced_token_hash=F("token_hash"),
                token_hash=token_hash(download_token(fresh)),
                max_downloads=F("download_count") + settings.DISCLOSURE_MAX_DOWNLOADS,
                renewed_at=now,
            )
        )
        package.refresh_from_db()
        if renewed:
            audit_log(
                action="disclosure.link_renewed",
                actor=user,
                target=package,
                subject=package.request.subject,
                request=http_request,
                details={"request": package.request.reference, "allowed": package.max_downloads},
            )
    return bool(renewed)


def download_refused(*, package: DisclosurePackage, user, reason: str, http_request=None) -> None:
    """Audit an attempt to download through a link that no longer works."""
    audit_log(
        action="disclosure.download_refused",
        actor=user,
        target=package,
        subject=package.request.subject,
        request=http_request,
        details={"request": package.request.reference, "reason": reason},
    )


# -- paper ----------------------------------------------------------------------------------


def posted_on_check(request: RightsRequest, posted_on: dt.date) -> None:
    """Refuse a posting day in the future or before the request arrived (ValidationError
    with a message for staff), before anything is asked or recorded."""
    if posted_on > timezone.localdate():
        raise ValidationError(_("The posting date cannot be in the future."))
    if posted_on < timezone.localdate(request.received_at):
        raise ValidationError(_("The posting date cannot be before the request arrived."))


def paper_mark_posted(
    *, request: RightsRequest, posted_on: dt.date, actor, http_request=None
) -> None:
    """Staff record the day the paper answer was posted; the request is completed and
    the person told the date. Recording it again changes nothing."""
    posted_on_check(request, posted_on)
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        delivery = DisclosureDelivery.objects.filter(request=locked).first()
        if delivery is not None and delivery.state == State.POSTED:
            return
        if (
            locked.status != Status.IN_PROGRESS
            or locked.kind not in DELIVERED_KINDS
            or not is_paper(locked)
        ):
            raise ValidationError(
                _(
                    "Only a disclosure or notice of purposes in progress, to be sent on paper, "
                    "can be recorded as posted."
                )
            )
        _delivery_set(locked, state=State.POSTED, paper=True, posted_on=posted_on, posted_by=actor)
        audit_log(
            action="disclosure.posted",
            actor=actor,
            target=locked,
            subject=locked.subject,
            request=http_request,
            details={"posted_on": posted_on.isoformat()},
        )
        workflow.transition(
            locked,
            actor=actor,
            http_request=http_request,
            notice_extra={"posted_on": posted_on.isoformat()},
            **_outcome(locked),
        )
    request.refresh_from_db()
