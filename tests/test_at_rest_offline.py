"""At rest and offline: a scripted full session, every command a real ``evault``
process under a guard that makes any network attempt fatal, with canaries in every
text-bearing field of every record type and in attached files. Afterwards every byte of
the vault, the temporary, cache, config, state, log and home directories and the working
directory is searched for every canary in UTF-8, UTF-16 and GB18030: zero hits.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest

from tests.canaries import Canaries, all_records, forms, record_with_canaries
from tests.conftest import ROOT
from vault.session import INSECURE_TEST_KDF_ENV

PASS = "at rest passphrase"


class Session:
    """Runs evault commands as real processes with isolated directories and the guard."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs = {name: root / name for name in
                     ("home", "tmp", "cache", "config", "state", "data", "work")}
        for d in self.dirs.values():
            d.mkdir()
        self.inputs = root / "inputs"  # the user's own files: not searched
        self.inputs.mkdir()
        self.vault = self.dirs["data"] / "vault"
        self.env = {
            "PATH": os.environ["PATH"], "HOME": str(self.dirs["home"]),
            "TMPDIR": str(self.dirs["tmp"]), "XDG_CACHE_HOME": str(self.dirs["cache"]),
            "XDG_CONFIG_HOME": str(self.dirs["config"]), "XDG_STATE_HOME": str(self.dirs["state"]),
            "XDG_DATA_HOME": str(self.dirs["data"]), "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
            INSECURE_TEST_KDF_ENV: "1",
        }

    def run(self, *args: str, stdin: str = PASS + "\n", code: int = 0) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.offline_main", *args], input=stdin.encode(),
            capture_output=True, env=self.env, cwd=self.dirs["work"], timeout=300,
        )
        err = proc.stderr.decode(errors="replace")
        assert "NETWORK ATTEMPT" not in err, f"{args[0]} tried the network: {err}"
        assert "Traceback" not in err
        assert proc.returncode == code, f"{args}: exit {proc.returncode}: {err}"
        return proc.stdout.decode()

    def evault(self, *args: str, stdin: str = PASS + "\n", code: int = 0) -> str:
        return self.run("--vault", str(self.vault), *args, "--passphrase-stdin",
                        stdin=stdin, code=code)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Canaries]:
    s = Session(tmp_path_factory.mktemp("session"))
    c = Canaries()
    s.evault("init")
    s.run("--vault", str(s.dirs["data"] / "demo"), "demo")
    ids: dict[str, str] = {}
    for kind, rtype in all_records(c):
        record = record_with_canaries(rtype, c, ids)
        path = s.inputs / f"{kind}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        ids[kind] = s.evault("add", kind, "--json", str(path)).strip()
    person = ids["person"]
    s.evault("edit", person, "--set", f"notes={c.new('edit.person.notes')}")
    s.evault("level", person, "notes", "private")
    s.evault("fields", "add", "testimony", "village", "--kind", "text")
    rows = s.inputs / "testimonies.csv"
    with rows.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["narrative", "place", "village"])
        for i in range(5):
            writer.writerow([c.new(f"import.{i}.narrative"), c.new(f"import.{i}.place"),
                             c.new(f"import.{i}.village")])
    s.evault("import", str(rows), "--kind", "testimony")
    named = s.inputs / f"{c.new('attachment.name')}.txt"
    named.write_text(f"statement: {c.new('attachment.content')}\n", encoding="utf-8")
    attachment = s.evault("attach", ids["testimony"], str(named)).strip()
    assert attachment
    token = c.tokens()["person.name"][0]
    hits = json.loads(s.evault("search", token, "--json"))
    assert any(h["id"] == person for h in hits)
    s.evault("check")
    identity = pyrage.x25519.Identity.generate()
    s.evault("recipients", "add", "partner", str(identity.to_public()))
    s.evault("export", "--clearance", "partner", "--to", "partner", "--ids",
             ",".join(ids.values()), "--out", str(s.dirs["work"] / "bundle.age"),
             "--report", str(s.dirs["work"] / "report.txt"), "--yes")
    assert (s.dirs["work"] / "bundle.age").stat().st_size > 0
    s.evault("backup", "--to", str(s.dirs["data"] / "backup"))
    s.evault("passwd", stdin=f"{PASS}\n{PASS} two\n")
    s.evault("check", stdin=f"{PASS} two\n")
    return s, c


def test_session_used_no_network_and_all_commands_succeeded(
        session: tuple[Session, Canaries]) -> None:
    s, c = session
    assert len(c.issued) > 60  # every text field of every type, plus imports and files


def test_no_canary_in_any_byte_anywhere(session: tuple[Session, Canaries]) -> None:
    s, c = session
    needles = {where: [f for tok in toks for f in forms(tok)]
               for where, toks in c.tokens().items()}
    searched = 0
    leaks = []
    for directory in s.dirs.values():
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            searched += 1
            for where, forms_ in needles.items():
                if any(f in data for f in forms_):
                    leaks.append(f"{where} in {path.relative_to(s.root)}")
    print(f"FIGURES files={searched} canaries={len(c.issued)}")
    assert searched >= 6  # header, db, blob, bundle, report, backup…
    assert not leaks, "\n".join(leaks[:20])


def test_the_bundle_holds_partner_data_but_only_as_ciphertext(
        session: tuple[Session, Canaries]) -> None:
    s, c = session
    sealed = (s.dirs["work"] / "bundle.age").read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1")


def test_the_search_itself_finds_canaries_where_they_are(
        session: tuple[Session, Canaries]) -> None:
    """The user's own input files hold the canaries: the same search must find them
    there, or the zero-hit result above would prove nothing."""
    s, c = session
    found = set()
    for path in s.inputs.rglob("*"):
        data = path.read_bytes() + path.name.encode()
        for where, toks in c.tokens().items():
            if any(f in data for tok in toks for f in forms(tok)):
                found.add(where)
    assert {"person.name", "attachment.content", "attachment.name", "import.0.narrative"} <= found
