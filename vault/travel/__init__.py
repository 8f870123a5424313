"""Travel mode: before a border, keep only what is safe to be forced open.

Records the user marked travel-safe stay; everything else (with its attachments, drafts
and search index entries) is sealed with age into one signed file to a key the traveller
does not carry, removed, and the master key rotated; ``travel end`` restores it exactly.
See docs/travel.md. Modules: :mod:`~vault.travel.schema` (tables),
:mod:`~vault.travel.marks` (the flag), :mod:`~vault.travel.selection` (what is sealed),
:mod:`~vault.travel.container` (the file), :mod:`~vault.travel.seal` (start),
:mod:`~vault.travel.restore` (end), :mod:`~vault.travel.service` (the facade).
"""

from __future__ import annotations

from vault.travel.schema import MIGRATIONS

__all__ = ["MIGRATIONS"]
