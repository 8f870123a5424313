"""Travel mode in the app (docs/travel.md): the travel-safe badge, the typed messages the
travel workers post, and the one-line, translated wording of the errors a traveller meets.

Every rule (what is sealed, how, every check) lives in ``vault.travel``; the screens in
:mod:`tui.app.screens.travel` and the ``m`` key of the browse and record screens call it
from workers and report back with these messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message

from tui.app.i18n import N_, _
from vault.errors import IntegrityError, PolicyRefused, VaultError, WrongKey

if TYPE_CHECKING:
    from vault.session import Vault
    from vault.travel.restore import Ended, Inspected
    from vault.travel.seal import Started
    from vault.travel.selection import Preview
    from vault.travel.state import Trip

#: Put before a travel-safe record's title in lists (one cell wide in every terminal).
MARK = "✈"
MARK_PREFIX = MARK + " "
BADGE_STYLE = "bold black on cyan"


def badge() -> Text:
    """``[✈ TRAVEL-SAFE]``: a word as well as a sign, so it reads without the symbol."""
    word = _("TRAVEL-SAFE")
    return Text(f"[{MARK} {word}]", style=BADGE_STYLE)


def marked_title(title: Text, marked: bool) -> Text:
    """``title`` with the travel-safe sign in front, or without it."""
    bare = title.copy()
    if bare.plain.startswith(MARK_PREFIX):
        bare = bare[len(MARK_PREFIX):]
    if not marked:
        return bare
    return Text.assemble((MARK_PREFIX, "bold cyan"), bare)


# -- marking ---------------------------------------------------------------------------


class TravelMarked(Message):
    """A record (or a case with its records) was marked or unmarked travel-safe."""

    def __init__(self, record_id: str, changed: list[str], marked: bool, case: bool) -> None:
        super().__init__()
        self.record_id = record_id
        self.changed = changed
        """Every record whose mark changed (a case brings its records)."""
        self.marked = marked
        self.case = case


class TravelMarksLoaded(Message):
    """Which of a page's records are travel-safe (posted before the page itself)."""

    def __init__(self, generation: int, page: list[str], marked: set[str]) -> None:
        super().__init__()
        self.generation = generation
        self.page = page
        self.marked = marked


def toggle_mark(vault: Vault, record_id: str) -> TravelMarked:
    """Mark ``record_id`` travel-safe, or unmark it when it is marked (from a worker).
    A case is marked or unmarked with every record it groups, as ``evault travel mark
    --case`` does; both are audited by the vault."""
    travel = vault.services.travel
    rid, kind = vault.services.records.lookup(record_id)
    was = rid in travel.marked_among([rid])
    do = travel.unmark if was else travel.mark
    changed = do([], rid) if kind == "case" else do([rid])
    return TravelMarked(rid, list(changed), not was, kind == "case")


def marked_note(message: TravelMarked) -> str:
    """The toast after ``m``."""
    n = len(message.changed)
    if message.marked:
        return _("Travel-safe: {n} record(s) now stay on the device during a trip.").format(n=n)
    return _("No longer travel-safe: {n} record(s) will be sealed during a trip.").format(n=n)


# -- start and end ---------------------------------------------------------------------


class TravelPreviewed(Message):
    """What a start would seal and keep (counts only), and the trip in progress."""

    def __init__(self, preview: Preview, trip: Trip | None) -> None:
        super().__init__()
        self.preview = preview
        self.trip = trip


class TravelStep(Message):
    """A long travel operation reached step ``step`` (1-based) of ``total``."""

    def __init__(self, step: int, total: int, text: str) -> None:
        super().__init__()
        self.step = step
        self.total = total
        self.text = text

    def can_replace(self, message: Message) -> bool:
        """Only the latest step matters."""
        return isinstance(message, TravelStep)


class TravelStarted(Message):
    """Travel mode is on: the records were sealed, removed, and the keys changed."""

    def __init__(self, started: Started) -> None:
        super().__init__()
        self.started = started


class TravelInspected(Message):
    """A sealed file opened with the key given and checked out; nothing was written."""

    def __init__(self, inspected: Inspected) -> None:
        super().__init__()
        self.inspected = inspected


class TravelEnded(Message):
    """Everything sealed came back; travel mode is off."""

    def __init__(self, ended: Ended) -> None:
        super().__init__()
        self.ended = ended


class TravelFailed(Message):
    """A travel worker was refused; ``step`` says which question it was answering."""

    def __init__(self, error: VaultError, step: str) -> None:
        super().__init__()
        self.error = error
        self.step = step
        """``passphrase``, ``recovery``, ``recipient``, ``identity``, ``start`` or ``end``."""


#: The vault's progress lines of a start, in order, by their first word.
START_STEPS: list[tuple[str, str]] = [
    ("sealing", N_("Sealing the records into the file…")),
    ("removing", N_("Removing them from the vault…")),
    ("wiping", N_("Wiping their attachment files…")),
    ("rotating", N_("Changing the master key…")),
]


def start_step(line: str) -> tuple[int, str]:
    """The step number (1-based) and translated words of one of ``start``'s progress
    lines (the vault reports in English, for the CLI)."""
    for number, (word, text) in enumerate(START_STEPS, 1):
        if line.startswith(word):
            return number, _(text)
    return 0, ""


def error_line(error: VaultError, step: str) -> str:
    """One translated line for a refused start or end. The causes a traveller can act on
    have their own words; anything else keeps the vault's message (English, one line,
    never a value or a key) after the translated title of its class."""
    from tui.app.errors import title
    from vault.travel.restore import AlreadyRestored, OtherVault

    nothing = " " + _("Nothing was changed.")
    if isinstance(error, WrongKey):
        if step == "passphrase":
            return _("That is not the passphrase of this vault.") + nothing
        if step == "recovery":
            return _("That is not this vault's recovery key.") + nothing
        return _("That key does not open this sealed file.") + nothing
    if isinstance(error, OtherVault):
        return _("This sealed file belongs to another vault.") + nothing
    if isinstance(error, AlreadyRestored):
        return _("This sealed file was restored already.") + nothing
    if isinstance(error, IntegrityError) and step == "end":
        return _("The sealed file is damaged, cut short or altered.") + nothing
    if step == "recipient":
        return _("That is not an age public key (age1…).") + nothing
    if step == "identity":
        return _("That file holds no age identity (AGE-SECRET-KEY-1…).") + nothing
    if isinstance(error, PolicyRefused):
        return _("Refused: a travel-safe record refers to a record that is not. Mark "
                 "both, or neither.") + " " + error.message
    return f"{title(error)}: {error.message}"


def kinds_text(counts: dict[str, int], label: Any) -> str:
    """``2 person, 1 case`` with each kind's translated name (``label(kind)``)."""
    return ", ".join(f"{label(kind)} {n}" for kind, n in sorted(counts.items()) if n)
