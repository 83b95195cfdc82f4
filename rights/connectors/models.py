"""External systems and each one's part in a request.

Imported by ``rights.models``, so these are models of the rights app. Written
only by the modules of :mod:`rights.connectors`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from consent.models import Purpose, Recipient
from portal.kernel.db import staff_field
from portal.kernel.fields import EmailAddressField, EncryptedCharField, EncryptedJSONField
from portal.kernel.registry import Category
from rights.choices import Status

from . import errors


def _private_storage():
    # Late: storages are configured once settings are loaded.
    from django.core.files.storage import storages

    return storages["private"]


def _evidence_path(instance, filename):
    return f"connectors/{instance.request_id}/{uuid.uuid4().hex}"


class Operation(models.TextChoices):
    ACCESS = "access", _("Access (disclosure)")
    CORRECT = "correct", _("Correction")
    ERASE = "erase", _("Erasure")
    RESTRICT = "restrict", _("Restriction (stop of use or provision)")


class ExternalSystem(models.Model):
    """A system outside this database that holds customers' personal data.

    An ``api`` system implements the JSON contract (docs/connectors.md) and is
    called with signed requests; an ``email`` system (a subcontractor without
    an API) is mailed a signed link its privacy contact opens when done; a
    ``manual`` system gets a task a member of staff confirms. A system linked
    to a recipient is how that recipient is told of corrections, erasures and
    restrictions (GDPR art. 19).
    """

    class Mode(models.TextChoices):
        API = "api", _("HTTP connector (JSON contract)")
        EMAIL = "email", _("E-mail to the privacy contact")
        MANUAL = "manual", _("Staff task")

    name = models.CharField(_("name"), max_length=120, unique=True)
    mode = models.CharField(_("how it is reached"), max_length=10, choices=Mode.choices)
    base_url = models.URLField(
        _("base URL"),
        blank=True,
        help_text=_("HTTP connectors: the address the contract's paths are added to."),
    )
    secret = EncryptedCharField(
        _("shared secret"),
        max_length=200,
        blank=True,
        help_text=_("HTTP connectors: the HMAC key of requests and callbacks; stored encrypted."),
    )
    categories = models.JSONField(
        _("categories held"),
        default=list,
        blank=True,
        help_text=_("The kinds of personal data the system holds."),
    )
    fields = models.JSONField(
        _("fields held"),
        default=list,
        blank=True,
        help_text=_("The items it holds, each with its category: [{name, category, label}]."),
    )
    operations = models.JSONField(
        _("operations"),
        default=list,
        blank=True,
        help_text=_("What it does on a request: access, correct, erase, restrict."),
    )
    recipient = models.ForeignKey(
        "consent.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="external_systems",
        verbose_name=_("recipient"),
        help_text=_(
            "The subcontractor, partner or joint user this system belongs to: it is told "
            "of every approved correction, erasure and restriction of a customer whose data "
            "went to it."
        ),
    )
    privacy_contact = EmailAddressField(
        _("privacy contact"),
        blank=True,
        help_text=_("E-mail systems: the address that receives tasks and reminders."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer"),
        default=7,
        help_text=_("After these days a task is reminded; after twice as many, escalated."),
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=10,
        help_text=_("HTTP connectors: the longest a call may take."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    api_clients = models.ManyToManyField(
        "portal.ApiClient",
        blank=True,
        related_name="external_systems",
        verbose_name=_("API clients answering for it"),
        help_text=_(
            "Clients with the scope fulfilment:write that may report this system's part of "
            "a request through the API (POST /api/v1/requests/{ref}/fulfilment)."
        ),
    )

    class Meta:
        verbose_name = _("external system")
        verbose_name_plural = _("external systems")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def does(self, operation: str) -> bool:
        return operation in (self.operations or [])

    def holds(self, categories) -> bool:
        """Whether it holds any of ``categories`` (None: everything)."""
        held = set(self.categories or [])
        return bool(held) if categories is None else bool(held & set(categories))

    def field_names(self) -> set[str]:
        return {f["name"] for f in self.fields or [] if isinstance(f, dict) and f.get("name")}

    def category_labels(self) -> list[str]:
        return [str(c.label) for c in Category if c.value in (self.categories or [])]


class SystemTask(models.Model):
    """One system's (or one recipient's) part in one request, and how it went.

    The request cannot complete while a task is pending or failed: every
    system must answer, or staff record why it could not (GDPR art. 19,
    "impossible or involves disproportionate effort").
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        IMPOSSIBLE = "impossible", _("Could not be done (reason recorded)")

    SETTLED = (State.DONE, State.NOT_APPLICABLE, State.IMPOSSIBLE)

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        "rights.RightsRequest", on_delete=models.CASCADE, related_name="system_tasks"
    )
    system = models.ForeignKey(
        ExternalSystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("system"),
    )
    recipient = models.ForeignKey(
        "consent.Recipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient told"),
    )
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    mode = models.CharField(_("how"), max_length=10, choices=ExternalSystem.Mode.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    identifiers = EncryptedJSONField(
        _("identifiers sent"),
        default=dict,
        blank=True,
        help_text=_("How the system finds the customer (e-mail, customer number); encrypted."),
    )
    instructions = EncryptedJSONField(
        _("what to do"),
        default=dict,
        blank=True,
        help_text=_("Categories to erase, or the corrected values; encrypted."),
    )
    outcome = models.JSONField(
        _("outcome"), default=dict, blank=True, help_text=_("What the system answered (counts).")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    accepted_at = models.DateTimeField(
        _("accepted"), null=True, blank=True, help_text=_("The system will answer by callback.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    held_back = models.JSONField(
        _("kept under a legal hold"),
        default=list,
        blank=True,
        help_text=_(
            "Erasures: the kinds of data a legal hold kept out of this task. When the "
            "hold ends, a new task asks the system to erase them."
        ),
    )
    hold_notice = models.JSONField(
        _("told to keep under a legal hold"),
        default=dict,
        blank=True,
        help_text=_(
            "Erasures already sent: the kinds of data a legal hold placed since keeps, "
            "which the system or partner was told to keep (categories, when, how)."
        ),
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("after the hold on"),
        help_text=_("The task whose held-back data this one erases, once the hold ended."),
    )
    evidence = models.FileField(
        _("evidence"), storage=_private_storage, upload_to=_evidence_path, blank=True
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = staff_field(
        _("settled by"), help_text=_("Who confirmed it; empty for the system.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("system task")
        verbose_name_plural = _("system tasks")
        ordering = ["request", "pk"]

    def __str__(self):
        return f"{self.name} — {self.get_operation_display()}"

    @property
    def name(self) -> str:
        if self.system is not None:
            return self.system.name
        return str(self.recipient) if self.recipient is not None else ""

    @property
    def settled(self) -> bool:
        return self.state in self.SETTLED

    @classmethod
    def carried_on(cls) -> models.Q:
        """The tasks still carried out: those of a request in progress, and the erasures
        asked once a legal hold ended (their request closed when the rest was done)."""
        return models.Q(request__status=Status.IN_PROGRESS) | models.Q(follows__isnull=False)

    def erased(self) -> list | None:
        """The kinds of data an erasure asks for (lazy labels), or None for everything."""
        codes = (self.instructions or {}).get("categories")
        if codes is None:
            return None
        return [Category(code).label for code in codes if code in Category.values]

    def everything(self) -> list[str]:
        """The category codes an erasure of everything covers: what the system says it
        holds, or every category for a recipient without a system."""
        return (self.system.categories if self.system else None) or Category.values

    def still_to_erase(self) -> list[str] | None:
        """The category codes this erasure asks for, less those a legal hold kept out of
        it; None for everything (no hold narrowed it)."""
        codes = (self.instructions or {}).get("categories")
        if codes is None:
            if not self.held_back:
                return None
            codes = self.everything()
        return [code for code in codes if code not in self.held_back]

    @property
    def error_shown(self) -> str:
        """The last error in the active language (:mod:`.errors`)."""
        return errors.shown(self.last_error)

    @property
    def sent_nothing(self) -> bool:
        """Settled without being sent: a legal hold kept all it would have asked."""
        return bool((self.outcome or {}).get("kept_by_hold"))

    def erased_under_hold(self) -> list:
        """The kinds of data the system reported erasing though a legal hold placed
        since keeps them (lazy labels; :func:`.dispatch.held_data_erased`)."""
        codes = (self.outcome or {}).get("erased_under_hold") or []
        return [Category(code).label for code in codes if code in Category.values]

    def told_to_keep(self) -> list:
        """The kinds of data its receiver was told to keep after the part went out, a
        legal hold placed since keeping them (lazy labels; :mod:`.hold_notices`)."""
        codes = (self.hold_notice or {}).get("categories") or []
        return [Category(code).label for code in codes if code in Category.values]

    def kept_by_hold(self) -> list:
        """The kinds of data a legal hold kept out of this erasure (lazy labels)."""
        return [Category(code).label for code in self.held_back or [] if code in Category.values]

    def stop(self) -> dict | None:
        """What a restriction stops: ``{"use": True}`` for a use, else a provision,
        and ``"targets"``, the purposes or recipients (each shown in the active
        language when rendered), or None for every one. None for other operations."""
        if self.operation != Operation.RESTRICT or "scope" not in (self.instructions or {}):
            return None
        use = self.instructions["scope"] == "use"
        listed = self.instructions.get("purposes" if use else "recipients")
        if listed is None:
            return {"use": use, "targets": None}
        if use:
            found = {p.code: p for p in Purpose.objects.filter(code__in=listed)}
            targets = [found.get(c) or Purpose(title_ja=c, title_en=c) for c in listed]
        else:
            targets = [Recipient(name_ja=r["name_ja"], name_en=r["name_en"]) for r in listed]
        return {"use": use, "targets": targets}


class HeldDecision(models.Model):
    """A correction or stop decision waiting for the systems outside this database.

    The decision is recorded and applied here at once; the request stays in
    progress until every task is settled, then moves to ``to`` with the
    reason, ground and outcome staff gave (its notice tells the person).
    """

    request = models.OneToOneField(
        "rights.RightsRequest", on_delete=models.CASCADE, related_name="held_decision"
    )
    to = models.CharField(_("status once answered"), max_length=32)
    reason = models.TextField(_("reason"), blank=True)
    ground = models.CharField(_("ground"), max_length=32, blank=True)
    outcome = EncryptedJSONField(_("outcome"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision waiting for external systems")
        verbose_name_plural = _("decisions waiting for external systems")

    def __str__(self):
        return f"{self.request_id} → {self.to}"
