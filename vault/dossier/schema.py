"""Dossiers keep no tables of their own: a dossier is computed from records every time it
is asked for, and the submitting organisation lives in the vault's settings."""

from __future__ import annotations

from vault.migrations import Migration

MIGRATIONS: list[Migration] = []
