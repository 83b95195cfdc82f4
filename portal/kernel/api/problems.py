"""Errors as RFC 9457 problem details (``application/problem+json``).

Every refusal of the API, whether raised by an endpoint (:class:`ApiProblem`),
by authentication, by django-ninja's validation or by a missing object, is
answered as ``{"type", "title", "status", "detail"}`` and, for invalid input,
``errors``: where and what; an endpoint may add members of its own (RFC 9457,
3.2), declared by a :class:`Problem` subclass in its responses. The type is a
URI under ``PROBLEM_BASE``; docs/api.md lists them.
"""

from __future__ import annotations

import json
import logging
import re
from functools import wraps
from typing import Annotated

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, RawPostDataException
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

logger = logging.getLogger(__name__)

PROBLEM_BASE = "https://rights-portal.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
#: The name every endpoint gives its JSON body parameter.
BODY_PARAMETER = "payload"
#: Text fields and path parameters: no control characters (PostgreSQL refuses NUL).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
#: Text of several lines (a note): tab, line feed and carriage return besides.
LINES_OF_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: pydantic's message for a field a schema does not have (``extra="forbid"``).
EXTRA_FORBIDDEN = "Extra inputs are not permitted"
GIVEN_TWICE = "Given more than once; it takes one value."

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


class InputSchema(Schema):
    """What a caller sends: a field the schema does not have is refused (422 naming
    it, ``extra_forbidden``), never dropped, so a misspelt field cannot silently
    widen what is asked (``service`` for ``services``: every service). A value of
    another JSON type than its field's is refused too (``strict``): ``true``,
    ``"1"`` and ``1.0`` are not the integer 1, and a caller sending them has
    its JSON wrong, which it hears rather than being answered for 1."""

    model_config = ConfigDict(extra="forbid", strict=True)


ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def _in_ascii_digits(value):
    """A query parameter's text, which pydantic would read as an integer from
    ``+5``, ``5.0``, `` 5`` or ``5_0`` too: only ASCII digits are a number."""
    if isinstance(value, str) and not ASCII_DIGITS.fullmatch(value):
        # Not a ValueError: pydantic would prefix its message with "Value error, ".
        raise PydanticCustomError(
            "ascii_digits", "Write the number in ASCII digits (0-9), at most 10 of them."
        )
    return value


#: Placed after an integer's bounds (``Annotated[int, Field(ge=1), IN_ASCII_DIGITS]``):
#: before them, the OpenAPI document would show them as no integer's (``ge``, not
#: ``minimum``).
IN_ASCII_DIGITS = BeforeValidator(_in_ascii_digits)
#: An integer in a query: its text in ASCII digits, as :class:`InputSchema` takes
#: only a JSON integer.
QueryInt = Annotated[int, IN_ASCII_DIGITS]


def refusing_unknown_query(view_func):
    """``view_func`` refusing a query parameter its endpoint does not declare, as
    :class:`InputSchema` refuses a body field: ninja reads only the declared ones
    and drops the rest, so ``?update_since=`` (for ``updated_since``) would list
    every request. A declared one given more than once is refused too. Applied to
    every endpoint (``api.add_decorator``), after the key and the declared
    parameters are checked."""
    declared = {
        name
        for model in view_func._ninja_operation.models
        if model.__ninja_param_source__ == "query"
        for name in model.__ninja_flatten_map__
    }

    @wraps(view_func)
    def checked(request, *args, **kwargs):
        unknown = sorted(set(request.GET) - declared)
        # ninja reads the last of a repeated parameter; no endpoint takes a list in its
        # query, so ?purpose=marketing&purpose=billing would be answered for billing.
        repeated = sorted(name for name in declared if len(request.GET.getlist(name)) > 1)
        if unknown or repeated:
            raise ValidationError(
                [{"loc": ("query", name), "msg": EXTRA_FORBIDDEN} for name in unknown]
                + [{"loc": ("query", name), "msg": GIVEN_TWICE} for name in repeated]
            )
        return view_func(request, *args, **kwargs)

    return checked


class Problem(Schema):
    """An RFC 9457 problem detail."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


class ApiProblem(HttpError):
    """Raise to answer a problem: ``ApiProblem(404, "not-found", "No such request.")``.

    ``members``: the endpoint's own members of the problem, beside the standard ones.
    ``audited``: what the refused call's audit event names besides the outcome
    (``audit_call``'s ``subject``, ``target`` and ``details``), as a call answered
    200 names its subject: whose request was refused, and why.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict] | None = None,
        headers: dict | None = None,
        members: dict | None = None,
        audited: dict | None = None,
    ):
        super().__init__(status_code=status, message=detail)
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.members = members or {}
        self.audited = audited or {}


class UnreadableBody(ValueError):
    """The request's body is not JSON (or not UTF-8)."""


class NotJson(ValueError):
    """The request's body is declared as something other than JSON, or not at all."""


#: ``application/json`` and the JSON-based types (``application/merge-patch+json``);
#: parameters such as ``charset=utf-8`` are Django's, not the type's.
JSON_MEDIA_TYPE = re.compile(r"application/(?:[a-z0-9.!#$&^_-]+\+)?json", re.IGNORECASE)


class NotUtf8(NotJson):
    """The body is declared in another character set than UTF-8 (``charset=latin-1``)."""

    def __init__(self, charset: str):
        super().__init__(charset)
        self.charset = charset


def declared_charset_refused(content_params: dict) -> str | None:
    """The charset a body is declared in when it is not UTF-8, else None.

    JSON is read in UTF-8 only (RFC 8259 §8.1): a body in Latin-1 or Shift_JIS read
    as UTF-8 is refused as unreadable, or, its bytes happening to be UTF-8, read as
    other characters (``Ã©`` as ``é``); neither is what its sender wrote.
    """
    charset = content_params.get("charset")
    if charset is None or charset.strip().strip('"').lower() in ("utf-8", "utf8"):
        return None
    return charset


def utf8_text(body: bytes) -> str:
    """A JSON body's text, read as UTF-8 (a leading byte order mark is passed over);
    UnicodeDecodeError (a ValueError) when it is not UTF-8. Not ``json.loads(bytes)``,
    which guesses UTF-16 and UTF-32 from the bytes and reads them too."""
    return body.decode("utf-8-sig")


def charset_refusal_text(charset: str) -> str:
    return (
        f"The body is declared as charset={charset}; JSON is read in UTF-8 only. "
        "Send it in UTF-8, with 'Content-Type: application/json' "
        "(or 'application/json; charset=utf-8')."
    )


class NameTwice(ValueError):
    """A JSON object names a member twice: readers keep one value or the other."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _unique_names(pairs: list[tuple[str, object]]) -> dict:
    read = dict(pairs)
    if len(read) < len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise NameTwice(name)
            seen.add(name)
    return read


class JsonParser(Parser):
    """ninja's JSON parser, whose failure the problem details can tell from others:
    ninja answers any parser error as a bare 400, keeping the error as its cause.
    An object naming a member twice is refused, not read as its last value. A body
    declared as another type (a form, plain text) or as none is not read as JSON:
    its sender may mean something else by it, and reading it anyway hides the
    mistake until another server refuses it."""

    def parse_body(self, request):
        if not JSON_MEDIA_TYPE.fullmatch(request.content_type or ""):
            raise NotJson(request.content_type or "")
        charset = declared_charset_refused(request.content_params)
        if charset is not None:
            raise NotUtf8(charset)
        try:
            return json.loads(utf8_text(request.body), object_pairs_hook=_unique_names)
        # RecursionError: arrays or objects nested deeper than the parser follows.
        except (ValueError, RecursionError) as error:
            raise UnreadableBody(str(error)) from error


def problem_body(
    status: int,
    code: str,
    detail: str,
    errors: list[dict] | None = None,
    members: dict | None = None,
) -> dict:
    body = {
        **(members or {}),
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    status: int, code: str, detail: str, *, headers: dict | None = None
) -> HttpResponse:
    """A problem answered outside django-ninja (by a middleware, or for an unknown path)."""
    return HttpResponse(
        json.dumps(problem_body(status, code, detail)),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def method_not_allowed(method: str, allowed: list[str]) -> HttpResponse:
    """405 for a method the address's endpoints do not take, ``Allow`` naming those they do."""
    methods = ", ".join(sorted(allowed))
    return problem_response(
        405,
        "method-not-allowed",
        f"This endpoint does not take {method}; it takes {methods}.",
        headers={"Allow": methods},
    )


def body_too_large() -> ApiProblem:
    """Django refuses to read a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (``RequestDataTooBig``)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return ApiProblem(413, "body-too-large", f"The body is larger than {limit:,} bytes.")


def _sent_as(loc) -> list[str]:
    """A validation error's location as the caller sent it: ninja puts the name of the
    endpoint's body parameter after ``body`` (``body.payload.scope``), which is ours,
    not the caller's (``body.scope``, as the endpoints' own errors say)."""
    parts = [str(part) for part in loc]
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == BODY_PARAMETER:
        del parts[1]
    return parts


def as_problem(exc: Exception) -> ApiProblem:
    """Any exception an endpoint or ninja raised, as the problem it is answered with."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, AuthenticationError):
        return ApiProblem(
            401,
            "not-authenticated",
            "Send a valid API key as 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if isinstance(exc, ValidationError):
        errors = [
            {"loc": _sent_as(error.get("loc", ())), "msg": str(error.get("msg", ""))}
            for error in exc.errors
        ]
        return ApiProblem(422, "invalid-input", "The input is not valid.", errors=errors)
    if isinstance(exc, Http404):
        return ApiProblem(404, "not-found", "Not found.")
    if isinstance(exc, RequestDataTooBig):
        return body_too_large()
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, NotUtf8):
        return ApiProblem(
            415, "unsupported-media-type", charset_refusal_text(exc.__cause__.charset)
        )
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, NotJson):
        return ApiProblem(
            415,
            "unsupported-media-type",
            "Send the body as JSON, with 'Content-Type: application/json'.",
        )
    # Django read a form body (multipart) before the endpoint: the body is gone.
    if isinstance(exc, RawPostDataException) or (
        isinstance(exc, HttpError) and isinstance(exc.__cause__, UnreadableBody)
    ):
        twice = getattr(exc.__cause__, "__cause__", None)
        if isinstance(twice, NameTwice):
            return ApiProblem(
                400, "unreadable-body", f"The body names {twice.name!r} more than once."
            )
        return ApiProblem(400, "unreadable-body", "The body is not valid JSON.")
    if isinstance(exc, HttpError):
        return ApiProblem(exc.status_code, "http-error", str(exc))
    raise exc
