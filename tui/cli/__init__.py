"""The ``evault`` command line. Entry point: :func:`tui.cli.main.main`."""
