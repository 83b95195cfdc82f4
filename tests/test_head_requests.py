"""HEAD requests through the WSGI application, as gunicorn calls it."""

import io
import wsgiref.util

import pytest
from django.core.handlers.wsgi import WSGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _call(method: str, path: str) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
    }
    wsgiref.util.setup_testing_defaults(environ)
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    result = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return started["status"], started["headers"], body


@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/"])
def test_a_head_request_gets_the_headers_of_a_get_and_no_body(path):
    """Django's WSGI handler sent a HEAD response's body (only runserver and the test
    client drop it); gunicorn dropped it and logged a WARNING "WSGI app sent body bytes
    on a no-body response (method=HEAD ...)" for each, e.g. every `curl -I /healthz`
    of a monitor."""
    get_status, get_headers, get_body = _call("GET", path)
    head_status, head_headers, head_body = _call("HEAD", path)
    assert get_body
    assert head_status == get_status
    assert head_body == b""
    assert head_headers["Content-Type"] == get_headers["Content-Type"]
