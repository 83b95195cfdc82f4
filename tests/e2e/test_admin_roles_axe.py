"""The admin as an auditor (reads everything, changes nothing) and as a service handler
(works on the requests of their service) sees: each page, and the confirmation pages
reached only by a POST (the bulk assignment, a bulk fee action's form and its
confirmation, the confirmations of closing a request and of a correction), pass
axe-core at a desk's width and a phone's, in both languages, with one heading named in
the title, every box labelled, nothing wider than a phone; a read-only field shows its
value in words, and the auditor is offered no button they may not use.

A read-only yes/no field (a service "in use", a purpose "required") showed only an icon
whose text was Python's "True" or "False", in English on a Japanese page, and a
read-only list with nothing in it (a service without handlers) an empty box: an
auditor read nothing there (WCAG 1.1.1, 3.1.2). And the table in which a handler
ticks the corrections to apply ran 8 pixels past a phone's screen (WCAG 1.4.10); read
by an auditor, who ticks nothing, its items were labels of boxes not on the page."""

import pytest

from consent.models import Purpose
from rights import fees, workflow
from rights.choices import Kind, PaymentStatus, Status
from rights.services import request_submit
from tests.e2e.staff_support import BOXES, PAGE_FACTS, staff_page
from tests.factories import ProfileFactory, RegistrationFactory
from tests.rights.fee_support import publish
from tests.staff_roles_support import services_and_staff

pytestmark = pytest.mark.django_db(transaction=True)


#: Controls on a page that change something.
WRITE_CONTROLS = (
    "#content form[method=post] button[name=to], #content input[name=_save], "
    "#content input[name=_continue], #content select[name=action], "
    "#content form[action*='/transition/'], #content form[action*='/assign/'], "
    "#content form[action*='/fee/'], #content a.deletelink, #content .object-tools a.addlink"
)


@pytest.fixture
def world():
    staff = services_and_staff()
    officer, service_a = staff["officer"], staff["service_a"]
    profile = ProfileFactory(user__language="en", address="6-10-1 Roppongi, Minato-ku, Tokyo")
    customer = profile.user
    RegistrationFactory(user=customer, service=service_a)
    publish(amount=1000)  # APPI art. 38: only a published fee is asked

    def filed():
        request = request_submit(
            subject=customer,
            requester=customer,
            kind=Kind.DISCLOSURE,
            services=[service_a],
            regime="appi",
            delivery_method="electronic",
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        return request

    with_fee = filed()
    # A correction in review: its decision table, with the column to tick, on a phone.
    correction = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.CORRECTION,
        services=[service_a],
        regime="appi",
        scope={
            "changes": [
                {
                    "source": "portal.profile",
                    "record": str(profile.pk),
                    "field": "address",
                    "label": "Profile — address",
                    "current_value": profile.address,
                    "new_value": "7-7-1 Roppongi, Minato-ku, Tokyo",
                }
            ]
        },
    )
    workflow.transition(correction, to=Status.IN_REVIEW, actor=officer)
    payment = fees.fee_request(request=with_fee, actor=officer)
    return {
        "handler": staff["handler"],
        "auditor": staff["auditor"],
        "customer": customer,
        "service_a": service_a,
        "service_b": staff["service_b"],
        "with_fee": with_fee,
        "payment": payment,
        "in_review": filed(),
        "correction": correction,
    }


def _pages(world, role):
    pages = [
        "/admin/",
        "/admin/rights/rightsrequest/",
        f"/admin/rights/rightsrequest/{world['in_review'].pk}/change/",
        f"/admin/rights/rightsrequest/{world['with_fee'].pk}/change/",
        f"/admin/rights/rightsrequest/{world['correction'].pk}/change/",
        "/admin/rights/payment/",
        f"/admin/rights/payment/{world['payment'].pk}/change/",
        "/admin/rights/legalhold/",
        f"/admin/portal/user/{world['customer'].pk}/change/",
        "/admin/portal/user/subjects/",
        f"/admin/portal/service/{world['service_a'].pk}/change/",
        f"/admin/consent/purpose/{Purpose.objects.order_by('pk').first().pk}/change/",
        "/admin/reports/",
    ]
    if role == "auditor":
        pages += [
            f"/admin/portal/service/{world['service_b'].pk}/change/",
            "/admin/portal/auditevent/",
            "/admin/reports/statistics/",
        ]
    return pages


def _check(page, axe_check, label, problems):
    """Each rule above at 1280 px and at 390 px; returns the 1280 px facts."""
    facts = None
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        seen = page.evaluate(PAGE_FACTS, BOXES)
        facts = facts or seen
        where = f"{label} at {width} px"
        if len(seen["h1"]) != 1 or seen["h1"][0] not in seen["title"]:
            problems.append((where, "heading/title", seen["h1"], seen["title"]))
        for key in ("unnamed", "unreadable", "orphanLabels"):
            if seen[key]:
                problems.append((where, key, seen[key]))
        if width == 390 and seen["overflow"] > 0:
            problems.append((where, "wider than the phone", seen["overflow"]))
        violations = axe_check(page, where)
        if violations:
            problems.append((where, "axe", violations))
    page.set_viewport_size({"width": 1280, "height": 900})
    return facts


def _choose_action(page, pk, action):
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.locator("button[name=index]").click()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_auditors_pages(browser, live_server, axe_check, world, language):
    context, page = staff_page(browser, live_server, world["auditor"], language)
    problems = []
    for path in _pages(world, "auditor"):
        response = page.goto(path)
        assert response.status == 200, path
        facts = _check(page, axe_check, f"auditor {path} [{language}]", problems)
        if page.locator(WRITE_CONTROLS).count():
            problems.append((path, "offers a change to an auditor"))
        if facts["disabled"]:
            problems.append((path, "disabled controls", facts["disabled"]))
    context.close()
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_handlers_pages_and_confirmations(browser, live_server, axe_check, world, language):
    context, page = staff_page(browser, live_server, world["handler"], language)
    problems = []
    for path in _pages(world, "handler"):
        response = page.goto(path)
        assert response.status == 200, path
        _check(page, axe_check, f"handler {path} [{language}]", problems)

    # The queue's bulk assignment: its page, reached by a POST.
    page.goto("/admin/rights/rightsrequest/")
    _choose_action(page, world["in_review"].pk, "assign_selected")
    assert page.locator("select[name=assignee]").count() == 1
    _check(page, axe_check, f"handler: assign requests [{language}]", problems)

    # A bulk fee action: its form, then what confirming it does.
    page.goto("/admin/rights/payment/")
    _choose_action(page, world["payment"].pk, "waive")
    _check(page, axe_check, f"handler: waive fees [{language}]", problems)
    page.fill("textarea[name=reason], input[name=reason]", "Hardship")
    with page.expect_navigation():
        page.locator(
            "#content form input[type=submit], #content form button[type=submit]"
        ).first.click()
    assert page.locator(".rr-confirm").count() == 1, page.content()
    _check(page, axe_check, f"handler: confirm the waiver [{language}]", problems)

    # Closing a request: what the person will be told, before it is.
    page.goto(f"/admin/rights/rightsrequest/{world['in_review'].pk}/change/")
    page.fill("#rr-reason", "We hold no account under this name.")
    page.select_option("#rr-ground", "other")
    with page.expect_navigation():
        page.locator("button[name=to][value=rejected]").click()
    assert page.locator(".rr-confirm").count() == 1
    _check(page, axe_check, f"handler: confirm the rejection [{language}]", problems)

    # A correction decided: what will be written to the registry, before it is.
    page.goto(f"/admin/rights/rightsrequest/{world['correction'].pk}/change/")
    with page.expect_navigation():
        page.locator("#rr-correction button[name=decision][value=apply]").click()
    assert page.locator(".rr-confirm").count() == 1
    _check(page, axe_check, f"handler: confirm the correction [{language}]", problems)
    context.close()
    world["correction"].refresh_from_db()
    assert world["correction"].status == Status.IN_REVIEW
    world["in_review"].refresh_from_db()
    world["payment"].refresh_from_db()
    assert world["in_review"].status == Status.IN_REVIEW
    assert world["payment"].status == PaymentStatus.PENDING
    assert problems == [], "\n".join(map(str, problems))
