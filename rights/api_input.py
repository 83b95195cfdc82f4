"""What the API's POST /requests body must be, and its check by the customer's forms.

A body is read as the customer's own form for its kind reads its fields
(``rights.forms.FORMS``): a field the kind does not take is refused by name,
not dropped; a service is named by its code, one of the client's and the
customer's; the form's own rules then decide, and their messages are answered
at the field of the body they concern.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Literal

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from ninja import Field, Schema

from portal.kernel.api.problems import LINES_OF_TEXT, PLAIN_TEXT, ApiProblem, InputSchema
from portal.kernel.models import Service

from .choices import DeliveryMethod, Regime
from .forms import FORMS
from .service_choice import customer_services

# Corrections carry the new value of a customer's data: they are filed in the portal.
ApiKind = Literal["disclosure", "stop_use", "stop_provision", "deletion", "purpose_notice"]
ApiRegime = Literal[tuple(Regime.values)]
# ASCII digits only: a request has one reference, not one per script's digits.
REFERENCE = re.compile(r"R-([0-9]{1,12})")

Code = Annotated[str, Field(min_length=1, max_length=50, pattern=PLAIN_TEXT)]
SubjectRef = Annotated[str, Field(min_length=1, max_length=254, pattern=PLAIN_TEXT)]
Reference = Annotated[str, Field(pattern=f"^{REFERENCE.pattern}$", examples=["R-12"])]


class ScopeIn(InputSchema):
    everything: bool = False
    purposes: list[Code] = Field(default_factory=list, max_length=50)
    recipients: list[int] = Field(default_factory=list, max_length=50)


class RequestIn(InputSchema):
    subject: SubjectRef = Field(
        description="The customer's e-mail address, or member number with a service of yours."
    )
    kind: ApiKind
    regime: ApiRegime | None = None
    services: list[Code] = Field(default_factory=list, max_length=50)
    categories: list[Code] = Field(default_factory=list, max_length=50)
    scope: ScopeIn = Field(default_factory=ScopeIn)
    delivery_method: Literal[tuple(DeliveryMethod.values)] = DeliveryMethod.ELECTRONIC
    details: str = Field(default="", max_length=4000, pattern=LINES_OF_TEXT)
    identity_verification: Literal["verified", "unverified"] = Field(
        description="verified: you checked who the customer is; unverified: the portal asks."
    )
    idempotency_key: str = Field(min_length=1, max_length=100, pattern=PLAIN_TEXT)
    beside: list[Reference] = Field(
        default_factory=list,
        max_length=50,
        description="Open requests of the same kind and scope (a 409's duplicates) to file "
        "this one beside; a reference that is no open duplicate confirms nothing.",
    )


def _form_data(payload: RequestIn, services) -> dict:
    """The payload as the customer's form for the kind reads it."""
    return {
        "services": [str(s.pk) for s in services],
        "categories": payload.categories,
        "delivery_method": payload.delivery_method,
        "everything": payload.scope.everything,
        "purposes": payload.scope.purposes,
        "recipients": [str(r) for r in payload.scope.recipients],
        "details": payload.details,
    }


#: The body's fields a kind's form may or may not take: (where it is sent, the form field).
KIND_FIELDS = (
    (("services",), "services"),
    (("categories",), "categories"),
    (("delivery_method",), "delivery_method"),
    (("scope", "everything"), "everything"),
    (("scope", "purposes"), "purposes"),
    (("scope", "recipients"), "recipients"),
)


def _sent(payload: Schema, path: tuple[str, ...]) -> bool:
    """Whether the body asks something at ``path``: the field was sent, with a value
    other than an empty list or false (a delivery method is a value whatever it is)."""
    holder = payload
    for name in path:
        if name not in holder.model_fields_set:
            return False
        holder = getattr(holder, name)
    return holder not in (False, None, "", [])


def _refuse_fields_not_taken(payload: RequestIn) -> None:
    """422 naming each field the kind's form does not take, rather than dropping it."""
    fields = FORMS[payload.kind].base_fields
    errors = [
        {
            "loc": ["body", *path],
            "msg": str(_("A request of this kind does not take this field.")),
        }
        for path, field in KIND_FIELDS
        if field not in fields and _sent(payload, path)
    ]
    if errors:
        raise ApiProblem(
            422,
            "invalid-input",
            f"A {payload.kind} request does not take "
            + ", ".join(".".join(error["loc"][1:]) for error in errors)
            + ".",
            errors=errors,
        )


def _sent_as(form_field: str) -> list[str]:
    """Where the body carries a form field (``everything``: ``body.scope.everything``)."""
    if form_field == NON_FIELD_ERRORS:
        return ["body"]
    for path, field in KIND_FIELDS:
        if field == form_field:
            return ["body", *path]
    return ["body", form_field]


def _refuse_services_not_held(codes: list[str], services: list[Service], subject) -> None:
    """422 naming each service code sent that is unknown, or not one of the customer's
    (the form would name the service by its database id)."""
    known = {service.code for service in services}
    held = set(
        customer_services(subject)
        .filter(pk__in=[s.pk for s in services])
        .values_list("code", flat=True)
    )
    errors = []
    for code in dict.fromkeys(codes):
        if code not in known:
            message = _("No service has the code %(code)s.")
        elif code not in held:
            message = _("The customer is not registered with the service %(code)s.")
        else:
            continue
        errors.append({"loc": ["body", "services"], "msg": message % {"code": code}})
    if errors:
        named = ", ".join(code for code in dict.fromkeys(codes) if code not in held)
        raise ApiProblem(
            422,
            "invalid-input",
            f"Not a service of the customer's: {named}.",
            errors=errors,
        )


def checked_form(payload: RequestIn, subject, caller):
    """The kind's form, bound to the body and valid; else a 422 naming what is wrong."""
    _refuse_fields_not_taken(payload)
    codes = set(payload.services)
    if caller.scope is not None and not codes <= caller.scope:
        raise ApiProblem(
            422, "service-not-allowed", "A service named is not one of this client's services."
        )
    services = list(Service.objects.filter(code__in=codes))
    _refuse_services_not_held(payload.services, services, subject)
    form = FORMS[payload.kind](data=_form_data(payload, services), subject=subject)
    if not form.is_valid():
        errors = [
            {"loc": _sent_as(field), "msg": " ".join(str(m) for m in messages)}
            for field, messages in form.errors.items()
        ]
        raise ApiProblem(422, "invalid-input", "The request is not valid.", errors=errors)
    return form


#: What a page's next_cursor encodes (base64): the last id listed.
CURSOR = re.compile(r"after:([0-9]{1,18})")


def cursor_pk(cursor: str | None) -> int:
    """The id a cursor of :func:`cursor_for` carries; anything else is refused, not read."""
    if not cursor:
        return 0
    try:
        match = CURSOR.fullmatch(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError, binascii.Error):
        match = None
    if match is None:
        raise ApiProblem(422, "invalid-cursor", "The cursor is not one this API gave.")
    return int(match.group(1))


def cursor_for(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode()
