"""Fuzz targets for feature modules (bundle reader, importers), registered when those
modules are present."""

from __future__ import annotations
