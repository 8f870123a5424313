"""The evault domain layer: the SQLCipher store, records, audit log, attachments,
export bundles and dossiers. Headless: it never imports textual or the front ends.

Front ends use :class:`vault.session.Vault` and the errors in :mod:`vault.errors`.
"""
