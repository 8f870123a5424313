"""The header, tolerant of being removed while a title update is pending.

Textual's Header updates its title from a scheduled callback; when the screen holding it
is removed first (locking pops every screen, quitting tears them all down) that callback
finds no title widget and raises, which would end the app with an "internal error".
"""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header

# Private Textual API (HeaderTitle, Header._on_mount): tested with textual 8.2.8, the
# version pinned in pyproject.toml. Re-test before moving the pin.
from textual.widgets._header import HeaderTitle


class SafeHeader(Header):
    """:class:`textual.widgets.Header` whose title update ignores a vanished title."""

    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # replaces Header._on_mount (Textual dispatches along the MRO)

        async def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoScreen, NoMatches):
                pass  # the screen is being removed: nothing to draw

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
