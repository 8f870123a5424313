"""The app's unsaved edits (drafts) as travel mode sees them.

The app keeps drafts in the vault setting ``tui.drafts`` (see ``tui/app/drafts.py``):
``{key: {"kind", "record", "values"}}`` where the key is a record id or ``new:<kind>``. A
draft of a record that stays is kept; every other draft (of a sealed record, or of a
record never saved, which nobody marked safe) is sealed with the trip.
"""

from __future__ import annotations

from typing import Any

#: The setting the app stores drafts in (``tui.app.drafts.SETTING``; a test holds the two
#: equal, since ``vault/`` may not import the front end).
DRAFTS_SETTING = "tui.drafts"


def sealed_drafts(drafts: Any, kept_ids: set[str]) -> dict[str, Any]:
    """The drafts a trip seals: all but those of records that stay."""
    if not isinstance(drafts, dict):
        return {}
    return {str(k): v for k, v in drafts.items() if str(k) not in kept_ids}


def merged(current: Any, restored: dict[str, Any]) -> dict[str, Any]:
    """Drafts after a trip: those made during it, plus the restored ones. A restored
    draft whose key was reused during the trip (``new:<kind>``) is kept under
    ``<key>#travel`` rather than lost."""
    result = dict(current) if isinstance(current, dict) else {}
    for key, value in restored.items():
        name = key
        while name in result:
            name += "#travel"
        result[name] = value
    return result
