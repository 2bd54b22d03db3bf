"""Domain tables (provinces, outlets, document types, abbreviations) as package data.

Installed as `vankien.tables`; read with importlib.resources by `vankien.ingest.tables`.
"""
