"""Ingest: read scraped pages and notices, clean them, extract metadata, split paragraphs, store."""
