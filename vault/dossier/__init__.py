"""Sanctions dossiers: from a perpetrator's records to a Magnitsky-style recommendation.

``regimes`` holds the law as data, ``profile`` gathers what the vault knows about a person,
``readiness`` says what a filing still lacks, ``content`` builds the redacted content model
both renderers share, ``render_md`` and ``render_pdf`` turn it into files, and ``service``
(``vault.service("dossier")``) ties them to the export pipeline's rules and leak gate.
"""
