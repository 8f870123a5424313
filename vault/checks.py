"""Every check ``evault check`` runs after the core ones, and every repair ``evault check
--repair`` runs, in one explicit list.

Why a list here rather than each feature registering itself when imported: what is
checked then does not depend on which modules happen to be loaded (the search check used
to run only if something had imported :mod:`vault.search` first), and a reader sees the
whole of ``evault check`` in one place. The features are imported when the list is
asked for, so ``evault --help`` and ``evault list`` still load none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vault.session import Vault

#: ``check(vault) -> problems`` / ``repair(vault) -> what was done``: one-line messages
#: that never hold a value.
Step = Callable[["Vault"], list[str]]


@dataclass(frozen=True)
class Check:
    """One named check and the repair that fixes what it finds (if there is one)."""

    name: str
    check: Step
    repair: Step | None = None


def all_checks() -> list[Check]:
    """The checks in the order ``evault check`` reports them (repairs run in the same
    order)."""
    from vault.attachments.checks import check_attachments, repair_attachments
    from vault.export import protected
    from vault.records.checks import check_records, repair_counts
    from vault.search import health as search_health
    from vault.session import check_staged_header, remove_staged_header
    from vault.travel.service import check_travel

    return [
        Check("header", check_staged_header, remove_staged_header),
        Check("records", check_records, repair_counts),
        Check("search", search_health.check, search_health.repair),
        Check("attachments", check_attachments, repair_attachments),
        Check("protected identities", protected.check, protected.repair),
        Check("travel", check_travel),
    ]
