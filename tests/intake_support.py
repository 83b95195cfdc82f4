"""Filing a customer request the way the portal asks: the form, the review page, then file."""

from __future__ import annotations

from html.parser import HTMLParser


class _ReviewForm(HTMLParser):
    """The hidden inputs of the form that holds the "file" button."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[list[tuple[str, str]], bool]] = []
        self._inputs: list[tuple[str, str]] | None = None
        self._has_file = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inputs, self._has_file = [], False
        elif self._inputs is not None and tag == "input" and attrs.get("type") == "hidden":
            self._inputs.append((attrs.get("name") or "", attrs.get("value") or ""))
        elif self._inputs is not None and tag == "button" and attrs.get("value") == "file":
            self._has_file = True

    def handle_endtag(self, tag):
        if tag == "form" and self._inputs is not None:
            self.forms.append((self._inputs, self._has_file))
            self._inputs = None


def review_fields(html: str) -> dict[str, list[str]]:
    """The hidden fields the review page posts back with "File this request"."""
    parser = _ReviewForm()
    parser.feed(html)
    found = [inputs for inputs, has_file in parser.forms if has_file]
    assert len(found) == 1, "no review form with a 'File this request' button"
    fields: dict[str, list[str]] = {}
    for name, value in found[0]:
        fields.setdefault(name, []).append(value)
    return fields


def is_review(response) -> bool:
    return "rights/request_review.html" in [t.name for t in response.templates]


def file_through_review(client, url: str, data: dict, *, files: dict | None = None):
    """POST the form, check that the review page came back and filed nothing, then
    press "File this request" with what the review page carries (and ``files``,
    which only the review page asks for). Returns the last response."""
    from rights.models import RightsRequest

    before = RightsRequest.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    assert is_review(response), "the form did not lead to the review page"
    assert RightsRequest.objects.count() == before
    fields = review_fields(response.content.decode())
    return client.post(url, {**fields, **(files or {}), "step": "file"})


def file_from_review(client, url: str, review, *, files: dict | None = None):
    """Press "File this request" on the review page ``review`` (a response)."""
    fields = review_fields(review.content.decode())
    return client.post(url, {**fields, **(files or {}), "step": "file"})
