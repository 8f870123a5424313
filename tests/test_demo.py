"""The demo vault: opens with ``demo``, has something on every screen (every detention
type, Chinese and English testimonies, perpetrators with posts), is fictional, is
deterministic, and never replaces a real vault."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crypto import kdf
from tests.conftest import PASSPHRASE
from vault.records import demo
from vault.records.demo_text import UYGHUR_NAMES
from vault.records.model import Record
from vault.records.vocab import DEGREES, DETENTION_TYPES
from vault.session import Vault


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "vault"
    demo.create(path, params=kdf.INSECURE_TEST_PARAMS).vault.close()
    return path


@pytest.fixture(scope="module")
def records(demo_path: Path) -> Iterator[list[Record]]:
    with Vault.open(demo_path) as vault:
        vault.unlock("demo")
        yield list(vault.services.records.iter_records())


def _of(records: list[Record], kind: str) -> list[Record]:
    return [r for r in records if r.kind == kind]


def test_demo_opens_with_demo_and_checks_clean(demo_path: Path) -> None:
    with Vault.open(demo_path) as vault:
        vault.unlock("demo")
        assert vault.check().ok
        assert vault.store.setting(demo.DEMO_SETTING) == {"seed": demo.DEFAULT_SEED}


def test_demo_has_every_kind_and_detention_type(records: list[Record]) -> None:
    counts = {kind: len(_of(records, kind)) for kind in
              ("person", "source", "testimony", "detention", "act", "involvement", "case",
               "intervention")}
    assert counts["person"] >= 30 and counts["source"] >= 5 and counts["testimony"] >= 10
    assert all(n >= 3 for n in counts.values()), counts
    types = {r.fields["type"] for r in _of(records, "detention")}
    assert types == set(DETENTION_TYPES.codes())
    degrees = {r.fields["degree"] for r in _of(records, "involvement")}
    assert degrees == set(DEGREES.codes())
    detentions = _of(records, "detention")
    assert any(r.fields.get("held_under_false_name") and r.fields.get("false_name")
               for r in detentions)
    assert any(r.fields.get("confession_broadcast") and r.fields.get("confession_channel")
               and r.fields.get("confession_broadcast_date") for r in detentions)


def test_demo_testimonies_in_chinese_and_english(records: list[Record]) -> None:
    testimonies = _of(records, "testimony")
    zh = [t.fields["narrative"] for t in testimonies if t.fields["language"] == "zh"]
    en = [t.fields["narrative"] for t in testimonies if t.fields["language"] == "en"]
    assert len(zh) >= 5 and len(en) >= 5
    joined = "".join(zh)
    for term in ("酷刑", "律师", "指定居所监视居住", "留置"):
        assert term in joined, term
    assert all(t.fields.get("translation") for t in testimonies if t.fields["language"] == "zh")


def test_demo_perpetrators_have_positions_and_public_names(records: list[Record]) -> None:
    perpetrators = [p for p in _of(records, "person")
                    if "perpetrator" in p.fields.get("roles", [])]
    assert len(perpetrators) >= 5
    for person in perpetrators:
        assert person.fields["positions"]
        assert person.levels["name"] == "public" and person.levels["positions"] == "public"


def test_demo_names_are_obviously_fictional(records: list[Record]) -> None:
    uyghur = {n for pair in UYGHUR_NAMES for n in pair}
    for record in _of(records, "person") + _of(records, "source"):
        original = record.fields.get("name_original", "")
        assert "某" in original or original in uyghur or "虚构" in original, original
    for record in _of(records, "source"):
        assert record.levels["name"] == "private"
        assert all(p.startswith("+86 100 ") for p in record.fields["phones"])
        assert record.fields["emails"][0].endswith("@example.org")


def test_demo_is_deterministic(tmp_path: Path, records: list[Record]) -> None:
    path = tmp_path / "again"
    demo.create(path, params=kdf.INSECURE_TEST_PARAMS).vault.close()
    with Vault.open(path) as vault:
        vault.unlock("demo")
        again = list(vault.services.records.iter_records())
    assert sorted((r.kind, r.title) for r in again) == sorted((r.kind, r.title) for r in records)

    def is_id(value: Any) -> bool:
        return isinstance(value, str) and len(value) == 16 or (
            isinstance(value, list) and all(map(is_id, value)))

    def without_ids(rs: list[Record]) -> list[str]:
        return sorted(json.dumps({k: v for k, v in r.fields.items() if not is_id(v)},
                                 sort_keys=True, ensure_ascii=False) for r in rs)
    assert without_ids(again) == without_ids(records)


def test_demo_command_prints_passphrase_and_refuses_to_overwrite(
        cli: Any, vault_path: Path, new_vault: Vault) -> None:
    # A real vault is there: refused, with or without --force, and left untouched.
    new_vault.close()
    for args in (["demo"], ["demo", "--force"]):
        result = cli(*args, passphrase=False, stdin="")
        assert result.code == 1 and result.err.startswith("error: ")
    with Vault.open(vault_path) as vault:
        vault.unlock(PASSPHRASE)


def test_demo_command_creates_and_force_replaces_a_demo(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "demo-vault"
    made = cli("--vault", str(path), "demo", passphrase=False, stdin="")
    assert made.code == 0, made.err
    assert "passphrase: demo" in made.out and "fictional" in made.err
    assert cli("--vault", str(path), "demo", passphrase=False, stdin="").code == 1
    again = cli("--vault", str(path), "demo", "--force", "--seed", "7", passphrase=False,
                stdin="")
    assert again.code == 0, again.err
    listed = cli("--vault", str(path), "list", "detention", "--json", stdin="demo\n",
                 passphrase=True)
    assert listed.code == 0 and len(json.loads(listed.out)) >= len(DETENTION_TYPES.codes())
