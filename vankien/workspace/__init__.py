"""The workspace: what people make on top of the knowledge base — collections of passages
(with notes and headings, exported as a Word handout, CSV, JSON or a printable page) and
followed searches (new documents since the last visit, an Atom feed each).

It lives in its own SQLite file beside the knowledge base (db.py), which ingest, index,
reindex and a rebuilt knowledge base never touch. A collection item keeps its own copy of
the passage, its citation and the document fields at the time it was added, so it never
depends on a paragraph id surviving a re-ingest; passages.py tells whether the source has
changed since. Every row belongs to an `owner` ("local" for the single installation).
"""
from __future__ import annotations

from vankien.errors import VankienError


class WorkspaceError(VankienError, ValueError):
    """A request the workspace cannot honour (bad or over-long input, a limit); 400."""


class NotFound(WorkspaceError, LookupError):
    """No such collection, item, followed search or paragraph (for this owner); 404."""


class ReadOnly(WorkspaceError):
    """The site serves without a workspace (`vankien serve --read-only`)."""
