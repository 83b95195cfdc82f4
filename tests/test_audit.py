"""The append-only, hash-chained audit trail."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.kernel.audit import audit_log, verify_chain
from portal.kernel.models import AuditEvent
from tests.audit_tamper import TABLE, as_superuser, unkeyed_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(customer):
    return [
        audit_log(
            action=f"test.event{i}",
            actor=customer,
            subject=customer,
            details={"n": i, "text": "日本語"},
        )
        for i in range(5)
    ]


def test_each_event_links_to_the_one_before(chain):
    assert chain[0].prev_hash == "0" * 64
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    assert verify_chain() == (5, None)


def test_command_reports_an_intact_chain(chain, capsys):
    call_command("verify_audit_chain")
    assert "5 events verified" in capsys.readouterr().out


def test_a_row_altered_in_the_database_is_detected(chain):
    as_superuser((f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["forged", chain[2].pk]))
    with pytest.raises(CommandError, match=f"broken at event {chain[2].pk}"):
        call_command("verify_audit_chain")


def test_a_row_removed_in_the_database_is_detected(chain):
    as_superuser((f"DELETE FROM {TABLE} WHERE id = %s", [chain[1].pk]))
    checked, broken = verify_chain()
    assert broken is not None and broken.event_id == chain[2].pk


def test_the_orm_refuses_to_change_or_delete_events(chain):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=chain[0].pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    event = AuditEvent.objects.get(pk=chain[0].pk)
    event.action = "x"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    # Past save(): the ORM's update itself refuses.
    with pytest.raises(PermissionError), transaction.atomic():
        event.save_base(force_update=True)
    assert AuditEvent.objects.get(pk=chain[0].pk).action == "test.event0"
    assert verify_chain() == (5, None)


def test_admin_offers_no_add_change_or_delete_even_to_a_superuser(admin_user, chain):
    from django.contrib.admin import site
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[AuditEvent]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, chain[0])
    assert not model_admin.has_delete_permission(request, chain[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("old_chain_broken", [False, True])
def test_an_upgraded_database_is_re_chained_under_the_key_and_verifies(old_chain_broken):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app: going back unapplies dependants too
    try:
        executor.migrate([("portal", "0011_scheduled_run")])
        # Rows as the release before wrote them: plain SHA-256, no key.
        prev, ids = "0" * 64, []
        for i in range(3):
            row = {
                "created_at": timezone.now(),
                "actor_id": None,
                "action": f"old.event{i}",
                "target": "",
                "subject_id": None,
                "ip_address": None,
                "details": {"n": i},
                "prev_hash": prev,
            }
            row["hash"] = prev = unkeyed_hash(row)
            ids.append(AuditEvent.objects.create(**row).pk)
        if old_chain_broken:
            as_superuser((f"UPDATE {TABLE} SET action = 'old.changed' WHERE id = %s", [ids[1]]))
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert verify_chain() == (4, None)
        keyed = AuditEvent.objects.order_by("id").last()
        assert keyed.action == "audit.chain_keyed"
        assert keyed.details["rows"] == 3
        assert keyed.details["old_chain"] == (
            f"broken at event {ids[1]}: row content does not match its hash"
            if old_chain_broken
            else "intact"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
