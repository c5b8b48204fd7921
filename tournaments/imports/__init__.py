"""Spreadsheet imports and exports.

- ``readers``: bytes → rows (CSV in UTF-8/BOM/cp1252/latin-1, XLSX via openpyxl read-only), sniffed;
- ``presets``: column aliases, start.gg / Challonge / Toornament presets, header-row detection;
- ``players``/``registrations``/``teams``/``sheets``: planners and service-backed sheets per kind;
- ``engine``: runs one import (dry run or real); ``services.imports`` owns the ImportJob and writes;
- ``resources``/``exports``: django-import-export resources for CSV/XLSX exports.
"""
