"""Văn kiện: a searchable knowledge base over Vietnam's provincial directive corpus.

The distribution installs one package, `vankien`: `vankien.ingest` (readers, cleaning,
metadata, paragraphs, store), `vankien.search` (encoders, indexes, the search service),
`vankien.web` (the Flask site and JSON API), `vankien.cli` (the `vankien` command) and
`vankien.tables` (the domain tables, shipped as package data). In the repository the first
three live in the top-level folders `ingest/`, `search/`, `web/` and the tables in
`corpus/tables/`; setup.cfg maps them into the namespace.
"""
__version__ = "0.2.0"
