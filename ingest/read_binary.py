"""Binary document formats (PDF, Word, images): detection by content, and their readers.

`binary_format` names the format of bytes that are a document file rather than text;
`read_binary` turns such a file into one RawDocument (or a ReadError). No binary format
is read yet: every binary file is reported as not supported.
"""
from __future__ import annotations

from vankien.ingest.model import RawDocument, ReadError


def binary_format(raw: bytes, extension: str) -> str | None:
    """"pdf", "docx", "doc", "image", … for a binary document file; None for text."""
    return None


def read_binary(fmt: str, raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """Read one binary document file of format `fmt` (as named by binary_format)."""
    return ReadError(source_path, f"{fmt} files are not supported")
