"""Registry-driven sample records for the record tests: a full record of every type
(every field filled), and hypothesis strategies that draw valid values from each field's
declaration. Driven by the registry, so a new field is tested without a new test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from vault.records.registry import BUILTIN, Registry
from vault.records.spec import POSITION_KEYS, FieldKind, FieldSpec
from vault.records.vocab import VOCABULARIES

#: Text in many scripts, with the hard cases: right-to-left runs with bidi controls,
#: combining marks, emoji, NUL, terminal escapes, C1 controls, CRLF.
MIXED = [
    "他说：律师被拒绝会见，he was held under RSDL (指定居所监视居住) for 6 months.",
    "ئۇلار مېنى ئۈچ ئاي سولاپ قويدى — they kept me three months",
    "او را به مدت سه ماه بازداشت کردند \u202bRLE\u202c و \u2067isolate\u2069",
    "Tiếng Việt: bị giam giữ; བོད་ཡིག; မြန်မာဘာသာ; 😀 e\u0301",
    "control\x00nul\x07bell\x1b[31mred\x1b]0;title\x07\x9b2J\r\nnext line",
]

_SAFE_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)
_TEXT = st.one_of(_SAFE_TEXT, st.sampled_from(MIXED))


def _date(spec_name: str = "") -> st.SearchStrategy[str]:
    day = st.dates().filter(lambda d: d.year >= 1).map(lambda d: d.isoformat())
    return st.tuples(st.booleans(), day, st.sampled_from([4, 7, 10])).map(
        lambda t: ("~" if t[0] else "") + t[1][: t[2]])


def _position() -> st.SearchStrategy[dict[str, str]]:
    parts = {key: (_date() if key in ("from", "to") else _SAFE_TEXT) for key in POSITION_KEYS}
    return st.fixed_dictionaries({}, optional=parts).filter(bool).map(
        lambda p: {k: p[k] for k in POSITION_KEYS if k in p})


def value_strategy(spec: FieldSpec, refs: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Valid values for ``spec``; references drawn from ``refs`` (kind -> ids)."""
    kind = spec.kind
    one: st.SearchStrategy[Any]
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.IDENTIFIER):
        one = _TEXT
    elif kind == FieldKind.DATE:
        one = _date()
    elif kind == FieldKind.ENUM:
        one = st.sampled_from(VOCABULARIES[spec.vocabulary or ""].codes())
    elif kind == FieldKind.REFERENCE:
        pool = [rid for k in (spec.ref_kinds or tuple(refs)) for rid in refs.get(k, [])]
        one = st.sampled_from(pool)
    elif kind == FieldKind.BOOL:
        one = st.booleans()
    elif kind == FieldKind.INTEGER:
        one = st.integers(-(2**53), 2**53)
    else:
        one = _position()
    if spec.multi:
        return st.lists(one, min_size=1, max_size=4)
    return one


def record_strategy(kind: str, refs: dict[str, list[str]],
                    registry: Registry = BUILTIN) -> st.SearchStrategy[dict[str, Any]]:
    """Valid records of ``kind``: required fields always, others sometimes."""
    rtype = registry.type(kind)
    required = {n: value_strategy(s, refs) for n, s in rtype.fields.items() if s.required}
    optional = {n: value_strategy(s, refs) for n, s in rtype.fields.items() if not s.required}
    return st.fixed_dictionaries(required, optional=optional)


def full_record(kind: str, refs: dict[str, list[str]], registry: Registry = BUILTIN,
                salt: int = 0) -> dict[str, Any]:
    """One record of ``kind`` with every field filled (deterministic)."""
    rtype = registry.type(kind)
    out: dict[str, Any] = {}
    for number, (name, spec) in enumerate(rtype.fields.items()):
        out[name] = full_value(spec, refs, number + salt)
    return out


def full_value(spec: FieldSpec, refs: dict[str, list[str]], n: int) -> Any:
    """A deterministic valid value for ``spec``."""
    kind = spec.kind
    if kind in (FieldKind.TEXT, FieldKind.IDENTIFIER):
        one: Any = f"{spec.name} {MIXED[n % len(MIXED)][:30]}"
    elif kind == FieldKind.LONG_TEXT:
        one = "\n".join(MIXED[n % len(MIXED):] + MIXED[: n % len(MIXED)])
    elif kind == FieldKind.DATE:
        one = ["2019-03-14", "~2018-11", "2020", "~1999"][n % 4]
    elif kind == FieldKind.ENUM:
        codes = VOCABULARIES[spec.vocabulary or ""].codes()
        one = codes[n % len(codes)]
    elif kind == FieldKind.REFERENCE:
        pool = [rid for k in (spec.ref_kinds or tuple(refs)) for rid in refs.get(k, [])]
        one = pool[n % len(pool)]
    elif kind == FieldKind.BOOL:
        one = n % 2 == 0
    elif kind == FieldKind.INTEGER:
        one = n * 37 - 5
    else:
        return [{"organisation": "Shili City PSB 示例市公安局", "unit": "国保",
                 "rank": "Deputy Director", "from": "2014-03", "to": "~2019"},
                {"organisation": "Yangben County", "from": "2019-04-01"}]
    if spec.multi:
        return [one, full_value_second(spec, refs, n)]
    return one


def full_value_second(spec: FieldSpec, refs: dict[str, list[str]], n: int) -> Any:
    """A second, different item for a list field."""
    if spec.kind == FieldKind.ENUM:
        codes = VOCABULARIES[spec.vocabulary or ""].codes()
        return codes[(n + 1) % len(codes)]
    if spec.kind == FieldKind.REFERENCE:
        pool = [rid for k in (spec.ref_kinds or tuple(refs)) for rid in refs.get(k, [])]
        return pool[(n + 1) % len(pool)]
    return f"second {spec.name} 第二"


def seed_references(service: Any) -> dict[str, list[str]]:
    """Two minimal records of every kind, so every reference field has targets."""
    refs: dict[str, list[str]] = {}
    person = service.add("person", {"name": "Seed Person"})
    act = service.add("act", {"type": "torture"})
    minimal: dict[str, Callable[[int], dict[str, Any]]] = {
        "person": lambda i: {"name": f"Seed person {i}"},
        "source": lambda i: {"label": f"Seed source {i}"},
        "testimony": lambda i: {"title": f"Seed testimony {i}"},
        "detention": lambda i: {"detainee": person, "type": "rsdl"},
        "act": lambda i: {"type": "killing"},
        "involvement": lambda i: {"act": act, "perpetrator": person, "degree": "ordered"},
        "case": lambda i: {"title": f"Seed case {i}"},
        "intervention": lambda i: {"type": "un_communication"},
    }
    for kind, make in minimal.items():
        refs[kind] = [service.add(kind, make(i)) for i in range(2)]
    refs["person"].append(person)
    refs["act"].append(act)
    return refs
