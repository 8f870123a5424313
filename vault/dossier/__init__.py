"""Sanctions dossiers: from a perpetrator's records to a Magnitsky-style recommendation.

``regimes`` holds the law as data; ``profile`` gathers what the vault knows about a
person; ``matching`` says which criteria an act can meet; ``readiness`` says what a filing
still lacks; ``draft`` builds the redacted content model (``content``) with the export
pipeline's own redactor; ``render_md`` and ``render_pdf`` turn it into files; ``service``
(``vault.services.dossier``) runs the leak gate before anything is written or handed to
a bundle.
"""
