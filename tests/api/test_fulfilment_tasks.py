"""A system answering through the API reads its part of a request: what to erase, and
what a legal hold keeps (``GET /api/v1/requests/{ref}``, ``tasks``; docs/api.md).

Before, the request's representation said nothing of the part: the system reported
``done`` without knowing which kinds of data it was asked to erase, nor that a hold
placed since had narrowed its part, so it could erase data kept for a court.
"""

import json

import pytest

from portal.kernel.models import Service
from rights.connectors.models import ExternalSystem, SystemTask
from rights.retention.holds.services import hold_place

pytestmark = pytest.mark.django_db

REASON = "Claim pending in the Tokyo District Court"
BASIS = "GDPR art. 17(3)(e)"


def _read(client, request, headers) -> dict:
    response = client.get(f"/api/v1/requests/{request.reference}", headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def _hold_contact_data(officer, request):
    hold_place(
        actor=officer,
        reason=REASON,
        legal_basis=BASIS,
        subject=request.subject,
        categories=["contact"],
    )


def test_a_linked_client_reads_what_its_system_is_asked_to_erase(client, linked, deletion, archive):
    _api_client, headers = linked
    assert _read(client, deletion, headers)["tasks"] == [
        {
            "system": archive.pk,
            "name": "Mobile archive",
            "operation": "erase",
            "categories": ["contact"],
            "held_back": [],
            "state": "pending",
        }
    ]


def test_a_hold_placed_since_shows_what_it_keeps_and_leaves_it_out_of_the_erasure(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """A hold on the customer's contact data narrows the CRM's part to their usage data
    and settles the archive's (contact only): the system sees both, not the hold's reason."""
    api_client, headers = linked
    crm = ExternalSystem.objects.create(
        name="Mobile CRM", mode="manual", categories=["contact", "usage"], operations=["erase"]
    )
    crm.api_clients.add(api_client)
    SystemTask.objects.create(
        request=deletion,
        system=crm,
        operation="erase",
        mode="manual",
        instructions={"categories": ["contact", "usage"]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        _hold_contact_data(officer, deletion)

    answer = _read(client, deletion, headers)

    parts = {part["name"]: part for part in answer["tasks"]}
    assert parts["Mobile CRM"]["categories"] == ["usage"]
    assert parts["Mobile CRM"]["held_back"] == ["contact"]
    assert parts["Mobile CRM"]["state"] == "pending"
    assert parts["Mobile archive"]["categories"] == []
    assert parts["Mobile archive"]["held_back"] == ["contact"]
    assert parts["Mobile archive"]["state"] == "not_applicable"
    text = json.dumps(answer)
    assert REASON not in text and BASIS not in text and "hold" not in text


def test_an_erasure_of_everything_kept_whole_by_a_hold_asks_nothing(
    client, linked, deletion, archive, officer, django_capture_on_commit_callbacks
):
    """A part asking everything the system holds, all of it kept: nothing to act on
    (not null, which would read as everything)."""
    api_client, headers = linked
    everything = SystemTask.objects.get(request=deletion)
    everything.instructions = {"categories": None}
    everything.save(update_fields=["instructions"])
    assert _read(client, deletion, headers)["tasks"][0]["categories"] is None

    with django_capture_on_commit_callbacks(execute=True):
        _hold_contact_data(officer, deletion)

    part = _read(client, deletion, headers)["tasks"][0]
    assert (part["categories"], part["held_back"], part["state"]) == (
        [],
        ["contact"],
        "not_applicable",
    )


def test_a_correction_names_the_kinds_of_data_corrected_never_the_new_values(
    client, linked, deletion, archive
):
    archive.fields = [{"name": "address", "category": "contact", "label": "Address"}]
    archive.operations = ["erase", "correct"]
    archive.save(update_fields=["fields", "operations"])
    SystemTask.objects.create(
        request=deletion,
        system=archive,
        operation="correct",
        mode="manual",
        instructions={"changes": [{"field": "address", "value": "大阪府大阪市北区2-2"}]},
    )
    _api_client, headers = linked
    answer = _read(client, deletion, headers)
    correction = answer["tasks"][-1]
    assert (correction["operation"], correction["categories"]) == ("correct", ["contact"])
    assert "大阪" not in json.dumps(answer, ensure_ascii=False)


def test_a_client_of_another_system_sees_none_of_it(client, make_client, linked, deletion):
    """Same service, same scopes, not linked to the archive: no part is shown."""
    _other, headers = make_client(services=[Service.objects.get(code="mobile")])
    answer = _read(client, deletion, headers)
    assert answer["tasks"] == []
    assert "Mobile archive" not in json.dumps(answer)


def test_a_linked_client_without_the_fulfilment_scope_sees_no_part(
    client, make_client, deletion, archive
):
    """It answers for no system (it cannot report): what a hold keeps is not its to read."""
    api_client, headers = make_client(
        ["requests:read"], services=[Service.objects.get(code="mobile")]
    )
    archive.api_clients.add(api_client)
    assert _read(client, deletion, headers)["tasks"] == []


def test_the_schema_describes_each_part(client):
    schema = client.get("/api/v1/openapi.json").json()
    answer = schema["paths"]["/api/v1/requests/{ref}"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    tasks = components[ref.rsplit("/", 1)[1]]["properties"]["tasks"]
    part = components[tasks["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(part["required"]) == {
        "system",
        "name",
        "operation",
        "categories",
        "held_back",
        "state",
    }
    assert part["properties"]["state"]["enum"] == [
        "pending",
        "done",
        "failed",
        "not_applicable",
        "impossible",
    ]
