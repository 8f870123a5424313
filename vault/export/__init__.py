"""Sanitized export bundles: redaction, sanitizers, the leak gate, age and minisign.

The pipeline (``plan`` then ``seal``) lives in :mod:`vault.export.service`; docs/bundles.md
describes the bundle format and the rules as implemented.
"""
