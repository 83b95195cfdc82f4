"""``make load`` runs again on the same database: its keys come from the database, not chance.

A new field key on every run left the customers seeded by the previous run
unreadable, and the second run failed on its first page.
"""

from cryptography.fernet import Fernet

from tests.bench.load.run import stable_keys


def test_the_load_tests_keys_are_the_same_for_one_database_and_differ_for_another(
    monkeypatch,
):
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DISCLOSURE_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    first = stable_keys("postgres://postgres@127.0.0.1:5432/rp_load")
    assert first == stable_keys("postgres://postgres@127.0.0.1:5432/rp_load")
    other = stable_keys("postgres://postgres@127.0.0.1:5432/rp_other")
    assert all(first[name] != other[name] for name in first)
    token = Fernet(first["FIELD_ENCRYPTION_KEYS"]).encrypt(b"090-0000-0001")
    again = stable_keys("postgres://postgres@127.0.0.1:5432/rp_load")
    assert Fernet(again["FIELD_ENCRYPTION_KEYS"]).decrypt(token) == b"090-0000-0001"
    assert len(first["FIELD_HASH_KEY"]) >= 32 and len(first["AUDIT_CHAIN_KEY"]) >= 32


def test_a_key_set_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "chosen")
    assert stable_keys("postgres://x/y")["FIELD_ENCRYPTION_KEYS"] == "chosen"
