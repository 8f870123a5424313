"""The evidence model: the field registry, record types, redaction levels and the
records service (``vault.services.records``). See docs/records.md."""
