"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from rights.disclosure.models import DisclosurePackage

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # Browser tests run against the live server, so their tables are
            # emptied afterwards, rows from data migrations included (staff
            # groups, purposes of use, the privacy policy). The serialized
            # rollback restores those rows before each browser test, whatever
            # ran before it.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def _serialized_contents() -> dict:
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django calls
    # the tests make around it (the outbox, the database) are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    serialized = _serialized_contents()
    with sync_playwright() as playwright:
        # Inside the event loop Django hands out new connection objects; give
        # them the database contents serialized at set-up, which the
        # serialized rollback of browser tests restores.
        from django.db import connections

        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot into test-artifacts/ under the test's name."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(label: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


#: The rules checked: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Impacts that fail a page.
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture
def package_storage(tmp_path, monkeypatch):
    """Packages go to a directory of this test."""
    field = DisclosurePackage._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path / "private")))


@pytest.fixture(scope="session")
def _axe():
    # axe-playwright-python ships axe-core (axe.min.js) in its wheel and injects it
    # with page.evaluate: nothing is fetched at run time.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def axe_check(_axe):
    """``axe_check(page, label)``: run axe-core's WCAG 2.1 A/AA rules on the page as
    it is now; fail on a serious or critical violation. Returns every violation
    (id, impact, node count), so a test may also hold the page to zero."""

    def check(page, label: str) -> list[tuple[str, str, int]]:
        results = _axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"{label} ({page.url}):\n" + results.generate_report()
        return [(v["id"], v["impact"], len(v["nodes"])) for v in violations]

    return check


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


@pytest.fixture
def target_size(_axe):
    """``target_size(page)``: the nodes axe-core's WCAG 2.2 "target-size" rule (2.5.8)
    finds too small to tap on the page as it is now, as (selector, message) pairs."""

    def check(page) -> list[tuple[str, str]]:
        results = _axe.run(
            page,
            options={
                "runOnly": {"type": "rule", "values": ["target-size"]},
                "resultTypes": ["violations"],
            },
        )
        return [
            (" ".join(node["target"]), node["failureSummary"])
            for violation in results.response["violations"]
            for node in violation["nodes"]
        ]

    return check
