"""The API's interactive docs (``/api/v1/docs``, staff only) call the API with the key
typed into *Authorize*, never with the staff member's session: the API refuses any
request carrying a cookie, so a call sent with them could never succeed."""

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient

from .staff_support import staff_page


def test_try_it_out_in_the_api_docs_answers_with_the_key_typed_in(browser, live_server, officer):
    api_client = ApiClient.objects.create(name="Call centre", owner="CC", scopes=[])
    _row, key = api_key_create(client=api_client, label="docs")
    context, page = staff_page(browser, live_server, officer, "en")

    page.goto("/api/v1/docs")
    page.locator("button.authorize").first.click()
    page.locator(".auth-container input").fill(key)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator("button.btn-done").click()
    operation = page.locator("#operations-callbacks-portal_kernel_api_app_callback_get")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()

    answer = operation.locator(".live-responses-table tbody .response-col_status").first
    assert answer.inner_text().strip() == "200"
    assert "cookies-refused" not in operation.locator(".live-responses-table").inner_text()
    context.close()
