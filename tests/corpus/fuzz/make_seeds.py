"""Write the seeds of the feature fuzz targets (tests/fuzz/extra_targets.py) into
``tests/corpus/fuzz/<target>/``: valid inputs for each mode, so libFuzzer starts from
files that get past the first checks. The first byte of a seed is the target's mode.

    python tests/corpus/fuzz/make_seeds.py

The header and stream seeds are not made here.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz.extra_targets import _KEY, _MESSAGE, _SIGNATURE  # noqa: E402

BAD = ROOT / "tests" / "corpus" / "bad"


def seeds() -> dict[str, dict[str, bytes]]:
    """Seeds by target, then by file name."""
    good_zip = (BAD / "bundles" / "good.zip").read_bytes()
    record = (b'{"format": "evault-record/1", "id": "aaaaaaaaaaaaaaaa", "kind": "testimony", '
              b'"label": "T", "fields": {"title": "T", "source": "bbbbbbbbbbbbbbbb", '
              b'"narrative": "said"}, "references": {"bbbbbbbbbbbbbbbb": {"kind": "source", '
              b'"label": "Source-FUZZ-0000"}}}')
    manifest = (b'{"format": "evault-bundle/1", "bundle_id": "0123456789abcdef", "created": '
                b'"2020-01-01T00:00:00+00:00", "clearance": "partner", "sender_key": "'
                + _KEY.public_key().base64_line().encode() + b'", "files": [{"path": '
                b'"README.txt", "size": 5, "sha256": "'
                + hashlib.sha256(b"fuzz\n").hexdigest().encode() + b'"}]}')
    table = "name,name_original,aliases,birth_date,levels\nA,张三,a; b,2020-02,{}\n"
    return {
        "bundle": {"zip-good": b"\x00" + good_zip,
                   "zip-traversal": b"\x00" + (BAD / "bundles" / "traversal-dotdot.zip"
                                               ).read_bytes(),
                   "manifest": b"\x01" + manifest,
                   "record-testimony": b"\x02" + record,
                   "record-stub-reference": b"\x02" + record.replace(b'"label": "T"',
                                                                     b'"label": "U"')},
        "import": {"csv": b"\x00" + table.encode(),
                   "jsonl": b"\x01" + '{"name": "A", "aliases": ["甲"]}\n[1]\n'.encode(),
                   "xlsx": b"\x02" + (BAD / "xlsx" / "good.xlsx").read_bytes(),
                   "tsv": b"\x03" + table.replace(",", "\t").encode(),
                   "json-array": b"\x04" + b'[{"name": "A"}, {"name": 1}]',
                   "gb18030": b"\x05" + table.encode("gb18030"),
                   "encoding-bom": b"\x06\xef\xbb\xbfname\n"},
        "record": {f"bytes-{n}": hashlib.sha512(b"evault record seed %d" % n).digest()[:n]
                   for n in (8, 24, 48, 64)},
        "signature": {"verify": b"\x00" + _SIGNATURE.encode(),
                      "verify-file": b"\x01" + _SIGNATURE.encode(),
                      "public-key": b"\x02" + _KEY.public_key().to_minisign().encode(),
                      "message": b"\x00" + _MESSAGE},
    }


def main() -> int:
    """Write every seed (replacing the files of the same name)."""
    for target, files in seeds().items():
        folder = HERE / target
        folder.mkdir(exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
