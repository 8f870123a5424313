"""Front ends: the Textual app (:mod:`tui.app`) and the ``evault`` command line
(:mod:`tui.cli`). They render, ask and report; every rule about data lives in ``vault``."""
