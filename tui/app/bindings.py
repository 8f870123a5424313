"""Binding descriptions in the current language, for the footer, palette and help.

Textual keeps a per-node copy of the class's bindings; descriptions are written in
English in ``BINDINGS`` (marked with ``N_`` for extraction) and translated into that copy
whenever the node is created or the language changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode

from tui.app.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Replace ``node``'s bindings with translated copies of its class's bindings.

    Bindings added to the node at run time (not declared by its class) are kept: they
    used to be dropped here, which silently disabled Textual's Ctrl+P palette."""
    originals = type(node)._merged_bindings
    if originals is None:
        return
    fresh = originals.copy()
    declared_keys = set(originals.key_to_bindings)
    for key, bindings in node._bindings.key_to_bindings.items():
        if key not in declared_keys:
            fresh.key_to_bindings[key] = list(bindings)
    for key, bindings in fresh.key_to_bindings.items():
        fresh.key_to_bindings[key] = [
            dataclasses.replace(
                b,
                description=_(b.description) if b.description else "",
                tooltip=_(b.tooltip) if b.tooltip else "",
            )
            for b in bindings
        ]
    node._bindings = fresh


def declared(bindings: list[BindingType]) -> Iterator[Binding]:
    """The :class:`Binding` objects of a ``BINDINGS`` list (tuples made into bindings)."""
    for group in BindingsMap(bindings).key_to_bindings.values():
        yield from group
