"""Import every feature package so each registers its service, checks and repairs with
:mod:`vault.session`. Front ends import this module once."""

from __future__ import annotations

import importlib

#: Feature packages; a missing one (not built yet) is skipped.
FEATURES = [
    "vault.records.service",
    "vault.attachments.service",
    "vault.export.service",
    "vault.dossier.service",
    "vault.travel.service",
]

for _name in FEATURES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name is None or not _name.startswith(_exc.name):
            raise
