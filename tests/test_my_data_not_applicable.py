"""A cell of "my data" whose column does not apply to its row reads "not applicable",
not "not registered"; an item really left empty still reads "not registered"."""

import html
import re

import pytest
from django.utils import translation

from consent import services
from consent.models import ProcessingRestriction
from portal.kernel.registry import NOT_APPLICABLE
from portal.kernel.roles import PRIVACY_OFFICER
from portal.kernel.subject_view import subject_view
from tests.conftest import staff_logged_in
from tests.consent_support import my_data_table, records_where_items_do_not_apply

pytestmark = pytest.mark.django_db

NOT_APPLICABLE_TEXT = {"en": "—not applicable", "ja": "—該当なし"}
NOT_REGISTERED_TEXT = {"en": "—not registered", "ja": "—登録なし"}
EVERY_PURPOSE = {"en": "every purpose", "ja": "すべての利用目的"}
EVERY_RECIPIENT = {"en": "every recipient", "ja": "すべての提供先"}
PURPOSE_OF_USE = {"en": "Purpose of use", "ja": "利用目的"}
RECIPIENT = {"en": "Recipient", "ja": "提供先"}
STOP_USE = {"en": "Stop use", "ja": "利用停止"}
STOP_PROVISION = {"en": "Stop provision to third parties", "ja": "第三者提供の停止"}
# Columns of the consent records' table (consent/personal_data.py).
PURPOSE, POLICY = 1, 2


@pytest.fixture
def records(customer, admin_user):
    """A purpose consent given online, a policy acceptance, a consent from a paper
    form, and a stop of provision to every recipient."""
    return records_where_items_do_not_apply(customer, admin_user)


def _cells(view, source_key):
    """Each row of a source's table as {field name: cell}, newest first."""
    for group in view.groups:
        for category in group.categories:
            for section in category.sections:
                if section.source.key == source_key:
                    names = [f.name for f in section.fields]
                    return [dict(zip(names, row.cells, strict=True)) for row in section.rows]
    raise AssertionError(f"no section of {source_key}")


def test_consent_columns_that_do_not_apply_to_a_record_are_marked_so(records):
    paper, policy, online = _cells(subject_view(records), "consent.consentrecord")
    assert policy["purpose"] is NOT_APPLICABLE and policy["policy_version"] != NOT_APPLICABLE
    assert online["policy_version"] is NOT_APPLICABLE and online["purpose"] != NOT_APPLICABLE
    assert paper["policy_version"] is NOT_APPLICABLE
    # A paper form has no address or browser; an online record without one (here
    # recorded outside a web request) is missing them.
    assert paper["ip_address"] is NOT_APPLICABLE and paper["user_agent"] is NOT_APPLICABLE
    assert online["ip_address"] is None and online["user_agent"] == ""

    (stop,) = _cells(subject_view(records), "consent.processingrestriction")
    # A stop of provision names no purpose; its empty recipient means every one.
    assert stop["purpose"] is NOT_APPLICABLE
    with translation.override("en"):
        assert str(stop["recipient"]) == "every recipient"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_my_data_reads_a_cell_that_does_not_apply_as_not_applicable(
    stepped_up_client, records, language
):
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/my-data/")
    assert page.status_code == 200
    header, rows = my_data_table(page, "consent.consentrecord")
    # Newest first; the oldest row is the policy notice shown when the customer logged in.
    paper, policy, online = rows[:3]
    assert header[PURPOSE] == {"en": "Purpose of use", "ja": "利用目的"}[language]
    assert policy[PURPOSE] == NOT_APPLICABLE_TEXT[language]
    assert online[POLICY] == NOT_APPLICABLE_TEXT[language]
    assert paper[-1] == NOT_APPLICABLE_TEXT[language]  # the browser of a paper form
    assert online[-1] == NOT_REGISTERED_TEXT[language]  # a browser not recorded
    assert 'class="pd-none pd-na" aria-hidden="true">—</span>' in page.content.decode()

    # The phone left empty in the profile is not registered, as before.
    text = html.unescape(re.sub(r"<[^>]+>", "", page.content.decode()))
    phone = {"en": "Phone", "ja": "電話番号"}[language]
    assert re.search(rf"{phone}\s*{NOT_REGISTERED_TEXT[language]}", text)


def test_the_staff_subject_lookup_reads_it_the_same_way(client, records):
    client, _officer = staff_logged_in(client, PRIVACY_OFFICER)
    page = client.get(f"/admin/portal/user/{records.pk}/personal-data/")
    assert page.status_code == 200
    _header, rows = my_data_table(page, "consent.consentrecord")
    paper, policy, online = rows[:3]
    applicable = {NOT_APPLICABLE_TEXT["en"], NOT_APPLICABLE_TEXT["ja"]}
    assert policy[PURPOSE] in applicable and online[POLICY] in applicable
    assert paper[-1] in applicable
    assert online[-1] in {NOT_REGISTERED_TEXT["en"], NOT_REGISTERED_TEXT["ja"]}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_stop_that_names_no_purpose_or_recipient_reads_every_one(
    stepped_up_client, records, language
):
    services.restriction_create(
        subject=records,
        scope=ProcessingRestriction.Scope.USE,
        source=ProcessingRestriction.Source.STOP_USE_REQUEST,
    )
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/my-data/")
    header, rows = my_data_table(page, "consent.processingrestriction")
    purpose, recipient = header.index(PURPOSE_OF_USE[language]), header.index(RECIPIENT[language])
    by_scope = {row[0]: row for row in rows}
    stop_use, stop_provision = by_scope[STOP_USE[language]], by_scope[STOP_PROVISION[language]]
    assert stop_use[purpose] == EVERY_PURPOSE[language]
    assert stop_use[recipient] == NOT_APPLICABLE_TEXT[language]
    assert stop_provision[recipient] == EVERY_RECIPIENT[language]
    assert stop_provision[purpose] == NOT_APPLICABLE_TEXT[language]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_registration_still_running_reads_so_not_as_missing(
    stepped_up_client, customer, language
):
    """A contract with no end day has not ended: its empty end reads "still running",
    not "not registered", which would say we failed to record it."""
    from tests.factories import RegistrationFactory

    RegistrationFactory(user=customer, ended_on=None)
    stepped_up_client.cookies["django_language"] = language
    page = html.unescape(stepped_up_client.get("/my-data/").content.decode())
    start = page.index('id="portal-serviceregistration-')
    table = page[start : page.index("</table>", start)]
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    ]
    assert cells[-1] == {"en": "still running", "ja": "継続中"}[language]
