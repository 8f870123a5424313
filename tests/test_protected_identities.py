"""The protected identities table (issue 16): an export reads the stored forms of every
protected identity instead of decoding the vault, so the table must follow every write —
edits, deletes, a second process, a writer that does not know the table — and an export
must never trust rows that are out of step (it recomputes them or refuses)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyrage
import pytest

from crypto import kdf
from tests.conftest import PASSPHRASE, ROOT
from vault.errors import IntegrityError
from vault.export import protected
from vault.session import Vault

OLD, NEW = "Ablimit Tursun", "Dilnur Rexim"
TEXT = f"We met {OLD} and later {NEW}; the guard called 13812345678 twice."


def _partner(vault: Vault) -> str:
    key = pyrage.x25519.Identity.generate()
    vault.services.export.recipients.add("Partner", str(key.to_public()))
    return "Partner"


def _narrative(vault: Vault, testimony: str) -> str:
    plan = vault.services.export.plan(clearance="public", to=["Partner"], ids=[testimony])
    return str(plan.views[0].fields["narrative"])


def _stored_values(vault: Vault) -> set[str]:
    return {str(r[0]) for r in vault.store.query("SELECT value FROM identity_forms")}


@pytest.fixture
def setup(new_vault: Vault) -> tuple[Vault, str, str]:
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": OLD, "phones": ["138 1234 5678"]})
    tst = records.add("testimony", {"title": "T", "narrative": TEXT},
                      levels={"narrative": "public"})
    _partner(new_vault)
    return new_vault, src, tst


def test_an_edit_of_a_name_is_followed(setup: tuple[Vault, str, str]) -> None:
    vault, src, tst = setup
    first = _narrative(vault, tst)
    assert OLD not in first and NEW in first and "13812345678" not in first
    vault.services.records.edit(src, {"name": NEW})
    second = _narrative(vault, tst)
    assert NEW not in second and OLD in second  # the old name protects nobody any more
    assert OLD not in _stored_values(vault)  # and is not kept in the table
    assert protected.check(vault) == []


def test_a_level_change_and_a_delete_are_followed(setup: tuple[Vault, str, str]) -> None:
    vault, src, tst = setup
    records = vault.services.records
    person = records.add("person", {"name": NEW}, levels={"name": "private"})
    assert NEW not in _narrative(vault, tst)
    records.set_level(person, "name", "public")
    assert NEW in _narrative(vault, tst)  # a public name may ship in a public bundle
    records.set_level(person, "name", "partner")
    assert NEW not in _narrative(vault, tst)
    records.delete(person)
    records.delete(src)
    out = _narrative(vault, tst)
    assert OLD in out and NEW in out
    assert _stored_values(vault) == set()  # a deleted source's name does not linger
    assert vault.store.query("SELECT count(*) FROM identities")[0][0] == 0


def test_a_second_process_writing_is_seen_by_the_next_export(
        setup: tuple[Vault, str, str], vault_path: Path) -> None:
    vault, src, tst = setup
    assert NEW in _narrative(vault, tst)  # this process exported once already
    script = textwrap.dedent(f"""
        import vault.services
        from vault.session import Vault
        v = Vault.open({str(vault_path)!r})
        v.unlock({PASSPHRASE!r})
        v.services.records.add("source", {{"label": "L", "name": {NEW!r}}})
        v.close()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120,
                   env={**__import__("os").environ, "EVAULT_INSECURE_TEST_KDF": "1"})
    assert NEW not in _narrative(vault, tst)


def test_a_writer_that_does_not_know_the_table_is_never_trusted(
        setup: tuple[Vault, str, str]) -> None:
    """An older evault (or a hand edit) changes a source's name with plain SQL: the
    records trigger marks it stale, the export computes it afresh, check reports it and
    repair brings the table in step."""
    vault, src, tst = setup
    from vault.records import stored

    with vault.store.transaction("an older writer") as tx:
        data = stored.fields(tx.execute("SELECT data FROM records WHERE id = ?",
                                        (src,)).fetchone()[0])
        data["name"] = NEW  # the stored form, written without a word to the table
        tx.execute("UPDATE records SET data = ? WHERE id = ?",
                   (stored.pack(stored.dump(data)), src))
        tx.audit("test.old_writer")
    out = _narrative(vault, tst)
    assert NEW not in out and OLD in out
    assert any("written without updating" in p for p in protected.check(vault))
    assert protected.repair(vault)
    assert protected.check(vault) == []
    assert NEW not in _narrative(vault, tst)


def test_rows_deleted_by_hand_are_recomputed_for_people(
        setup: tuple[Vault, str, str]) -> None:
    vault, src, tst = setup
    with vault.store.transaction("a hand edit") as tx:
        tx.execute("DELETE FROM identities WHERE record = ?", (src,))
        tx.audit("test.tamper")
    assert OLD not in _narrative(vault, tst)
    assert any("out of step" in p for p in protected.check(vault))


def test_a_bundle_record_whose_rows_were_altered_is_refused(new_vault: Vault) -> None:
    """A testimony's own identifier (its place) with its row altered by hand: the export
    of that testimony stops with an integrity error instead of trusting the table."""
    records = new_vault.services.records
    tst = records.add("testimony", {"title": "T", "narrative": "Held at 12 Xinhua Road.",
                                    "place": "12 Xinhua Road"},
                      levels={"narrative": "public"})
    _partner(new_vault)
    with new_vault.store.transaction("a hand edit") as tx:
        tx.execute("UPDATE identities SET level = 'public' WHERE record = ?", (tst,))
        tx.audit("test.tamper")
    with pytest.raises(IntegrityError, match="check --repair"):
        _narrative(new_vault, tst)
    assert protected.repair(new_vault)
    assert "Xinhua" not in _narrative(new_vault, tst)


def test_tampered_forms_are_found_by_check(setup: tuple[Vault, str, str]) -> None:
    vault, _src, _tst = setup
    with vault.store.transaction("a hand edit") as tx:
        tx.execute("UPDATE identity_forms SET forms = '[]' WHERE value = ?", (OLD,))
        tx.audit("test.tamper")
    assert any("wrong forms" in p for p in protected.check(vault))
    protected.repair(vault)
    assert protected.check(vault) == []


def test_a_vault_of_the_previous_schema_gets_a_complete_table(vault_path: Path) -> None:
    created = Vault.create(vault_path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    vault = created.vault
    records = vault.services.records
    src = records.add("source", {"label": "K", "name": OLD, "name_original": "阿布力米提",
                                 "phones": ["138 1234 5678"]})
    tst = records.add("testimony", {"title": "T", "narrative": TEXT + " 阿布力米提 abulimiti"},
                      levels={"narrative": "public"})
    records.add("person", {"name": NEW}, levels={"name": "public"})
    expected = sorted(vault.store.query(
        "SELECT i.record, i.field, i.level, f.value, f.forms FROM identities i "
        "JOIN identity_forms f ON f.id = i.form"))
    # Back to the schema before the table: what an older evault left on disk.
    with vault.store.transaction("the previous schema") as tx:
        for trigger in ("identity_stale_add", "identity_stale_edit", "identity_stale_remove",
                        "identity_forms_unused"):
            tx.execute(f"DROP TRIGGER {trigger}")
        for table in ("identities", "identity_forms", "identity_stale"):
            tx.execute(f"DROP TABLE {table}")
        tx.execute("DELETE FROM meta WHERE key = 'identity_rules'")
        tx.execute("DELETE FROM migrations WHERE name = 'export_0003_protected_identities'")
        tx.audit("test.old_schema")
    vault.close()
    vault = Vault.open(vault_path)
    vault.unlock(PASSPHRASE)
    try:
        got = sorted(vault.store.query(
            "SELECT i.record, i.field, i.level, f.value, f.forms FROM identities i "
            "JOIN identity_forms f ON f.id = i.form"))
        assert got == expected and {r[0] for r in got} >= {src}
        assert protected.check(vault) == []
        _partner(vault)
        out = _narrative(vault, tst)
        assert OLD not in out and "阿布力米提" not in out and "abulimiti" not in out
        assert NEW in out  # public person
    finally:
        vault.close()


def test_an_export_reads_only_its_records(setup: tuple[Vault, str, str]) -> None:
    """The plan decodes the selected records and the ones they name, not the vault."""
    vault, _src, tst = setup
    records = vault.services.records
    records.add_many("testimony", [{"title": f"other {i}", "narrative": "x"}
                                   for i in range(50)])
    calls: list[int] = []
    original = records.fetch

    def counting(ids):  # type: ignore[no-untyped-def]
        got = original(ids)
        calls.append(len(got))
        return got

    def whole_vault(*_args):  # type: ignore[no-untyped-def]
        raise AssertionError("the export read every record")

    records.fetch = counting  # count, do not replace: the real query still runs
    records.iter_records = whole_vault
    try:
        assert NEW in _narrative(vault, tst)
    finally:
        del records.fetch, records.iter_records
    assert sum(calls) <= 2
