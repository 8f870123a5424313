"""What a bundle carries in place of an identifier it may not carry: the one list.

A typed placeholder says what kind of thing was there (``[phone]``) without saying
which. Detectors (:mod:`vault.export.detect`) name theirs by detector kind; a known
identifier gets the placeholder of its field (:func:`vault.export.redact.placeholder_for`),
a person's name their pseudonym (:mod:`vault.export.pseudonym`) or ``[name]``. The
preview does not look for these strings: it draws the spans the redactor recorded, so a
user's own text that happens to read ``[name]`` is never shown as a redaction.
"""

from __future__ import annotations

from typing import Final

#: Placeholder by kind: the detector kinds, then the kinds only known identifiers have.
PLACEHOLDERS: Final = {
    "phone": "[phone]",
    "id_number": "[ID number]",
    "email": "[email]",
    "plate": "[plate]",
    "coordinates": "[coordinates]",
    "ip": "[IP address]",
    "handle": "[handle]",
    "passport": "[ID number]",
    "name": "[name]",
    "place": "[place]",
    "identifier": "[identifier]",
}
"""Also the key of :data:`PERSONAL`; ``identifier`` is for a value several kinds share."""

#: Placeholders of identifiers that single a person out when a structured field holds
#: them (a shared place name is not a collision; a shared name or number is).
PERSONAL: Final = frozenset(PLACEHOLDERS[k] for k in
                            ("name", "phone", "email", "handle", "id_number", "plate"))
