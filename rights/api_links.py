"""OpenAPI links of the requests API: from a filed request (its ``reference``) to the
operations that take it, so that a client generated from the document, and
Schemathesis' stateful phase, can follow a request from filing to reading it."""

_BY_REFERENCE = {"ref": "$response.body#/reference"}

FILED_REQUEST_LINKS = {
    "GetRequest": {
        "operationId": "rights_api_request_get",
        "parameters": _BY_REFERENCE,
        "description": "The request just filed (or filed before under the same key).",
    },
    "ReportFulfilment": {
        "operationId": "rights_api_fulfilment_report",
        "parameters": _BY_REFERENCE,
        "description": "Report a system's part of the request.",
    },
}


def with_filed_request_links(extra: dict) -> dict:
    """``extra`` (an operation's ``openapi_extra``) with the links on 200 and 201."""
    responses = dict(extra.get("responses", {}))
    for status in (200, 201):
        responses[status] = {**responses.get(status, {}), "links": FILED_REQUEST_LINKS}
    return {**extra, "responses": responses}
