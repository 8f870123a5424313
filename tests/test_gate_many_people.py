"""The matcher and the gate at many protected people (issue 16).

The matcher and the gate's byte needles hold each skeleton and needle once, numbered,
with owners and rules in integer arrays (:class:`vault.export.normalize.Matcher`,
:class:`vault.export.needles.ByteNeedles`), and the gate's needles of the stored forms
are built while the protected identities table is read. These tests hold the seams:
owners stay right when a key is shared, each use of the one byte automaton finds what
an automaton of its own needles would, a value changed behind the table's back is
still caught, and among thousands of protected people each one is still refused.
"""

from __future__ import annotations

import random

import pyrage

from vault.export.gate import Gate
from vault.export.needles import OPAQUE, TEXT, ByteNeedles
from vault.export.normalize import Matcher, skeleton
from vault.records import stored
from vault.session import Vault


def test_a_skeleton_shared_by_two_people_reports_both_owners() -> None:
    matcher = Matcher([("Li Wei", "first"), ("LI-WEI", "second"), ("li wei", "first"),
                       ("Zhang San", "third")])
    assert matcher.owners(skeleton("Li Wei")) == ("first", "second")
    assert matcher.owners(skeleton("Zhang San")) == ("third",)
    assert matcher.owners("nobody") == ()
    assert skeleton("Li Wei") in matcher and "nobody" not in matcher
    assert len(matcher) == 2
    found = matcher.find("we met LI WEI and Zhang San")
    assert [(m.key, m.owners) for m in found] == [("liwei", ("first", "second")),
                                                   ("zhangsan", ("third",))]
    # The edge rule of the key still applies: "Li Wei" inside a longer word is not it.
    assert matcher.search("we met Li Weixing") is None


def test_each_use_of_the_byte_needles_finds_only_its_own() -> None:
    needles: ByteNeedles[str] = ByteNeedles()
    needles.add(["opaqueonly"], OPAQUE, "a")
    needles.add(["shared-one"], TEXT, "b")
    needles.add(["shared-one"], OPAQUE, "c")  # the opaque use's first owner is c
    needles.add(["shared-one"], TEXT, "d")  # not b's replacement: the first stays
    needles.add(["textonly"], TEXT, "e")
    needles.finish()
    assert needles.search(b"xx OPAQUEONLY xx", OPAQUE) == "a"
    assert needles.search(b"xx opaqueonly xx", TEXT) is None
    assert needles.search(b"xx textonly xx", TEXT) == "e"
    assert needles.search(b"xx textonly xx", OPAQUE) is None
    assert needles.search(b"-- shared-one --", OPAQUE) == "c"
    assert needles.search(b"-- shared-one --", TEXT) == "b"
    assert needles.longest == {OPAQUE: len("opaqueonly"), TEXT: len("shared-one")}


def _plan_gate(vault: Vault, ids: list[str]) -> Gate:
    key = pyrage.x25519.Identity.generate()
    vault.services.export.recipients.add("Partner", str(key.to_public()))
    plan = vault.services.export.plan(clearance="public", to=["Partner"], ids=ids)
    return plan.gate()


def test_thousands_of_protected_people_are_each_refused(new_vault: Vault) -> None:
    records = new_vault.services.records
    people = [{"label": f"Witness {i}", "name": f"Ablimit Qarluq{i:04d}",
               "phones": [f"+86 139 {i:04d} {7000 + i:04d}"]} for i in range(2000)]
    ids = records.add_many("source", people)
    tst = records.add("testimony", {"title": "T", "narrative": "Nothing to see."},
                      levels={"narrative": "public"})
    gate = _plan_gate(new_vault, [tst])
    for i in random.Random(5).sample(range(2000), 12):
        name, phone = people[i]["name"], people[i]["phones"][0]
        leak = gate.scan_text("records/x.json", f"we met {str(name).upper()} at night")
        assert [(x.owner.record_id, x.owner.field) for x in leak] == [(ids[i], "name")]
        digits = "".join(c for c in str(phone) if c.isdigit())
        leak = gate.scan_text("records/x.json", f"call {digits[2:]}")
        assert [(x.owner.record_id, x.owner.field) for x in leak] == [(ids[i], "phones")]
        for data in (str(name).encode("utf-16-le"), str(name).lower().encode("utf-16-be"),
                     str(name).encode("utf-8")):
            owner = gate.opaque.search(b"\x00\xff" * 50 + data + b"\x17" * 9)
            assert owner is not None and (owner.record_id, owner.field) == (ids[i], "name")
        owner = gate.text_bytes.search(b"plain text " + str(name).encode("utf-16-le"))
        assert owner is not None and (owner.record_id, owner.field) == (ids[i], "name")


def test_a_name_changed_behind_the_tables_back_is_caught(new_vault: Vault) -> None:
    """An older writer changes a name with plain SQL after the table was written: the
    records trigger marks it stale, and the gate's byte needles (computed afresh for
    that record, not read from the table) find the new name, not only the matcher."""
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": "Ablimit Tursun"})
    tst = records.add("testimony", {"title": "T", "narrative": "Nothing to see."},
                      levels={"narrative": "public"})
    with new_vault.store.transaction("an older writer") as tx:
        data = stored.fields(tx.execute("SELECT data FROM records WHERE id = ?",
                                        (src,)).fetchone()[0])
        data["name"] = "Dilnur Rexim"
        tx.execute("UPDATE records SET data = ? WHERE id = ?",
                   (stored.pack(stored.dump(data)), src))
        tx.audit("test.old_writer")
    gate = _plan_gate(new_vault, [tst])
    owner = gate.opaque.search(b"\x89PNG...." + "Dilnur Rexim".encode("utf-16-be"))
    assert owner is not None and (owner.record_id, owner.field) == (src, "name")
    assert gate.opaque.search("Ablimit Tursun".encode("utf-16-le")) is None
    leak = gate.scan_text("records/x.json", "she saw dilnur rexim")
    assert [(x.owner.record_id, x.owner.field) for x in leak] == [(src, "name")]
