"""The API's permissions: may a customer's data be used for a purpose, given to a recipient?

The answer is the consent app's own (``subjects_allowed_for_use`` and
``subjects_allowed_for_provision``, behind ``may_use`` and ``may_provide``),
read at the moment of asking: a withdrawal or an approved stop changes it at
once. The reason explains that answer: ``consent`` or ``contract`` (a required
purpose) or ``outsourcing`` when allowed; ``restriction`` (a stop in force),
``no_consent``, ``purpose_retired`` or ``not_providable`` (no choice of the
customer's opens it: an inactive recipient, an authority or a successor, or no
purpose of the recipient's the data may go for) when not. ``legal_hold`` says a legal hold keeps the
customer's data from erasure; it never makes a use allowed.

Answers may be cached by the client for ``CACHE_SECONDS`` (``Cache-Control``),
no longer: a stop approved meanwhile applies from the moment it is approved.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema

from portal.kernel.api.app import problem_types, problems
from portal.kernel.api.auth import ApiKeyAuth, audit_call
from portal.kernel.api.problems import IN_ASCII_DIGITS, PLAIN_TEXT, ApiProblem, InputSchema
from portal.kernel.api.subjects import held_subject_ids, subject_find, subjects_find_many

from . import selectors
from .models import Purpose, Recipient

router = Router(tags=["permissions"])

CACHE_SECONDS = 60
PathRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=254,
        pattern=PLAIN_TEXT,
        description="The customer's e-mail address, or their member number with one of "
        "the client's services.",
    ),
]
BATCH_MAX = 1000
#: In the query (``?recipient=3``) or a batch's body.
RecipientId = Annotated[int, Field(ge=1, le=2**31 - 1), IN_ASCII_DIGITS]


class Question(Schema):
    purpose: str | None = Field(
        default=None, max_length=50, pattern=PLAIN_TEXT, description="A purpose's code."
    )
    recipient: RecipientId | None = Field(default=None, description="A recipient id.")


class Answer(Schema):
    subject: str
    found: bool = True
    may_use: bool | None = None
    use_reason: str | None = None
    may_provide: bool | None = None
    provide_reason: str | None = None
    legal_hold: bool | None = None


SubjectRef = Annotated[str, Field(min_length=1, max_length=254, pattern=PLAIN_TEXT)]


class BatchIn(Question, InputSchema):
    subjects: list[SubjectRef] = Field(min_length=1, max_length=BATCH_MAX)


class BatchOut(Schema):
    answers: list[Answer]


def _target(question: Question) -> tuple[Purpose | None, Recipient | None]:
    if question.purpose is None and question.recipient is None:
        raise ApiProblem(422, "question-missing", "Ask about a purpose, a recipient, or both.")
    purpose = recipient = None
    if question.purpose is not None:
        purpose = Purpose.objects.filter(code=question.purpose).first()
        if purpose is None:
            raise ApiProblem(422, "unknown-purpose", "No purpose has this code.")
    if question.recipient is not None:
        recipient = Recipient.objects.filter(pk=question.recipient).first()
        if recipient is None:
            raise ApiProblem(422, "unknown-recipient", "No recipient has this id.")
    return purpose, recipient


def _answers(purpose, recipient, subjects: dict[str, object]) -> dict[str, Answer]:
    """One answer per reference, for all the subjects at once (a few queries in all)."""
    ids = [user.pk for user in subjects.values()]
    held = held_subject_ids(ids)
    answers = {
        ref: Answer(subject=ref, legal_hold=user.pk in held) for ref, user in subjects.items()
    }
    if purpose is not None:
        allowed = set(
            selectors.subjects_allowed_for_use(purpose)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        stopped = selectors.restricted_subject_ids(ids, purpose=purpose)
        for ref, user in subjects.items():
            answer = answers[ref]
            answer.may_use = user.pk in allowed
            if answer.may_use:
                answer.use_reason = "contract" if purpose.is_required else "consent"
            elif not purpose.is_active:
                answer.use_reason = "purpose_retired"
            else:
                answer.use_reason = "restriction" if user.pk in stopped else "no_consent"
    if recipient is not None:
        allowed = set(
            selectors.subjects_allowed_for_provision(recipient, purpose=purpose)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        # Refused by a stop: of provision to it, or of use for each purpose it could
        # receive the data for (a stop of "marketing" stops its marketing partners).
        stopped = selectors.restricted_subject_ids(ids, recipient=recipient)
        carrying = selectors.provision_purposes(recipient, purpose=purpose)
        for item in carrying:
            stopped |= selectors.restricted_subject_ids(ids, purpose=item)
        # No choice of the customer's opens these: an inactive recipient, an authority
        # or a successor, or no purpose of the recipient's that the data may go for.
        closed = (
            not recipient.is_active
            or recipient.kind in (Recipient.Kind.PUBLIC_AUTHORITY, Recipient.Kind.SUCCESSOR)
            or not carrying
        )
        for ref, user in subjects.items():
            answer = answers[ref]
            answer.may_provide = user.pk in allowed
            if answer.may_provide:
                answer.provide_reason = "consent" if recipient.needs_consent else "outsourcing"
            elif closed:
                answer.provide_reason = "not_providable"
            else:
                answer.provide_reason = "restriction" if user.pk in stopped else "no_consent"
    return answers


def _cacheable(response: HttpResponse) -> None:
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"


@router.get(
    "/subjects/{ref}/permissions",
    response={200: Answer, **problems(404)},
    openapi_extra=problem_types(
        {
            404: ["subject-not-found"],
            422: ["question-missing", "unknown-purpose", "unknown-recipient"],
        }
    ),
    auth=ApiKeyAuth("consent:read"),
    summary="May this customer's data be used for a purpose, provided to a recipient?",
)
def permissions(request, ref: PathRef, question: Query[Question], response: HttpResponse):
    purpose, recipient = _target(question)
    subject = subject_find(request.auth, ref)
    answer = _answers(purpose, recipient, {ref: subject})[ref]
    _cacheable(response)
    audit_call(
        request,
        status=200,
        subject=subject,
        details={"purpose": question.purpose, "recipient": question.recipient},
    )
    return answer


@router.post(
    "/permissions/batch",
    response={200: BatchOut, **problems(415)},
    openapi_extra=problem_types(
        {422: ["question-missing", "unknown-purpose", "unknown-recipient"]}
    ),
    auth=ApiKeyAuth("consent:read"),
    summary="The same question for up to 1,000 customers",
)
def permissions_batch(request, payload: BatchIn, response: HttpResponse):
    purpose, recipient = _target(payload)
    found = subjects_find_many(request.auth, payload.subjects)
    answers = _answers(purpose, recipient, found)
    _cacheable(response)
    audit_call(
        request,
        status=200,
        details={
            "purpose": payload.purpose,
            "recipient": payload.recipient,
            "subjects": len(payload.subjects),
            "found": len(found),
        },
    )
    # Each answer names its subject as sent (the lookup strips the spaces).
    missing = Answer(subject="", found=False)
    return BatchOut(
        answers=[
            (answers.get(ref.strip()) or missing).model_copy(update={"subject": ref})
            for ref in payload.subjects
        ]
    )
