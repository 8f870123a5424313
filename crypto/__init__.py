"""Cryptographic recipes for evault.

This package knows nothing of records. It exposes a few blunt functions (derive a key,
wrap and unwrap key slots, seal and open streams, sign manifests) and hides nonces,
labels and encodings. It is the only package that imports ``cryptography.hazmat``.
"""
