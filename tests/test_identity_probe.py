"""A second, independent leak corpus (written apart from tests/corpus/identity): sources in
five scripts, and their identifiers written in the ways a partner's text would carry them.
Everything goes out in ONE bundle through the real CLI and the real ``age -d``; each case is
asserted on its own record, and ordinary texts must arrive unchanged.

It also holds the regression of a false refusal: a source's working label ("Source B") was
matched in its reordered form ("B Source") in ``<b>Source-…``, an HTML tag before a
pseudonym, and refused an innocent bundle (case ``tag2``).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from typing import Any

import pytest

from crypto import kdf
from tests.clirun import run_cli
from tests.conftest import PASSPHRASE
from vault.session import INSECURE_TEST_KDF_ENV, Vault

AGE, AGE_KEYGEN = shutil.which("age"), shutil.which("age-keygen")

SOURCES = {
    "P1": {"label": "Source A", "name_original": "陈志强", "phones": ["+86 139 8765 4321"],
           "handles": ["WeChat: wxy_8899"], "id_documents": ["Passport G87654321"],
           "address": "北京市朝阳区建国路99号"},
    "P2": {"label": "Source B", "name": "Mehmet Yılmaz", "phones": ["+90 212 555 44 33"]},
    "P3": {"label": "Source C", "name": "Nguyễn Thị Hoa", "phones": ["+84 912 345 678"]},
    "P4": {"label": "Source D", "name_original": "مریم احمدی"},
    "P5": {"label": "Source E", "name": "Dmitri Volkov", "name_original": "Дмитрий Волков"},
}
# (id, text, forms that must not appear in the bundle's record)
CASES = [
    ("trad", "證人陳志強被帶走。", ["陳志強"]),
    ("simp", "证人陈志强被带走。", ["陈志强"]),
    ("mixed", "证人陳志强被带走。", ["陳志强"]),
    ("py1", "Chen Zhiqiang was detained.", ["Zhiqiang"]),
    ("py2", "Zhiqiang Chen was detained.", ["Zhiqiang"]),
    ("py3", "CHEN Zhiqiang was detained.", ["Zhiqiang"]),
    ("py4", "chen zhi qiang was detained.", ["zhi qiang"]),
    ("py5", "Chén Zhìqiáng was detained.", ["Zhìqiáng"]),
    ("py6", "Chen2 Zhi4qiang2 was detained.", ["Zhi4qiang2"]),
    ("py7", "Chen Zhi-qiang was detained.", ["Zhi-qiang"]),
    ("py8", "Mr Chenzhiqiang was detained.", ["Chenzhiqiang"]),
    ("wg", "Ch'en Chih-ch'iang was detained.", ["Chih-ch'iang"]),
    ("wg2", "Chen Chih-chiang was detained.", ["Chih-chiang"]),
    ("cyr1", "Dmitri V\u043elkov spoke.", ["V\u043elkov"]),
    ("cyr2", "Дмитрий Волков spoke.", ["Волков"]),
    ("cyr3", "Dmitriy Volkov spoke.", ["Dmitriy Volkov"]),
    ("zw", "Dmitri Vol\u200bkov spoke.", ["Vol\u200bkov"]),
    ("shy", "Dmitri Vol\u00adkov spoke.", ["Vol\u00adkov"]),
    ("fw", "Ｄｍｉｔｒｉ Ｖｏｌｋｏｖ spoke.", ["Ｖｏｌｋｏｖ"]),
    ("greek", "DMITRI V\u039fLK\u039fV spoke.", ["V\u039fLK\u039fV"]),
    ("vi1", "Nguyen Thi Hoa testified.", ["Nguyen Thi Hoa"]),
    ("vi2", "NGUYỄN THỊ HOA testified.", ["NGUYỄN THỊ HOA"]),
    ("vi3", "Nguye\u0302\u0303n Thi\u0323 Hoa testified.", ["Thi\u0323 Hoa"]),
    ("tr1", "Mehmet Yilmaz testified.", ["Yilmaz"]),
    ("tr2", "MEHMET YILMAZ testified.", ["YILMAZ"]),
    ("tr3", "Yılmaz, Mehmet testified.", ["Yılmaz, Mehmet"]),
    ("fa1", "شاهد مريم احمدي بود", ["احمدي"]),
    ("fa2", "شاهد مـريم احمـدی بود", ["احمـدی"]),
    ("fa3", "شاهد مَریَم اَحمَدی بود", ["اَحمَدی"]),
    ("ent1", "Witness &#38472;&#24535;&#24378; was seen.", ["&#38472;&#24535;&#24378;"]),
    ("ent2", "Witness &#x9648;&#x5fd7;&#x5f3a; was seen.", ["&#x9648;&#x5fd7;&#x5f3a;"]),
    ("pct", "see /people/%E9%99%88%E5%BF%97%E5%BC%BA", ["%E9%99%88%E5%BF%97%E5%BC%BA"]),
    ("uesc", "name=\\u9648\\u5fd7\\u5f3a", ["\\u9648\\u5fd7\\u5f3a"]),
    ("tag", "<p>Dmitri <i>Vol</i>kov</p>", ["<i>Vol</i>kov"]),
    ("tag2", "<b>陈</b>志强", ["<b>陈</b>志强"]),
    ("ph1", "Call 139-8765-4321 now.", ["139-8765-4321"]),
    ("ph2", "Call (139) 8765 4321 now.", ["(139) 8765 4321"]),
    ("ph3", "Call 13987654321.", ["13987654321"]),
    ("ph4", "号码是一三九八七六五四三二一", ["一三九八七六五四三二一"]),
    ("ph5", "号码是幺三九八七六五四三二幺", ["幺三九八七六五四三二幺"]),
    ("ph6", "call 139 then 8765 then 4321", ["139 then 8765 then 4321"]),
    ("ph7", "电话：＋８６ １３９ ８７６５ ４３２１", ["１３９ ８７６５ ４３２１"]),
    ("ph8", "dial 0086 139 8765 4321", ["0086 139 8765 4321"]),
    ("ph9", "dial 86-139-8765-4321.", ["86-139-8765-4321"]),
    ("tr_ph1", "Ofis: 0212 555 44 33", ["0212 555 44 33"]),
    ("tr_ph2", "Tel (0212) 555 4433", ["(0212) 555 4433"]),
    ("tr_ph3", "Tel +90 (212) 555-44-33", ["(212) 555-44-33"]),
    ("vn_ph1", "Số: 0912 345 678", ["0912 345 678"]),
    ("vn_ph2", "Số: +84912345678", ["+84912345678"]),
    ("pp1", "passport G87654321 seized", ["G87654321"]),
    ("pp2", "passport G 8765 4321 seized", ["G 8765 4321"]),
    ("pp3", "護照號碼：G87654321", ["G87654321"]),
    ("h1", "add wxy_8899 on the app", ["wxy_8899"]),
    ("h2", "微信号：wxy_8899", ["wxy_8899"]),
    ("h3", "weixin id wxy-8899", ["wxy-8899"]),
    ("addr1", "他住在建国路99号。", ["建国路99号"]),
    ("addr2", "He lives at 99 Jianguo Road.", ["Jianguo Road"]),
    ("addr3", "他住在建國路99號。", ["建國路99號"]),
    ("uphone", "Unknown number 0912-555-0199 called.", ["0912-555-0199"]),
    ("uhk", "HK contact 9876 5432 (mobile)", ["9876 5432"]),
    ("uemail", "write to someone.else@example.net", ["someone.else@example.net"]),
]
TITLE_CASES = [("title1", "Interview with 陳志強", ["陳志強"])]
LEGIT = [
    "The detention lasted 99 days in 2019 at the Urumqi centre.",
    "Version 1.2.3.4 of the app was installed on the phone.",
    "The police station on Jianguo Road is large.",  # hmm: address part
    "张先生说他在北京被关押了三个月。",
    "He said the interrogation began at 10:30 and ended at 23:45.",
    "The court sentenced him to 12 years under article 105.",
    "Ordinary words like chen and zhi may appear in other names such as Chen Guangcheng.",
    "Mehmet went to the market.",
    "The volcano near the village erupted in 1990.",
    "共有139人在名单上，其中8765人已获释。",
]




@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert AGE and AGE_KEYGEN, "the probe needs the real age and age-keygen"
    tmp = tmp_path_factory.mktemp("probe")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(INSECURE_TEST_KDF_ENV, "1")
        path = tmp / "vault"
        vault = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS).vault
        records = vault.services.records
        for data in SOURCES.values():
            records.add("source", data)
        ids = [records.add("testimony", {"title": cid, "narrative": text})
               for cid, text, _forms in CASES]
        ids += [records.add("testimony", {"title": text, "narrative": "x"})
                for _cid, text, _forms in TITLE_CASES]
        ids += [records.add("testimony", {"title": f"legit {i}", "narrative": text})
                for i, text in enumerate(LEGIT)]
        vault.close()
        key = tmp / "key.txt"
        subprocess.run([AGE_KEYGEN, "-o", str(key)], check=True, capture_output=True)
        public = subprocess.run([AGE_KEYGEN, "-y", str(key)], check=True,
                                capture_output=True, text=True).stdout.strip()
        out = tmp / "b.age"
        result = run_cli(["--vault", str(path), "export", "--clearance", "partner", "--to",
                          public, "--ids", ",".join(ids), "--out", str(out), "--yes",
                          "--passphrase-stdin"], PASSPHRASE + "\n")
        assert result.code == 0, result.err[-2000:]
    zipped = subprocess.run([AGE, "-d", "-i", str(key), str(out)], check=True,
                            capture_output=True).stdout
    by_title: dict[str, Any] = {}
    with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
        for name in zf.namelist():
            if name.startswith("records/") and name.endswith(".json"):
                doc = json.loads(zf.read(name))
                by_title[doc["fields"].get("title", "")] = doc
    return by_title


@pytest.mark.parametrize(("cid", "text", "forms"), CASES, ids=[c[0] for c in CASES])
def test_no_written_form_leaves(bundle: dict[str, Any], cid: str, text: str,
                                forms: list[str]) -> None:
    doc = json.dumps(bundle[cid], ensure_ascii=False)
    for form in forms:
        assert form.lower() not in doc.lower(), (cid, form)


def test_a_title_is_rewritten_too(bundle: dict[str, Any]) -> None:
    titles = [t for t in bundle if t.startswith("Interview with")]
    assert titles and all("陳志強" not in t and "陈志强" not in t for t in titles)


@pytest.mark.parametrize("i", range(len(LEGIT)))
def test_ordinary_text_arrives_unchanged(bundle: dict[str, Any], i: int) -> None:
    assert bundle[f"legit {i}"]["fields"]["narrative"] == LEGIT[i]
