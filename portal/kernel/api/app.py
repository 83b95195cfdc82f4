"""The API object: routers from the apps, problem details, the OpenAPI document.

``build_api(routers)`` is called once by the wiring (``portal/urls.py``) with
each app's router (``rights.api``, ``consent.api``); this module adds the
kernel's own (the client's callback). The OpenAPI 3 document is generated from
the code at ``/api/v1/openapi.json``; the interactive docs at
``/api/v1/docs`` open only for staff logged in to the admin (with their
second factor). Every error is a problem detail, documented as
``application/problem+json`` in the OpenAPI document; so are ninja's own 405,
every address under ``/api/`` that is no endpoint (``not_found_urls``) and
Django's own 400 and 500 under ``/api/`` (``bad_request``, ``server_error``,
the project's ``handler400`` and ``handler500``).
"""

from __future__ import annotations

from functools import partial, wraps

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.views import openapi_view

from . import callbacks
from .auth import ApiKeyAuth, audit_call
from .problems import (
    API_PREFIX,
    PROBLEM_CONTENT_TYPE,
    TITLES,
    ApiProblem,
    InputSchema,
    JsonParser,
    Problem,
    as_problem,
    body_too_large,
    method_not_allowed,
    problem_body,
    problem_response,
    refusing_unknown_query,
)

DESCRIPTION = """The Rights Portal's API for the company's own systems: file requests,
follow their status, ask whether a customer's data may be used or provided,
and receive signed callbacks. Authenticate with `Authorization: Bearer <key>`;
errors are RFC 9457 problem details. See docs/api.md."""

#: The problems every authenticated endpoint may answer besides its own.
COMMON_PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 422: Problem, 429: Problem}


#: The problem types (docs/api.md, Errors) a status may carry on every endpoint, and
#: what the integrator does about them; an endpoint adds its own (``problem_types``).
PROBLEM_TYPES = {
    400: (
        ["cookies-refused", "unreadable-text", "bad-request"],
        "The detail says what was refused.",
    ),
    401: (
        ["not-authenticated", "key-refused"],
        "Send 'Authorization: Bearer <key>'; key-refused says whether the key is "
        "revoked, expired or its client inactive, and gives the address of the privacy "
        "office, which makes keys, to ask for a new one.",
    ),
    403: (["scope-missing"], "The detail names the scope the client needs."),
    413: (["body-too-large"], "The body is over 2.5 MB."),
    415: (
        ["unsupported-media-type"],
        "Send the body in UTF-8 with 'Content-Type: application/json' (no other charset).",
    ),
    422: (
        ["invalid-input"],
        "The detail says what to change; invalid-input's 'errors' name each field "
        "refused ('loc') and why ('msg').",
    ),
    429: (["rate-limited"], "Call again after the seconds in 'Retry-After'."),
}
#: What a body may be refused as before any endpoint reads it.
BODY_PROBLEMS = {400: ["unreadable-body"], 413: [], 415: []}
#: The headers a refusal is always sent with (portal.kernel.api.auth).
PROBLEM_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": 'Bearer, with error="invalid_token" for a known key refused.',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the key's next one-minute window.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 60},
        }
    },
}
PROBLEM_TYPES_KEY = "x-problem-types"


def problems(*statuses: int) -> dict:
    """The responses of an endpoint: the common problems and ``statuses``."""
    return {**COMMON_PROBLEMS, **dict.fromkeys(statuses, Problem)}


def problem_types(types: dict[int, list[str]]) -> dict:
    """``openapi_extra`` naming an endpoint's own problem types per status, e.g.
    ``problem_types({404: ["request-not-found"]})``: the OpenAPI document lists them
    with the common ones in the answer's description."""
    return {"responses": {status: {PROBLEM_TYPES_KEY: codes} for status, codes in types.items()}}


def _describe_problems(operation: dict) -> None:
    """Each refusal's description names its problem types; an operation taking a body
    declares the refusals of a body too (413 before any endpoint reads it)."""
    responses = operation.get("responses", {})
    if "requestBody" in operation:
        problem = next(
            (r for status, r in responses.items() if int(status) >= 400 and "content" in r), None
        )
        for status in BODY_PROBLEMS:
            if status not in responses and problem is not None:
                responses[status] = {"content": problem["content"]}
    for status, response in responses.items():
        code = int(status)
        if code < 400:
            continue
        common, advice = PROBLEM_TYPES.get(code, ([], ""))
        body = BODY_PROBLEMS.get(code, []) if "requestBody" in operation else []
        codes = [*common, *body, *response.get(PROBLEM_TYPES_KEY, [])]
        response[PROBLEM_TYPES_KEY] = codes
        named = ", ".join(f"`{code}`" for code in codes)
        response["description"] = f"{TITLES[code]}: {named}. {advice}".strip()
        if code in PROBLEM_HEADERS:
            response["headers"] = PROBLEM_HEADERS[code]


def _as_problem_if_refused(response, request: HttpRequest):
    if isinstance(response, HttpResponseNotAllowed):
        allowed = [method.strip() for method in response["Allow"].split(",")]
        return method_not_allowed(request.method, allowed)
    return response


def _methods_refused_as_problems(view):
    """``view`` answering a method none of its operations takes as a problem detail.

    ninja answers it itself, outside its exception handlers: a plain-text 405
    (``PathView._not_allowed``), ``Allow`` naming the operations' methods. HEAD
    and OPTIONS are such methods too, as no operation declares them.
    """
    if iscoroutinefunction(view):

        async def async_wrapped(request, *args, **kwargs):
            return _as_problem_if_refused(await view(request, *args, **kwargs), request)

        return markcoroutinefunction(wraps(view)(async_wrapped))

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return _as_problem_if_refused(view(request, *args, **kwargs), request)

    return wrapped


class PortalApi(NinjaAPI):
    """NinjaAPI whose errors are problem details, in the document too."""

    @property
    def urls(self):
        """ninja's addresses, each answering its refusals as problem details.

        None is checked for CSRF: the API refuses cookies (``cookies-refused``),
        so there is nothing to forge, and the CSRF middleware would refuse a
        POST without its cookie with the site's HTML 403 before any endpoint.
        The OpenAPI document is read only (GET, HEAD). ninja's home address
        (the API's root, which ninja reverses to place the document's paths)
        is, with no public docs, a bare Http404 answered by the site's HTML
        page: it is answered as every address that is no endpoint.
        """
        patterns, app_name, namespace = super().urls
        answering = []
        for pattern in patterns:
            view = pattern.callback
            if pattern.name == "api-root":
                view = _no_endpoint
            elif pattern.name == "openapi-json":
                view = require_safe(view)
            view = csrf_exempt(_methods_refused_as_problems(view))
            answering.append(URLPattern(pattern.pattern, view, pattern.default_args, pattern.name))
        return answering, app_name, namespace

    def create_response(self, request: HttpRequest, data, **kwargs):
        """Every answer ``no-store``: it carries a customer's data, and a call has no
        session for ``LoggedInNoStoreMiddleware`` to see. An endpoint that says how
        long its answer may be reused (the permissions) keeps its own header."""
        response = super().create_response(request, data, **kwargs)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
                _describe_problems(operation)
        return schema


def _problem_response(api: NinjaAPI, request: HttpRequest, exc: Exception):
    problem = as_problem(exc)
    body = problem_body(
        problem.status_code, problem.code, problem.detail, problem.errors, problem.members
    )
    response = api.create_response(request, body, status=problem.status_code)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    for name, value in problem.headers.items():
        response[name] = value
    audit_call(request, status=problem.status_code, **problem.audited)
    return response


# --- the kernel's router: a client's own callback ---------------------------------

router = Router(tags=["callbacks"])


class CallbackIn(InputSchema):
    url: str | None = Field(
        max_length=200,
        # A scheme is case-insensitive, as the admin's field takes it (RFC 3986, 3.1).
        pattern=r"^([hH][tT][tT][pP][sS]?://|$)",
        description="https:// only; null or an empty string removes the callback.",
    )


class CallbackOut(Schema):
    url: str
    #: Shown once, when the client had no secret yet.
    signing_secret: str | None = None


@router.put(
    "/callback",
    response={200: CallbackOut, **problems(415)},
    openapi_extra=problem_types({422: ["invalid-callback-url"]}),
    auth=ApiKeyAuth(),
    summary="Register (or, with null, remove) the HTTPS endpoint of this client's callbacks",
)
def callback_put(request, payload: CallbackIn):
    if not payload.url:
        callbacks.callback_remove(client=request.auth.client)
        audit_call(request, status=200)
        return CallbackOut(url="")
    try:
        # The problem details' own texts are English (docs/api.md).
        with translation.override("en"):
            secret = callbacks.callback_register(client=request.auth.client, url=payload.url)
    except ValidationError as exc:
        raise ApiProblem(422, "invalid-callback-url", " ".join(exc.messages)) from exc
    audit_call(request, status=200)
    return CallbackOut(url=payload.url, signing_secret=secret)


@router.get(
    "/callback",
    response={200: CallbackOut, **problems()},
    auth=ApiKeyAuth(),
    summary="The endpoint that receives this client's callbacks",
)
def callback_get(request):
    audit_call(request, status=200)
    return CallbackOut(url=request.auth.client.callback_url)


def build_api(routers: list[Router]) -> PortalApi:
    """The API with the kernel's router and the apps' ``routers``."""
    api = PortalApi(
        title="Rights Portal API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        docs_url=None,
        parser=JsonParser(),
    )
    for handled in (Exception, Http404, HttpError, NinjaValidationError):
        api.add_exception_handler(handled, partial(_problem_response, api))
    # ninja's "operation" mode wraps each endpoint's function, after its checks.
    api.add_decorator(refusing_unknown_query, mode="operation")
    api.add_router("", router)
    for app_router in routers:
        api.add_router("", app_router)
    return api


def docs_urls(api: PortalApi) -> list:
    """The interactive docs, for staff logged in to the admin only."""
    view = admin.site.admin_view(partial(openapi_view, api=api))
    return [path("docs", view, name="api-docs")]


@csrf_exempt
def _no_endpoint(request: HttpRequest, *args, **kwargs):
    return problem_response(404, "not-found", "No endpoint has this address.")


def not_found_urls() -> list:
    """Every other address under ``/api/``: a problem detail, not the site's HTML 404.

    Included after the API's own addresses, so it answers only what none of them does.
    """
    return [re_path(r"", _no_endpoint, name="api-not-found")]


def bad_request(request: HttpRequest, exception: Exception):
    """Django's answer (``handler400``) to a request it refuses before any view reads
    it, a middleware reading the query or a form: under ``/api/`` a problem detail."""
    if not request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        problem = body_too_large()
        return problem_response(problem.status_code, problem.code, problem.detail)
    return problem_response(
        400,
        "bad-request",
        "The request cannot be read: a host the portal does not serve, too many "
        "parameters or a malformed form.",
    )


def server_error(request: HttpRequest):
    """Django's answer (``handler500``) to an error of the portal, logged with the
    request's id: under ``/api/`` a problem detail naming the id, never the error."""
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    request_id = getattr(request, "request_id", None) or "-"
    return problem_response(
        500,
        "server-error",
        f"The portal could not answer; the error is logged as request {request_id}.",
    )
