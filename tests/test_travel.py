"""Travel mode: a demo vault with attachments and drafts goes through ``travel start`` and
``travel end`` and comes back identical (records, levels, links, attachments, their
order), the audit log continuing with the round trip; every refusal changes nothing.
Real SQLCipher, real age (pyrage) and minisign signatures, the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import pytest

from crypto import kdf, travel_key
from tests.conftest import PASSPHRASE, run_cli
from tui.app import drafts as app_drafts
from vault.errors import IntegrityError, InvalidInput, PolicyRefused, StorageError, WrongKey
from vault.records import demo
from vault.search import search_ids
from vault.session import Vault
from vault.travel.drafts import DRAFTS_SETTING
from vault.travel.service import TravelService


@dataclass
class Demo:
    path: Path
    recovery_key: str
    passphrase: str
    kept: list[str]
    attached: list[str]


def _travel(vault: Vault) -> TravelService:
    service: TravelService = vault.services.travel
    return service


def snapshot(vault: Vault) -> dict[str, Any]:
    """Everything a round trip must keep: records (fields, levels, times, order), links,
    attachment rows (key and file name included) and the hash of every attachment's
    decrypted content, bundle provenance, drafts."""
    attachments = vault.services.attachments
    rows = vault.store.query("SELECT * FROM attachments ORDER BY rowid")
    content = {}
    for row in rows:
        digest = hashlib.sha256()
        for chunk in attachments.open_stream(row[0]):
            digest.update(chunk)
        content[row[0]] = digest.hexdigest()
    return {
        "records": [(r.to_json(), r.created, r.updated, r.title)
                    for r in vault.services.records.iter_records()],
        "order": [s.id for s in vault.services.records.list()],
        "links": vault.store.query("SELECT * FROM links ORDER BY src, field, dst"),
        "attachments": [tuple(bytes(v) if isinstance(v, bytes | memoryview) else v
                              for v in row) for row in rows],
        "content": content,
        "bundle_records": vault.store.query("SELECT * FROM bundle_records ORDER BY local_id"),
        "drafts": vault.store.setting(DRAFTS_SETTING, {}),
    }


def _leaves(vault: Vault, count: int) -> list[str]:
    """Records that refer to no other record (safe to mark alone)."""
    return [str(r[0]) for r in vault.store.query(
        "SELECT id FROM records WHERE kind = 'person' AND id NOT IN (SELECT src FROM links) "
        "ORDER BY rowid LIMIT ?", (count,))]


@pytest.fixture
def demo_vault(tmp_path: Path) -> Iterator[Demo]:
    path = tmp_path / "demo"
    created = demo.create(path, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        kept = _leaves(vault, 3)
        sealed = [str(r[0]) for r in vault.store.query(
            "SELECT id FROM records WHERE kind = 'testimony' ORDER BY rowid LIMIT 3")]
        attached = []
        for i, rid in enumerate([*sealed, kept[0]]):
            f = tmp_path / f"file-{i}.bin"
            f.write_bytes(os.urandom(200_000 + i * 70_001))
            attached.append(vault.services.attachments.attach(rid, f, level="partner",
                                                                 note=f"note {i}").id)
        app_drafts.save(vault, [app_drafts.Draft("testimony", sealed[0], {"summary": "half"}),
                                app_drafts.Draft("person", kept[0], {"notes": "kept draft"}),
                                app_drafts.Draft("source", None, {"name": "unsaved"})])
        _travel(vault).mark(kept)
    yield Demo(path, created.recovery_key, demo.DEMO_PASSPHRASE, kept, attached)


def _open(d: Demo) -> Vault:
    vault = Vault.open(d.path)
    vault.unlock(d.passphrase)
    return vault


def _start(d: Demo, out: Path) -> str:
    with _open(d) as vault:
        travel = _travel(vault)
        started = travel.start(out, travel.recovery_recipient(d.recovery_key),
                               sealed_to="recovery-key", passphrase=d.passphrase)
        return started.trip_id


def test_drafts_setting_is_the_apps() -> None:
    assert DRAFTS_SETTING == app_drafts.SETTING


def test_round_trip_restores_everything_exactly(demo_vault: Demo, tmp_path: Path) -> None:
    d = demo_vault
    with _open(d) as vault:
        before = snapshot(vault)
        audit_before = vault.store.verify_audit().entries
        sealed_ids = [r["id"] for r, *_ in before["records"] if r["id"] not in d.kept]
        token = "marker"  # demo testimonies are searchable; take a word from one
        narrative = vault.services.records.get(sealed_ids[-1]).fields
    out = tmp_path / "sealed.age"
    master = _master(d)
    trip = _start(d, out)
    # A new master key is in force; the recovery key (the travel key) still opens the vault.
    assert _master(d) != master
    with Vault.open(d.path) as vault:
        vault.unlock_with_recovery(d.recovery_key)

    with _open(d) as vault:
        during = snapshot(vault)
        travel = _travel(vault)
        assert [r["id"] for r, *_ in during["records"]] == d.kept
        assert len(during["attachments"]) == 1 and set(os.listdir(d.path / "blobs")) == {
            during["attachments"][0][2]}
        assert set(during["drafts"]) == {d.kept[0]}
        assert not vault.store.query("SELECT * FROM search_doc WHERE record_id NOT IN "
                                     "(SELECT id FROM records)")
        assert travel.active() and travel.trip().phase == "travelling"  # type: ignore[union-attr]
        assert vault.check().ok, vault.check().problems
        # Work goes on during the trip: a new record, an edit of a kept one.
        new_id = vault.services.records.add("person", {"name": "Met on the road"})
        vault.services.records.edit(d.kept[1], {"notes": "edited on the road"})
        del token, narrative

    with _open(d) as vault:
        travel = _travel(vault)
        ended = travel.end(out, travel.recovery_identity(d.recovery_key))
        assert ended.trip_id == trip and not travel.active()
        after = snapshot(vault)
        ids_after = [r["id"] for r, *_ in after["records"]]
        assert new_id in ids_after
        # Every sealed record, level, link and attachment is back, identical, in order.
        assert [x for x in after["records"] if x[0]["id"] in sealed_ids] == [
            x for x in before["records"] if x[0]["id"] in sealed_ids]
        assert [i for i in after["order"] if i != new_id] == before["order"]
        assert after["links"] == before["links"]
        assert after["attachments"] == before["attachments"]
        assert after["content"] == before["content"]
        assert after["bundle_records"] == before["bundle_records"]
        assert after["drafts"] == before["drafts"]
        # The sealed records are searchable again.
        person = next(r for r, *_ in before["records"]
                      if r["kind"] == "person" and r["id"] in sealed_ids)
        word = str(person["fields"]["name"]).split()[0]
        assert person["id"] in search_ids(vault.store, word)
        # The audit log continues: one entry per record each way, chain intact.
        status = vault.store.verify_audit()
        assert status.ok and status.entries > audit_before
        actions = [e.action for e in vault.store.audit_entries()]
        assert actions.count("travel.seal") == len(sealed_ids)
        assert actions.count("travel.restore") == len(sealed_ids)
        assert {"travel.start", "travel.wipe", "travel.ready", "travel.end"} <= set(actions)
        assert vault.check().ok, vault.check().problems


def test_restoring_twice_is_refused(demo_vault: Demo, tmp_path: Path) -> None:
    out = tmp_path / "sealed.age"
    _start(demo_vault, out)
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        identity = travel.recovery_identity(demo_vault.recovery_key)
        travel.end(out, identity)
        before = snapshot(vault)
        with pytest.raises(InvalidInput, match="restored already"):
            travel.end(out, identity)
        assert snapshot(vault) == before


def test_a_file_from_another_vault_is_refused(demo_vault: Demo, tmp_path: Path) -> None:
    other = Vault.create(tmp_path / "other", PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with other.vault as vault:
        vault.services.records.add("person", {"name": "Someone else"})
        travel = _travel(vault)
        travel.start(tmp_path / "other.age", travel.recovery_recipient(other.recovery_key),
                     sealed_to="recovery-key", passphrase=PASSPHRASE)
    _start(demo_vault, tmp_path / "mine.age")
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        before = snapshot(vault)
        with pytest.raises(InvalidInput, match="another vault"):
            travel.end(tmp_path / "other.age", travel.recovery_identity(other.recovery_key))
        with pytest.raises(WrongKey):
            travel.end(tmp_path / "mine.age", travel.recovery_identity(other.recovery_key))
        assert snapshot(vault) == before and travel.active()


def test_a_damaged_file_changes_nothing_and_leaves_no_blob(demo_vault: Demo,
                                                          tmp_path: Path) -> None:
    """A restore that fails part-way (the age stream is cut near its end, after the
    records and most blobs were already written into the open transaction) rolls back
    and removes the blobs it wrote."""
    out = tmp_path / "sealed.age"
    _start(demo_vault, out)
    data = out.read_bytes()
    cut = tmp_path / "cut.age"
    cut.write_bytes(data[: len(data) - 1000])
    flipped = tmp_path / "flipped.age"
    flipped.write_bytes(data[:-5000] + bytes([data[-5000] ^ 1]) + data[-4999:])
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        identity = travel.recovery_identity(demo_vault.recovery_key)
        before, blobs = snapshot(vault), set(os.listdir(demo_vault.path / "blobs"))
        audit = vault.store.verify_audit().entries
        for bad in (cut, flipped):
            with pytest.raises(IntegrityError):
                travel.end(bad, identity)
            assert snapshot(vault) == before
            assert set(os.listdir(demo_vault.path / "blobs")) == blobs
            assert vault.store.verify_audit().entries == audit
        travel.end(out, identity)  # the good file still restores
        assert not travel.active()


def test_a_forged_file_for_the_travel_key_is_refused(demo_vault: Demo, tmp_path: Path,
                                                    ) -> None:
    """Anyone who knows the travel recipient (a public key) can encrypt to it: the
    signature by the vault's own key is what makes a sealed file trusted."""
    out = tmp_path / "sealed.age"
    _start(demo_vault, out)
    identity = travel_key.identity(demo_vault.recovery_key)
    plain = pyrage.decrypt(out.read_bytes(), [identity])
    index = plain.index(b'"name":"') + 8  # a letter of a sealed person's name
    forged = plain[:index] + bytes([plain[index] ^ 0x20]) + plain[index + 1:]
    fake = tmp_path / "forged.age"
    fake.write_bytes(pyrage.encrypt(forged, [identity.to_public()]))
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        before = snapshot(vault)
        with pytest.raises(IntegrityError, match="manifest|signature"):
            travel.end(fake, travel.recovery_identity(demo_vault.recovery_key))
        assert snapshot(vault) == before


def test_a_mistyped_recovery_key_seals_nothing(demo_vault: Demo, tmp_path: Path) -> None:
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        other = Vault.create(tmp_path / "x", PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
        other.vault.close()
        with pytest.raises(WrongKey):
            travel.recovery_recipient(other.recovery_key)
        with pytest.raises(WrongKey):
            travel.recovery_recipient("ABCDE-" * 10 + "ABCDE")


def test_a_safe_record_referring_to_a_sealed_one_is_refused(demo_vault: Demo,
                                                           tmp_path: Path) -> None:
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        testimony = str(vault.store.query_one(
            "SELECT src FROM links WHERE field = 'source' LIMIT 1")[0])
        travel.mark([testimony])
        found = travel.preview()
        assert any(testimony in r for r in found.refusals)
        before = snapshot(vault)
        with pytest.raises(PolicyRefused, match="not travel-safe"):
            travel.start(tmp_path / "s.age", travel.recovery_recipient(
                demo_vault.recovery_key), sealed_to="recovery-key",
                passphrase=demo_vault.passphrase)
        assert snapshot(vault) == before and not travel.active()
        assert not (tmp_path / "s.age").exists()


def test_marking_a_case_marks_its_records(demo_vault: Demo) -> None:
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        case = str(vault.store.query_one("SELECT id FROM records WHERE kind = 'case'")[0])
        members = {str(r[0]) for r in vault.store.query(
            "SELECT dst FROM links WHERE src = ? AND field = 'records'", (case,))}
        changed = travel.mark([], case=case)
        assert set(changed) == members | {case}
        assert set(travel.marked()) >= members | {case}
        assert set(travel.unmark([], case=case)) == members | {case}
        entries = [e for e in vault.store.audit_entries() if e.action == "travel.mark"]
        assert {e.record for e in entries} >= members | {case}


# -- the command line ---------------------------------------------------------------------


def _cli(d: Demo, *args: str, stdin: str | None = None) -> Any:
    return run_cli(["--vault", str(d.path), "--passphrase-stdin", *args],
                   d.passphrase + "\n" if stdin is None else stdin)


def test_cli_round_trip_with_the_recovery_key(demo_vault: Demo, tmp_path: Path) -> None:
    d = demo_vault
    with _open(d) as vault:
        before = snapshot(vault)
    dry = _cli(d, "travel", "start", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    preview = json.loads(dry.out)
    assert preview["kept"] == 3 and preview["attachments"] == 3 and preview["drafts"] == 2
    assert preview["records"] == len(before["records"]) - 3 and not preview["refusals"]
    assert not (d.path.parent / "x").exists()
    status = _cli(d, "status")
    assert "travel mode: off" in status.out
    out = tmp_path / "sealed.age"
    started = _cli(d, "travel", "start", "--out", str(out),
                   stdin=f"{d.passphrase}\n{d.recovery_key}\n")
    assert started.code == 0, started.err
    assert "recovery key" in started.err and out.read_bytes().startswith(b"age-encryption")
    status = _cli(d, "status", "--json")
    assert json.loads(status.out)["travel_mode"] is True
    assert "travel mode: ON" in _cli(d, "status").out
    again = _cli(d, "travel", "start", "--out", str(tmp_path / "again.age"),
                 stdin=f"{d.passphrase}\n{d.recovery_key}\n")
    assert again.code == 1 and "already in travel mode" in again.err
    wrong = _cli(d, "travel", "end", "--from", str(out),
                 stdin=f"{d.passphrase}\n{'A' * 55}\n")
    assert wrong.code == 3, wrong.err
    ended = _cli(d, "travel", "end", "--from", str(out),
                 stdin=f"{d.passphrase}\n{d.recovery_key}\n")
    assert ended.code == 0, ended.err
    twice = _cli(d, "travel", "end", "--from", str(out),
                 stdin=f"{d.passphrase}\n{d.recovery_key}\n")
    assert twice.code == 1 and "restored already" in twice.err
    with _open(d) as vault:
        assert snapshot(vault) == before


def test_cli_round_trip_to_an_age_recipient(demo_vault: Demo, tmp_path: Path) -> None:
    d = demo_vault
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "org.key"
    key_file.write_text(f"# the organisation's key\n{identity}\n")
    out = tmp_path / "sealed.age"
    started = _cli(d, "travel", "start", "--to", str(identity.to_public()), "--out", str(out))
    assert started.code == 0, started.err
    ended = _cli(d, "travel", "end", "--from", str(out), "--identity", str(key_file))
    assert ended.code == 0, ended.err
    usage = _cli(d, "travel", "start")
    assert usage.code == 2


def test_cli_mark_unmark_and_list(demo_vault: Demo) -> None:
    d = demo_vault
    listed = _cli(d, "travel", "list", "--json")
    assert sorted(json.loads(listed.out)) == sorted(d.kept)
    assert _cli(d, "travel", "unmark", d.kept[0][:8]).out.split() == [d.kept[0]]
    assert _cli(d, "travel", "mark", d.kept[0]).out.split() == [d.kept[0]]
    assert _cli(d, "travel", "mark").code == 2


def test_a_full_disk_while_sealing_changes_nothing(tmp_path: Path) -> None:
    """The sealed file is written by age on a thread of its own: when the disk refuses
    (``RLIMIT_FSIZE`` in a real process: EFBIG), the error says so in one line, no file is
    left, and the vault is as it was."""
    import resource
    import subprocess

    from tests.crash.cli import ROOT, child_env, evault_argv

    path = tmp_path / "vault"
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        records = vault.services.records
        kept = records.add("person", {"name": "Kept"})
        sealed = records.add("person", {"name": "Sealed"})
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(3 << 20))
        vault.services.attachments.attach(sealed, big)
        _travel(vault).mark([kept])
        before = snapshot(vault)
    out = tmp_path / "out" / "sealed.age"
    out.parent.mkdir()
    limit = 2 << 20

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    key = pyrage.x25519.Identity.generate().to_public()
    proc = subprocess.run(evault_argv("--vault", str(path), "--passphrase-stdin", "travel",
                                      "start", "--to", str(key), "--out", str(out)),
                          input=(PASSPHRASE + "\n").encode(), capture_output=True,
                          env=child_env(), cwd=ROOT, preexec_fn=cap, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "disk is full while writing the sealed file" in err and "Traceback" not in err
    assert os.listdir(out.parent) == []
    with Vault.open(path) as vault:
        vault.unlock(PASSPHRASE)
        assert snapshot(vault) == before and not _travel(vault).active()


def test_an_unwritable_destination_changes_nothing(demo_vault: Demo, tmp_path: Path) -> None:
    with _open(demo_vault) as vault:
        before = snapshot(vault)
        travel = _travel(vault)
        with pytest.raises(StorageError):
            travel.start(tmp_path / "no" / "such" / "dir" / "s.age",
                         travel.recovery_recipient(demo_vault.recovery_key),
                         sealed_to="recovery-key", passphrase=demo_vault.passphrase)
        assert snapshot(vault) == before and not travel.active()


def test_an_unfinished_start_says_so_and_a_second_start_finishes_it(demo_vault: Demo,
                                                                   tmp_path: Path) -> None:
    """Another session holding the vault open stops the key rotation (issue 13's lock):
    the records are already sealed and removed, so the error must not say "nothing was
    changed"; status and check report it; ``travel start`` again finishes it."""
    from vault.travel.seal import Unfinished

    out = tmp_path / "sealed.age"
    other = _open(demo_vault)  # e.g. the app, left open
    try:
        with _open(demo_vault) as vault:
            travel = _travel(vault)
            master = _master(demo_vault)
            with pytest.raises(Unfinished, match="travel mode is on") as caught:
                travel.start(out, travel.recovery_recipient(demo_vault.recovery_key),
                             sealed_to="recovery-key", passphrase=demo_vault.passphrase)
            assert "nothing was changed" not in caught.value.message
            assert travel.trip().phase == "sealed"  # type: ignore[union-attr]
            assert any("interrupted" in p for p in vault.check().problems)
            assert _master(demo_vault) == master  # not rotated yet
    finally:
        other.close()
    status = _cli(demo_vault, "status")
    assert "did not finish" in status.out
    with _open(demo_vault) as vault:
        travel = _travel(vault)
        resumed = travel.start(out, travel.recovery_recipient(demo_vault.recovery_key),
                               sealed_to="recovery-key", passphrase=demo_vault.passphrase)
        assert resumed.resumed and travel.trip().phase == "travelling"  # type: ignore[union-attr]
        assert vault.check().ok, vault.check().problems
    assert _master(demo_vault) != master
    assert len(os.listdir(demo_vault.path / "blobs")) == 1  # the kept record's file only


def _master(d: Demo) -> bytes:
    from crypto import header as hdr

    return hdr.unlock_with_passphrase((d.path / "header").read_bytes(), d.passphrase)
