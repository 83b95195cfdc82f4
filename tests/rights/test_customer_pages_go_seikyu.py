"""The customer's own request pages call the request 「ご請求」 in Japanese, as the
notices and the rest of the customer's text do; 「請求」 alone is the staff's word.

The verb stays as it is on buttons (「この内容で請求する」), and billing keeps its
own words (「料金の請求」, 「請求書」, 「取引・請求」).
"""

import re

import pytest

from rights.models import RightsRequest
from tests.intake_support import review_fields

pytestmark = pytest.mark.django_db

PLAIN = re.compile(r"(?<!ご)(?<!・)(?<!料金の)請求(?!書|する|及び)")
MAIN = re.compile(r"<main\b.*?</main>", re.S)
TAGS = re.compile(r"<[^>]+>")


def _plain_words(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    text = " ".join(TAGS.sub(" ", MAIN.search(response.content.decode()).group(0)).split())
    return [text[max(0, m.start() - 15) : m.end() + 10] for m in PLAIN.finditer(text)]


@pytest.mark.parametrize("kind", ["disclosure", "stop_use"])
def test_the_request_pages_say_go_seikyu(stepped_up_client, customer, kind):
    client = stepped_up_client
    found = {}
    found["choice"] = _plain_words(client.get("/requests/new/"))
    url = f"/requests/new/{kind}/"
    found["form"] = _plain_words(client.get(url))
    data = (
        {"delivery_method": "electronic"}
        if kind == "disclosure"
        else {"purposes": ["marketing"], "details": "理由"}
    )
    review = client.post(url, {**data, "step": "review"})
    found["review"] = _plain_words(review)
    filed = client.post(url, {**review_fields(review.content.decode()), "step": "file"})
    assert filed.status_code == 302, filed.status_code
    request = RightsRequest.objects.get(subject=customer)
    found["detail"] = _plain_words(client.get(f"/requests/{request.pk}/"))
    found["withdraw"] = _plain_words(client.get(f"/requests/{request.pk}/withdraw/"))
    found["list"] = _plain_words(client.get("/requests/"))
    assert {page: words for page, words in found.items() if words} == {}
