"""Expected failures: the `VankienError` family.

Anything the user can act on (a missing knowledge base, a bad query or filter, an encoder
mismatch, a damaged index) raises a subclass; its message is one line, in the user's
language, and the CLI shows it as `Lỗi: …` (exit status 1) and the web as a 4xx/503 page.
Everything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class VankienError(Exception):
    """An expected failure; the message is for the user as is."""


class KnowledgeBaseNotFound(VankienError, FileNotFoundError):
    """There is no knowledge base in the given directory."""
