"""The audit trail against someone who can rewrite the database.

Each tampering is done as a PostgreSQL superuser would: raw SQL with the
append-only triggers off (``session_replication_role = replica``), and the
hash recomputed where a forger would recompute it. Each is reported by
``verify_chain`` (and ``manage.py verify_audit_chain``) with the first bad
row. The triggers' own refusals, and the tampering tests, need PostgreSQL:
they are skipped on SQLite (there the ORM's guard is the only one). The
checkpoint signature and the start-up key check run on both.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from consent import services
from consent.models import ConsentRecord
from portal.kernel import audit, audit_checkpoints
from portal.kernel.audit import audit_log, checkpoint, verify_chain
from portal.kernel.db import evidence_erasure
from portal.kernel.models import AuditEvent
from portal.kernel.registry import Category, registry
from rights.models import ErasureLedgerEntry
from tests.audit_tamper import TABLE, as_superuser, assert_triggers_refuse, unkeyed_hash
from tests.conftest import shared_cache_url
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL only: set DATABASE_URL")


@pytest.fixture
def checkpoints(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    return Path(settings.AUDIT_CHECKPOINT_FILE)


@pytest.fixture
def chain(customer, checkpoints):
    """Six events, checkpointed after the third and after the sixth."""
    events = []
    for i in range(6):
        events.append(audit_log(action=f"test.event{i}", actor=customer, details={"n": i}))
        if i in (2, 5):
            made, broken = checkpoint()
            assert broken is None and made.last_id == events[-1].pk
    assert verify_chain() == (6, None)
    return events


def _row(pk) -> dict:
    return AuditEvent.objects.filter(pk=pk).values().get()


def _broken_at(event_id, problem: str):
    checked, broken = verify_chain()
    assert broken is not None, f"not detected ({checked} rows verified)"
    assert broken.event_id == event_id, broken
    assert problem in broken.problem, broken
    with pytest.raises(CommandError, match=f"broken at event {event_id}:"):
        call_command("verify_audit_chain")
    return broken


# -- a superuser's tampering, each reported with the first bad row --------------------------


def test_a_single_row_edited(postgres, chain):
    as_superuser((f"UPDATE {TABLE} SET action = 'auth.nothing' WHERE id = %s", [chain[3].pk]))
    _broken_at(chain[3].pk, "row content does not match its hash")


def test_a_row_deleted(postgres, chain):
    as_superuser((f"DELETE FROM {TABLE} WHERE id = %s", [chain[1].pk]))
    _broken_at(chain[2].pk, "previous-hash link does not match")


def test_a_checkpointed_row_deleted(postgres, chain):
    as_superuser((f"DELETE FROM {TABLE} WHERE id = %s", [chain[2].pk]))
    _broken_at(chain[2].pk, "missing: the checkpoint of")


def test_rows_reordered(postgres, chain):
    # Swap two rows' places (their ids), as a reordering of history would.
    a, b = chain[1].pk, chain[4].pk
    as_superuser(
        (f"UPDATE {TABLE} SET id = -id WHERE id IN (%s, %s)", [a, b]),
        (f"UPDATE {TABLE} SET id = %s WHERE id = %s", [b, -a]),
        (f"UPDATE {TABLE} SET id = %s WHERE id = %s", [a, -b]),
    )
    _broken_at(a, "previous-hash link does not match")


def test_the_newest_rows_deleted(postgres, chain):
    as_superuser((f"DELETE FROM {TABLE} WHERE id >= %s", [chain[4].pk]))
    broken = _broken_at(chain[5].pk, "missing: the checkpoint of")
    # In plain words an operator can read out (no "6th", no "event None").
    assert "names this event as the last of 6 events" in broken.problem
    assert f"the chain ends at event {chain[3].pk} after 4 events" in broken.problem


def test_the_table_truncated(postgres, chain):
    as_superuser((f"TRUNCATE {TABLE}", []))
    broken = _broken_at(chain[2].pk, "missing: the checkpoint of")
    assert "the last of 3 events; the table holds no event" in broken.problem


def test_a_forged_row_appended_with_its_hash_recomputed(postgres, chain):
    last = _row(chain[-1].pk)
    forged = {**last, "action": "auth.login", "prev_hash": last["hash"], "details": {}}
    forged["hash"] = unkeyed_hash(forged)
    as_superuser(
        (
            f"INSERT INTO {TABLE} (created_at, action, target, details, prev_hash, hash, "
            "actor_id, subject_id, ip_address) VALUES (%s, %s, '', '{}', %s, %s, NULL, NULL, NULL)",
            [forged["created_at"], forged["action"], forged["prev_hash"], forged["hash"]],
        )
    )
    forged_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    # Appended after the newest checkpoint: the key alone catches it.
    _broken_at(forged_id, "row content does not match its hash")


def test_a_row_edited_and_the_rest_recomputed(postgres, chain):
    # Without the key the forger recomputes the plain SHA-256 the chain once used.
    prev = chain[1].hash
    statements = []
    for event in chain[2:]:
        row = _row(event.pk)
        row["prev_hash"] = prev
        if event is chain[2]:
            row["action"] = "test.harmless"
        row["hash"] = prev = unkeyed_hash(row)
        statements.append(
            (
                f"UPDATE {TABLE} SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row["action"], row["prev_hash"], row["hash"], event.pk],
            )
        )
    as_superuser(*statements)
    _broken_at(chain[2].pk, "row content does not match its hash")


def test_a_row_edited_and_recomputed_with_a_stolen_key_is_caught_by_the_checkpoint(postgres, chain):
    # Even with the key, what a checkpoint fixed cannot be rewritten unseen; the
    # report names the checkpoint's row and the earlier checkpoint that still holds.
    prev = chain[3].hash
    statements = []
    for event in chain[4:]:
        changed = AuditEvent.objects.get(pk=event.pk)
        changed.prev_hash = prev
        if event is chain[4]:
            changed.action = "test.harmless"
        changed.hash = prev = audit._digest(changed)
        statements.append(
            (
                f"UPDATE {TABLE} SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [changed.action, changed.prev_hash, changed.hash, event.pk],
            )
        )
    as_superuser(*statements)
    broken = _broken_at(chain[5].pk, "differs from the checkpoint of")
    assert f"rows after event {chain[2].pk} up to this one were rewritten" in broken.problem


def test_no_checkpoint_seals_a_break(postgres, chain, checkpoints):
    audit_log(action="test.after")
    as_superuser((f"UPDATE {TABLE} SET action = 'x' WHERE action = 'test.after'", []))
    lines = checkpoints.read_text()
    made, broken = checkpoint()
    assert made is None and "row content" in broken.problem
    assert checkpoints.read_text() == lines


# -- what PostgreSQL itself refuses ----------------------------------------------------------


def test_the_triggers_refuse_update_delete_and_truncate_from_the_application_role(postgres, chain):
    role = f"audit_app_{os.getpid()}"
    statements = [
        f"UPDATE {TABLE} SET action = 'x' WHERE id = {chain[0].pk}",
        f"DELETE FROM {TABLE} WHERE id = {chain[-1].pk}",
        f"TRUNCATE {TABLE}",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        # An ordinary role with every privilege on the table, as the application's
        # account has (created in this transaction, gone with its rollback).
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {TABLE} TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        for sql in statements:
            with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
                cursor.execute(sql)
        cursor.execute("RESET ROLE")
        transaction.set_rollback(True)
    assert verify_chain() == (6, None)


def test_the_erasure_ledger_refuses_update_delete_and_truncate(postgres, customer):
    entry = ErasureLedgerEntry.objects.create(
        subject=customer, source="portal.usagerecord", category="usage", reason="sweep", count=1
    )
    table = ErasureLedgerEntry._meta.db_table
    assert_triggers_refuse(
        f"UPDATE {table} SET count = 0 WHERE id = {entry.pk}",
        f"DELETE FROM {table} WHERE id = {entry.pk}",
        f"TRUNCATE {table}",
    )
    assert ErasureLedgerEntry.objects.get(pk=entry.pk).count == 1


def test_consent_evidence_is_deleted_only_inside_evidence_erasure(postgres, customer, admin_user):
    services.consent_update(
        subject=customer, choices={purpose("marketing"): True}, method="dashboard"
    )
    record = ConsentRecord.objects.get(subject=customer)
    table = ConsentRecord._meta.db_table
    change = f"UPDATE {table} SET action = 'withdrawn' WHERE id = {record.pk}"
    assert_triggers_refuse(change, f"DELETE FROM {table} WHERE id = {record.pk}")
    with evidence_erasure():
        # Never changed, even there.
        assert_triggers_refuse(change, refusal="Cannot update")
    # The registry's erasure (a deletion, the retention sweep) deletes them.
    registry.erase(customer, Category.CONSENT, actor=admin_user)
    assert not ConsentRecord.objects.filter(pk=record.pk).exists()


def test_save_base_force_update_is_refused_by_the_orm_and_by_the_trigger(
    postgres, chain, monkeypatch
):
    event = AuditEvent.objects.get(pk=chain[0].pk)
    event.action = "test.changed"
    with pytest.raises(PermissionError), transaction.atomic():
        event.save_base(force_update=True)
    # Without the ORM's guard, PostgreSQL refuses the same UPDATE.
    monkeypatch.setattr(AuditEvent, "_do_update", AuditEvent.__mro__[1]._do_update)
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        event.save_base(force_update=True)
    assert AuditEvent.objects.get(pk=chain[0].pk).action == "test.event0"


def test_the_chain_lock_is_held_for_the_insert_only(postgres, customer):
    audit_log(action="test.event")
    with connection.cursor() as cursor:
        # Taken and let go at once: nobody holds it after audit_log returned.
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [audit._CHAIN_LOCK_KEY])
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT pg_advisory_unlock(%s)", [audit._CHAIN_LOCK_KEY])


# -- checkpoints and the key, on every database -----------------------------------------------


def test_a_checkpoint_with_a_wrong_signature_is_reported(customer, checkpoints):
    audit_log(action="test.event")
    checkpoint()
    record = json.loads(checkpoints.read_text().splitlines()[-1])
    record["count"] += 1  # the head "moved on", as someone hiding a deletion would write
    with checkpoints.open("a") as file:
        file.write(json.dumps(record) + "\n")
    checked, broken = verify_chain()
    assert broken.event_id is None and "line 2" in broken.problem
    assert "wrongly signed" in broken.problem
    with pytest.raises(CommandError, match="broken at its checkpoints: checkpoint on line 2"):
        call_command("verify_audit_chain")


def test_checkpoints_are_signed_lines_in_the_file_and_the_log(customer, checkpoints, caplog):
    audit_log(action="test.event")
    with caplog.at_level("INFO", logger="portal.kernel.audit"):
        call_command("verify_audit_chain", "--checkpoint")
    [line] = audit_checkpoints.read(checkpoints)
    assert line.checkpoint.count == AuditEvent.objects.count()
    logged = [r.audit_checkpoint for r in caplog.records if hasattr(r, "audit_checkpoint")]
    assert logged == [json.loads(checkpoints.read_text())]
    # A copy of the lines taken from the logs serves as well as the file.
    copy = checkpoints.with_name("from-the-logs.jsonl")
    copy.write_text(json.dumps(logged[0]) + "\n")
    call_command("verify_audit_chain", "--checkpoints", str(copy))


def _manage_check(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AUDIT_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="test-only-secret-key-" + "s" * 40,
        ALLOWED_HOSTS="portal.example.com",
        CACHE_URL=shared_cache_url(),
        FIELD_ENCRYPTION_KEYS="cRtRBQqdhQYdlKF4plJtI_dpnSEJqAf4vqCzzPDBhoU=",
        FIELD_HASH_KEY="h" * 40,
        DISCLOSURE_ENCRYPTION_KEY="ZGlzY2xvc3VyZS1rZXktZm9yLXRlc3RzLW9ubHktMzI=",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_the_chain_key():
    result = _manage_check()
    assert result.returncode != 0 and "AUDIT_CHAIN_KEY is required" in result.stderr
    result = _manage_check(AUDIT_CHAIN_KEY="short")
    assert result.returncode != 0 and "at least 32 characters" in result.stderr
    result = _manage_check(AUDIT_CHAIN_KEY="k" * 48)
    assert result.returncode == 0, result.stderr
