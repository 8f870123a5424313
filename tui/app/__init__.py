"""The Textual app (``evault`` with no command); see docs/tui.md."""
