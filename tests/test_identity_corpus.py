"""The identity corpus (tests/corpus/identity/cases.json), end to end.

One vault holds the protected sources of the corpus; every case is a testimony whose
narrative (or title, translation, summary or a custom text field) holds one written form of
a protected identifier — another script, a romanisation, look-alike letters, markup, a phone
number in another region's format, the value part of a labelled handle — or an identifier
the vault does not know. Everything is exported in ONE bundle through the real command line
and opened with the real ``age -d``; each case is then asserted on its own record: none of
its written forms may be in it. The legitimate texts of the corpus travel in the same
bundle and must arrive unchanged.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crypto import kdf
from tests.clirun import run_cli
from tests.conftest import PASSPHRASE
from vault.session import INSECURE_TEST_KDF_ENV, Vault

CORPUS = json.loads((Path(__file__).parent / "corpus/identity/cases.json")
                    .read_text(encoding="utf-8"))
CASES = {c["id"]: c for c in CORPUS["cases"]}
LEGIT = CORPUS["legitimate"]
AGE, AGE_KEYGEN = shutil.which("age"), shutil.which("age-keygen")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the corpus vault, export it through the CLI, open it with ``age -d``."""
    assert AGE and AGE_KEYGEN, "the corpus needs the real age and age-keygen"
    tmp = tmp_path_factory.mktemp("identity")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(INSECURE_TEST_KDF_ENV, "1")
        path = tmp / "vault"
        vault: Vault = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS).vault
        records = vault.services.records
        records.add_field("testimony", "extra", "text", level="partner")
        sources = {key: records.add("source", data)
                   for key, data in CORPUS["vault"]["sources"].items()}
        by_case: dict[str, str] = {}
        for case in CORPUS["cases"]:
            field = case.get("field", "narrative")
            data = {"title": case["id"], "narrative": "(see the field under test)"}
            data[field] = case["text"]
            by_case[case["id"]] = records.add("testimony", data)
        legit = [records.add("testimony", {"title": f"legit {i}", "narrative": text})
                 for i, text in enumerate(LEGIT)]
        vault.close()
        key = tmp / "key.txt"
        subprocess.run([AGE_KEYGEN, "-o", str(key)], check=True, capture_output=True)
        public = subprocess.run([AGE_KEYGEN, "-y", str(key)], check=True,
                                capture_output=True, text=True).stdout.strip()
        out, report = tmp / "b.age", tmp / "report.json"
        ids = ",".join([*by_case.values(), *legit, sources["S1"]])
        result = run_cli(["--vault", str(path), "export", "--clearance", "partner",
                          "--to", public, "--ids", ids, "--out", str(out), "--report",
                          str(report), "--yes", "--passphrase-stdin"], PASSPHRASE + "\n")
    assert result.code == 0, result.err
    plain = subprocess.run([AGE, "-d", "-i", str(key), str(out)], check=True,
                           capture_output=True).stdout
    doc = json.loads(report.read_text(encoding="utf-8"))
    bundle_ids = {r["record"]: r["bundle_id"] for r in doc["records"]}
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        docs = {name: json.loads(zf.read(name)) for name in zf.namelist()
                if name.startswith("records/") and name.endswith(".json")}
        everything = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8", "replace")
    view = {rid: docs[f"records/{bundle_ids[rid]}.json"] for rid in bundle_ids}
    return {"cases": {c: view[rid] for c, rid in by_case.items()},
            "legit": [view[rid] for rid in legit], "source": view[sources["S1"]],
            "report": doc, "all": everything}


@pytest.mark.parametrize("case_id", list(CASES))
def test_no_written_form_of_an_identity_leaves(bundle: dict[str, Any], case_id: str) -> None:
    case = CASES[case_id]
    record = bundle["cases"][case_id]
    shipped = "\n".join(_strings([record["label"], record["fields"]]))
    for leak in case["leak"]:
        assert leak not in shipped, f"{case_id} ({case['category']}): a form got out"


@pytest.mark.parametrize("index", range(len(LEGIT)))
def test_legitimate_text_arrives_unchanged(bundle: dict[str, Any], index: int) -> None:
    assert bundle["legit"][index]["fields"]["narrative"] == LEGIT[index]


def test_corpus_is_large_and_covers_every_category() -> None:
    categories = {c["category"] for c in CASES.values()}
    assert len(CASES) >= 150
    assert categories == {"script", "lookalike", "markup", "numbers", "labelled",
                          "detectors", "fields"}
    assert os.environ.get(INSECURE_TEST_KDF_ENV) == "1"  # the autouse fixture is on
