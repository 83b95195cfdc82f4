"""The API's requests: file one for a customer, read its status, list what changed.

Entry points only: a request is checked by the customer's own form for its kind
(``rights.forms.FORMS``) and filed by the same services as the public form and
staff entry (``request_file`` with ``request_submit`` or ``identity_request_file``),
which refuse a duplicate of an open request unless the client confirms filing
beside it; what a client sees is what a handler of its services sees
(``concerning_services``), and it is told only of duplicates it sees. Nothing personal
is answered: a completed disclosure is downloaded by the customer in the portal.
See docs/api.md for the vocabulary and the OpenDSR mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.dateparse import parse_datetime
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.kernel.api.app import problem_types, problems
from portal.kernel.api.auth import ApiKeyAuth, audit_call
from portal.kernel.api.problems import (
    LINES_OF_TEXT,
    ApiProblem,
    InputSchema,
    Problem,
    QueryInt,
)
from portal.kernel.api.subjects import subject_find
from portal.kernel.models import Service
from portal.kernel.registry import Category

from .api_events import (
    OPENDSR_STATUS,
    OPENDSR_STATUSES,
    OPENDSR_TYPE,
    requests_seen_by,
    statuses_for_opendsr,
)
from .api_input import REFERENCE, RequestIn, checked_form, cursor_for, cursor_pk
from .api_links import with_filed_request_links
from .api_tasks import (
    SystemTaskOut,
    answered_systems,
    tasks_answered,
    tasks_answered_by_request,
)
from .choices import Channel
from .choices import Status as RequestStatus
from .connectors.models import SystemTask
from .connectors.notices import REPORTED, ReportConflict, RequestClosed, system_report
from .models import ApiFiling, RightsRequest
from .requesters.filing import Person, Requester, identity_request_file
from .requesters.models import Capacity
from .services import DuplicateRequest, request_file, subject_lock

router = Router(tags=["requests"])

ApiStatus = Literal[tuple(RequestStatus.values)]
OpenDsrStatus = Literal[OPENDSR_STATUSES]
PAGE_MAX = 100


#: Declared with its pattern: a value that is no reference is 422 invalid-input, as
#: any input not matching its declared pattern; a reference the client does not see
#: is 404 request-not-found.
RequestRef = Annotated[
    str,
    Path(
        pattern=f"^{REFERENCE.pattern}$",
        examples=["R-000123"],
        description="The request's reference: R- and ASCII digits, e.g. R-000123.",
    ),
]
#: Answered in UTC (``...Z``): a deadline is computed in its regime's time zone.
UtcDateTime = Annotated[dt.datetime, AfterValidator(lambda when: when.astimezone(dt.UTC))]


class DuplicateProblem(Problem):
    """409 ``duplicate-request``: the open requests like this one, by reference."""

    duplicates: list[str]


class RequestOut(Schema):
    reference: str
    kind: str
    opendsr_type: str | None
    status: str
    opendsr_status: str
    regime: str
    channel: str
    services: list[str]
    received_at: UtcDateTime
    due_at: UtcDateTime
    closed_at: UtcDateTime | None
    updated_at: UtcDateTime | None


class RequestWithTasks(RequestOut):
    tasks: list[SystemTaskOut] = Field(
        description="The parts of the systems this client answers for (docs/api.md)."
    )


class RequestPage(Schema):
    items: list[RequestWithTasks]
    next_cursor: str | None


def _visible(caller):
    if caller.scope is None:
        return RightsRequest.objects.all()
    return requests_seen_by(caller.client, Service.objects.filter(code__in=caller.scope))


def _out(request: RightsRequest, caller) -> RequestOut:
    codes = sorted(s.code for s in request.services.all())
    if caller.scope is not None:
        codes = [code for code in codes if code in caller.scope]
    updated = getattr(request, "updated_at", None)
    if updated is None:
        updated = request.events.aggregate(last=Max("created_at"))["last"]
    return RequestOut(
        reference=request.reference,
        kind=request.kind,
        opendsr_type=OPENDSR_TYPE.get(request.kind),
        status=request.status,
        opendsr_status=OPENDSR_STATUS[request.status],
        regime=request.regime,
        channel=request.channel,
        services=codes,
        received_at=request.received_at,
        due_at=request.due_at,
        closed_at=request.closed_at,
        updated_at=updated,
    )


def _file(payload: RequestIn, subject, form, caller, http_request) -> RightsRequest:
    """File the request unless it duplicates an open one the client sees and did not
    name in ``beside`` (DuplicateRequest)."""
    common = {
        "kind": payload.kind,
        "categories": form.categories(),
        "scope": form.scope(),
        "services": form.services(),
        "details": form.cleaned_data.get("details", ""),
        "delivery_method": form.cleaned_data.get("delivery_method", ""),
        "channel": Channel.API,
        "regime": payload.regime,
        "http_request": http_request,
    }
    checked = {
        "confirmed_duplicates": {int(REFERENCE.fullmatch(ref).group(1)) for ref in payload.beside},
        "among": _visible(caller),
    }
    if payload.identity_verification == "verified":
        return request_file(subject=subject, requester=subject, **checked, **common)
    profile = getattr(subject, "profile", None)
    return request_file(
        file_with=identity_request_file,
        requester=Requester(
            capacity=Capacity.SELF,
            email=subject.email,
            language=subject.language or settings.LANGUAGE_CODE,
        ),
        person=Person(name=profile.full_name if profile else "", email=subject.email),
        uploads=[],
        account=subject,
        subject=subject,
        **checked,
        **common,
    )


def _duplicate(duplicates: list[RightsRequest], subject) -> ApiProblem:
    """409 naming the open requests; the trail records whose they are and which."""
    references = [request.reference for request in duplicates]
    return ApiProblem(
        409,
        "duplicate-request",
        f"Open requests of the same kind and scope: {', '.join(references)}. "
        "Send their references in 'beside' to file this one as well.",
        members={"duplicates": references},
        audited={"subject": subject, "details": {"duplicates": references}},
    )


def _earlier(caller, key: str) -> RightsRequest | None:
    filing = ApiFiling.objects.filter(client=caller.client, idempotency_key=key).first()
    return filing.request if filing is not None else None


@router.post(
    "/requests",
    response={200: RequestOut, 201: RequestOut, **problems(404, 415), 409: DuplicateProblem},
    openapi_extra=with_filed_request_links(
        problem_types(
            {404: ["subject-not-found"], 409: ["duplicate-request"], 422: ["service-not-allowed"]}
        )
    ),
    auth=ApiKeyAuth("requests:write"),
    summary="File a request for a customer (201; the same idempotency key again: 200; "
    "an open one of the same kind and scope: 409)",
)
def request_create(request, payload: RequestIn):
    caller = request.auth
    earlier = _earlier(caller, payload.idempotency_key)
    if earlier is not None:
        audit_call(request, status=200, subject=earlier.subject, target=earlier)
        return Status(200, _out(earlier, caller))
    subject = subject_find(caller, payload.subject)
    form = checked_form(payload, subject, caller)
    try:
        with transaction.atomic():
            subject_lock(subject)
            # A call with the same key may have filed while this one waited for the lock.
            earlier = _earlier(caller, payload.idempotency_key)
            if earlier is None:
                filed = _file(payload, subject, form, caller, request)
                ApiFiling.objects.create(
                    request=filed,
                    client=caller.client,
                    idempotency_key=payload.idempotency_key,
                    verification=payload.identity_verification,
                )
    except DuplicateRequest as duplicate:
        raise _duplicate(duplicate.duplicates, subject) from duplicate
    except IntegrityError:
        # The same key, filed by a concurrent call that committed first.
        earlier = _earlier(caller, payload.idempotency_key)
        if earlier is None:
            raise
    if earlier is not None:
        audit_call(request, status=200, subject=earlier.subject, target=earlier)
        return Status(200, _out(earlier, caller))
    audit_call(request, status=201, subject=subject, target=filed)
    return Status(201, _out(filed, caller))


@router.get(
    "/requests/{ref}",
    response={200: RequestWithTasks, **problems(404)},
    openapi_extra=problem_types({404: ["request-not-found"]}),
    auth=ApiKeyAuth("requests:read"),
    summary="A request's kind, status and deadline, and its systems' parts",
)
def request_get(request, ref: RequestRef):
    found = _by_reference(request.auth, ref)
    audit_call(request, status=200, subject=found.subject, target=found)
    return _with_tasks(found, request.auth, tasks_answered(request.auth, found))


def _with_tasks(request: RightsRequest, caller, tasks) -> RequestWithTasks:
    return RequestWithTasks(**_out(request, caller).model_dump(), tasks=tasks)


def _by_reference(caller, ref: str) -> RightsRequest:
    """The request ``ref`` names, if the client sees it; else 404."""
    match = REFERENCE.fullmatch(ref)
    found = None
    if match:
        found = (
            _visible(caller)
            .annotate(updated_at=Max("events__created_at"))
            .filter(pk=int(match.group(1)))
            .first()
        )
    if found is None:
        raise ApiProblem(404, "request-not-found", "No request of this client's services has it.")
    return found


TIME_WITH_OFFSET = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _with_offset(text: str) -> str:
    """``text`` if it is written as the API reads a time; else what it reads, in words
    (a time without its offset names no moment: 09:00 where?)."""
    if not re.fullmatch(TIME_WITH_OFFSET, text):
        if re.fullmatch(TIME_WITH_OFFSET, re.sub(r" ([0-9]{2}:[0-9]{2})$", r"+\1", text)):
            raise PydanticCustomError(
                "string_pattern_mismatch",
                "The offset's + was read as a space, as a query reads it: send it as %2B "
                "(2026-12-01T09:00:00%2B09:00).",
            )
        raise PydanticCustomError(
            "string_pattern_mismatch",
            "An ISO 8601 date and time with its offset, e.g. 2026-12-01T09:00:00+09:00 "
            "or 2026-12-01T00:00:00Z; without an offset it names no moment.",
        )
    return text


WithOffset = Annotated[
    str,
    AfterValidator(_with_offset),
    WithJsonSchema({"type": "string", "maxLength": 40, "pattern": TIME_WITH_OFFSET}),
]


class ListFilter(Schema):
    status: ApiStatus | None = Field(default=None, description="Only requests in this status.")
    opendsr_status: OpenDsrStatus | None = Field(
        default=None, description="Only requests in this OpenDSR status (docs/api.md)."
    )
    updated_since: WithOffset | None = Field(
        default=None,
        max_length=40,
        description="An ISO 8601 date and time with its offset, e.g. 2026-12-01T09:00:00+09:00.",
    )
    cursor: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[A-Za-z0-9_=-]+$",
        description="The previous page's next_cursor, sent with the same filters.",
    )
    limit: QueryInt = Field(default=50, ge=1, le=PAGE_MAX, description="At most 100 a page.")


def _when(text: str) -> dt.datetime:
    """``text`` in UTC; an offset may carry it past year 1 or 9999: refused as no date."""
    try:
        when = parse_datetime(text)
        if when is not None:
            return when.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        pass
    msg = "Not a date and time that exists, between years 1 and 9999 in UTC."
    raise ApiProblem(
        422,
        "invalid-input",
        "updated_since is not a date and time.",
        errors=[{"loc": ["query", "updated_since"], "msg": msg}],
    )


@router.get(
    "/requests",
    response={200: RequestPage, **problems()},
    openapi_extra=problem_types({422: ["invalid-cursor"]}),
    auth=ApiKeyAuth("requests:read"),
    summary="Requests of this client's services, oldest first, by cursor",
)
def request_list(request, filters: Query[ListFilter]):
    queryset = _visible(request.auth).annotate(updated_at=Max("events__created_at"))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.opendsr_status:
        queryset = queryset.filter(status__in=statuses_for_opendsr(filters.opendsr_status))
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=_when(filters.updated_since))
    rows = list(
        queryset.filter(pk__gt=cursor_pk(filters.cursor))
        .prefetch_related("services")
        .order_by("pk")[: filters.limit + 1]
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    audit_call(request, status=200, details={"count": len(rows)})
    tasks = tasks_answered_by_request(request.auth, rows)
    return RequestPage(
        items=[_with_tasks(row, request.auth, tasks[row.pk]) for row in rows],
        next_cursor=cursor_for(rows[-1].pk) if more else None,
    )


class FulfilmentIn(InputSchema):
    system: int = Field(
        ge=1, le=2**31 - 1, description="The external system's id (admin: External systems)."
    )
    outcome: Literal[tuple(REPORTED)] = Field(
        description="done; not_applicable: the system holds nothing about the customer; "
        "failed: it cannot do it (shown to staff)."
    )
    note: str = Field(
        default="",
        max_length=2000,
        pattern=LINES_OF_TEXT,
        description="What was done; required for not_applicable and failed.",
    )
    kept: list[Literal[tuple(Category.values)]] = Field(
        default_factory=list,
        max_length=len(Category.values),
        description="done on an erasure: the kinds of data in the part's held_back (read "
        "again just before erasing) that your system kept; they are asked for once no "
        "legal hold keeps them. A held kind not listed is recorded as erased.",
    )


class FulfilmentConflict(Problem):
    """409 ``task-settled`` (the part is recorded with another outcome) or
    ``request-closed`` (the request asks nothing more; ``request_status`` names why)."""

    request_status: str | None = Field(
        default=None, description="request-closed: the request's status (e.g. rejected)."
    )


class FulfilmentOut(Schema):
    reference: str
    system: int
    operation: str
    state: str = Field(description="The system's part: pending, done, failed, not_applicable, …")
    status: str
    opendsr_status: str


def _task_for(caller, request: RightsRequest, system_id: int) -> SystemTask:
    system = answered_systems(caller).filter(pk=system_id).first()
    task = None
    if system is not None:
        task = request.system_tasks.filter(system=system).order_by("-pk").first()
    if task is None:
        raise ApiProblem(
            404, "system-not-found", "No system this client answers for has a part in it."
        )
    return task


def _kept_by_hold(task: SystemTask) -> str:
    """What a part settled by a legal hold says to the system reporting on it."""
    task.refresh_from_db()
    if not task.sent_nothing:
        return ""
    return (
        f" A legal hold keeps its data ({', '.join(task.held_back)}): nothing was to be "
        f"erased. If your system erased it all the same, tell the privacy office "
        f"({settings.PRIVACY_OFFICE_EMAIL})."
    )


@router.post(
    "/requests/{ref}/fulfilment",
    response={200: FulfilmentOut, **problems(404, 415), 409: FulfilmentConflict},
    openapi_extra=problem_types(
        {404: ["request-not-found", "system-not-found"], 409: ["task-settled", "request-closed"]}
    ),
    auth=ApiKeyAuth("fulfilment:write"),
    summary="Report that a system of yours has done its part of a request (or why not)",
)
def fulfilment_report(request, ref: RequestRef, payload: FulfilmentIn):
    found = _by_reference(request.auth, ref)
    task = _task_for(request.auth, found, payload.system)
    if payload.outcome != "done" and not payload.note.strip():
        raise ApiProblem(
            422,
            "invalid-input",
            "Say why in the note.",
            errors=[{"loc": ["body", "note"], "msg": "Required for not_applicable and failed."}],
        )
    details = {"system": payload.system, "reported": payload.outcome}
    try:
        changed = system_report(
            task=task, outcome=payload.outcome, note=payload.note, kept=payload.kept
        )
    except RequestClosed as closed:
        raise ApiProblem(
            409,
            "request-closed",
            f"{found.reference} is {closed.status}: it asks nothing more of this system, "
            "and nothing was recorded. If your system has changed the data all the same, "
            "tell the privacy office.",
            members={"request_status": closed.status},
            audited={
                "subject": found.subject,
                "target": found,
                "details": {**details, "request_status": closed.status},
            },
        ) from closed
    except ReportConflict as conflict:
        raise ApiProblem(
            409,
            "task-settled",
            f"This system's part is already recorded as {conflict.state}." + _kept_by_hold(task),
            audited={"subject": found.subject, "target": found, "details": details},
        ) from conflict
    details["changed"] = changed
    audit_call(request, status=200, subject=found.subject, target=found, details=details)
    task.refresh_from_db()
    found.refresh_from_db()
    return FulfilmentOut(
        reference=found.reference,
        system=payload.system,
        operation=task.operation,
        state=task.state,
        status=found.status,
        opendsr_status=OPENDSR_STATUS[found.status],
    )
