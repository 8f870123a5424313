"""The dossier service (``vault.services.dossier``): draft, check, render, gate, write.

A dossier is never written without passing the leak gate of :mod:`vault.export.gate`
over the exact bytes that would leave, with the identifiers the export pipeline computes
for the same clearance (and, for the PDF, over the text a reader would extract, since
glyphs of an embedded font are invisible to a byte search). Inside a bundle it travels
through :meth:`documents`, which the export's ``plan(documents=...)`` takes, and the
bundle's own gate reads it again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from vault import fsutil
from vault.dossier import render_md
from vault.dossier.compare import compare
from vault.dossier.content import Dossier, DossierSet
from vault.dossier.draft import Drafter
from vault.dossier.profile import gather
from vault.dossier.readiness import Gap, check_all, merge
from vault.dossier.regimes import ALL, Regime, load, resolve
from vault.errors import InvalidInput
from vault.export.gate import Gate, LeakFound
from vault.records.spec import Level

if TYPE_CHECKING:
    from vault.session import Vault


#: Formats a dossier is rendered in, by file suffix.
def _render_pdf() -> ModuleType:
    """The PDF renderer, imported on first use: PyMuPDF takes about half a second to
    import, which every ``evault`` command would otherwise pay at start-up."""
    from vault.dossier import render_pdf

    return render_pdf


FORMATS = (".md", ".pdf")
#: The setting that holds the submitting organisation's name.
ORGANISATION_SETTING = "organisation"
#: The setting that holds how an authority reaches the submitter (an address, an email).
CONTACT_SETTING = "contact"


@dataclass(frozen=True)
class Rendered:
    """A dossier's files, gated: name (``<stem>.md``, ``<stem>.pdf``) → bytes."""

    dossier: Dossier | DossierSet
    files: dict[str, bytes]


def _level(clearance: str | Level) -> Level:
    try:
        level = Level(clearance)
    except ValueError:
        raise InvalidInput("the clearance is public or partner") from None
    if level == Level.PRIVATE:
        raise InvalidInput("private data never leaves the device; the clearance is public "
                           "or partner")
    return level


def _regime(regime: str | Regime) -> Regime:
    return regime if isinstance(regime, Regime) else load(regime)


class DossierService:
    """Dossiers for one unlocked vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    # -- settings ------------------------------------------------------------------------

    def organisation(self) -> str | None:
        """The submitting organisation, from the vault's settings."""
        value = self.vault.store.setting(ORGANISATION_SETTING)
        return value if isinstance(value, str) and value.strip() else None

    def set_organisation(self, name: str) -> None:
        """Set the submitting organisation (audited; the value is not logged)."""
        name = " ".join(name.split())
        if not name or len(name) > 300:
            raise InvalidInput("the organisation's name must be 1 to 300 characters")
        self.vault.store.set_setting(ORGANISATION_SETTING, name)

    def contact(self) -> str | None:
        """How an authority reaches the submitter, from the vault's settings."""
        value = self.vault.store.setting(CONTACT_SETTING)
        return value if isinstance(value, str) and value.strip() else None

    def set_contact(self, text: str) -> None:
        """Set the submitter's contact (audited; the value is not logged)."""
        text = " ".join(text.split())
        if not text or len(text) > 300:
            raise InvalidInput("the contact must be 1 to 300 characters")
        self.vault.store.set_setting(CONTACT_SETTING, text)

    # -- drafting ------------------------------------------------------------------------

    def check(self, person_id: str, regime: str | Regime,
              clearance: str | Level = Level.PUBLIC) -> list[Gap]:
        """What the filing still lacks (see :mod:`vault.dossier.readiness`); under
        ``all``, one list for every regime (a gap of one regime only says which)."""
        return merge(self.check_each(person_id, regime, clearance))

    def check_each(self, person_id: str, regime: str | Regime,
                   clearance: str | Level = Level.PUBLIC) -> dict[str, list[Gap]]:
        """The gaps under each regime ``regime`` names (``all``: every one), by id."""
        return check_all(gather(self.vault, person_id), resolve(regime), _level(clearance),
                         self.organisation(), self.contact())

    def build_set(self, person_id: str, clearance: str | Level = "public",
                  recipient: str | Iterable[str] | None = None,
                  plain: bool | None = None) -> DossierSet:
        """One dossier per regime, for one audience, with the comparison of regimes."""
        dossiers = [self.build(person_id, r, clearance, recipient, plain)
                    for r in resolve(ALL)]
        profile = gather(self.vault, person_id)
        gaps = check_all(profile, [d.regime for d in dossiers], _level(clearance),
                         self.organisation(), self.contact())
        stem = dossiers[0].name.split("-", 1)[1]
        return DossierSet(dossiers, compare(profile, [d.regime for d in dossiers], gaps),
                          f"all-{stem}")

    def build(self, person_id: str, regime: str | Regime, clearance: str | Level = "public",
              recipient: str | Iterable[str] | None = None,
              plain: bool | None = None) -> Dossier:
        """The dossier's content, redacted for ``clearance`` and the audience: the named
        recipients (names or ``age1…`` keys) whose bundle it will travel in, or the public
        when there are none (or ``plain``). Pseudonyms then match that bundle's."""
        level = _level(clearance)
        names = [recipient] if isinstance(recipient, str) else list(recipient or [])
        keys = [r.age_key for r in self.vault.services.export.recipients.resolve(names)] \
            if names else []
        is_plain = plain if plain is not None else not keys
        profile = gather(self.vault, person_id)
        drafter = Drafter(self.vault, profile, _regime(regime), level, keys, is_plain)
        return drafter.draft(self.organisation(), self.contact())

    # -- rendering and the gate ----------------------------------------------------------

    def render(self, dossier: Dossier | DossierSet,
               formats: Iterable[str] = FORMATS) -> Rendered:
        """Render ``dossier`` and run the leak gate over every file. LeakFound (exit 5)
        when anything the dossier may not carry is in the bytes or in the PDF's text."""
        files: dict[str, bytes] = {}
        for suffix in formats:
            if suffix == ".md":
                files[f"{dossier.name}.md"] = render_md.render_bytes(dossier)
            elif suffix == ".pdf":
                files[f"{dossier.name}.pdf"] = _render_pdf().render(dossier)
            else:
                raise InvalidInput("a dossier is written as .md or .pdf")
        gate(dossier, files)
        return Rendered(dossier, files)

    def documents(self, person_id: str, regime: str | Regime, clearance: str | Level,
                  recipients: Iterable[str] = (), plain: bool = False) -> dict[str, bytes]:
        """The gated files for the export's ``plan(documents=...)`` (they land under
        ``dossier/`` in the bundle and are gated again with the bundle). Under ``all``:
        each regime's own files, and the comparison (``comparison-<id>.md``, ``.pdf``)."""
        if regime == ALL:
            dset = self.build_set(person_id, clearance, list(recipients), plain)
            files: dict[str, bytes] = {}
            for dossier in dset.dossiers:
                files.update(self.render(dossier).files)
            alone = DossierSet(dset.dossiers, dset.standings,
                               dset.name.replace("all-", "comparison-", 1), complete=False)
            files.update(self.render(alone).files)
            return files
        dossier = self.build(person_id, regime, clearance, list(recipients), plain)
        return self.render(dossier).files

    def write(self, person_id: str, regime: str | Regime, out: Path,
              clearance: str | Level = "public",
              recipient: str | Iterable[str] | None = None) -> Rendered:
        """Draft, render in the format ``out``'s suffix names, gate, then write ``out``
        atomically. Refuses to overwrite; nothing is written when the gate refuses."""
        out = Path(out)
        suffix = out.suffix.lower()
        if suffix not in FORMATS:
            raise InvalidInput("the output file must end in .md or .pdf")
        if out.exists() or out.is_symlink():
            raise InvalidInput(f"{out} already exists; choose a new file name")
        if not out.parent.is_dir():
            raise InvalidInput(f"the folder {out.parent} does not exist")
        if _level(clearance) != Level.PUBLIC and not recipient:
            raise InvalidInput("a partner dossier is written for named recipients (--to); "
                               "only a public one is written for anyone")
        dossier: Dossier | DossierSet = (
            self.build_set(person_id, clearance, recipient) if regime == ALL
            else self.build(person_id, regime, clearance, recipient))
        rendered = self.render(dossier, [suffix])  # THE LEAK GATE, before any byte is written
        data = next(iter(rendered.files.values()))
        written = False
        try:
            with self.vault.store.transaction("writing a dossier") as tx:
                tx.audit("dossier.write",
                         record=self.vault.services.records.resolve(person_id),
                         regime=regime if isinstance(regime, str) else regime.id,
                         clearance=_level(clearance).value,
                         format=suffix[1:], size=len(data))
                fsutil.atomic_write(out, data, what="writing the dossier")
                written = True
        except BaseException:
            if written:  # the audit entry did not commit: take the file back
                with contextlib.suppress(OSError):
                    out.unlink()
            raise
        return rendered


def gate(dossier: Dossier | DossierSet, files: dict[str, bytes]) -> None:
    """The export's leak gate over a dossier's files: each file's bytes as the bundle gate
    reads them, and a PDF's extracted text as text. LeakFound on any hit."""
    checker = Gate(dossier.gate_needles)
    leaks = []
    for name, data in files.items():
        path = f"dossier/{name}"
        leaks.extend(checker.scan_file(path, data))
        if name.endswith(".pdf"):
            text = _render_pdf().text_of(data).encode("utf-8")
            leaks.extend(checker.scan_file(f"{path}.txt", text))
    if leaks:
        raise LeakFound(leaks)
