"""Bringing in the spreadsheets people already keep: CSV (UTF-8, UTF-8 with BOM, UTF-16
with BOM, GB18030, detected), XLSX and JSON Lines, with a row-by-row dry run and an
all-or-nothing commit. Front ends call :func:`plan` then :func:`commit`."""

from __future__ import annotations

from vault.importer.plan import Plan, Problem, commit, plan

__all__ = ["Plan", "Problem", "commit", "plan"]
