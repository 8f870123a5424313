"""One module per screen; each screen is thin: it draws, asks, and starts workers that
call ``vault/``."""
