"""Bounds on what people type into the workspace, and the cleaning applied before storing it.

Text is stored as typed (after Unicode normalisation) and escaped where it is shown (HTML
templates autoescape, the .docx writer writes text runs, feeds go through an XML writer).
"""
from __future__ import annotations

import re

from vankien.ingest.normalize import normalize_line, normalize_text

from . import WorkspaceError

MAX_NAME = 200              # collection names, headings, followed-search names
MAX_DESCRIPTION = 2000
MAX_NOTE = 2000
MAX_QUERY = 500             # a followed search's query (the parser reads no more)
MAX_COLLECTIONS = 500       # per owner
MAX_ITEMS = 1000            # per collection (passages and headings)
MAX_FOLLOWS = 200           # per owner

# Control characters other than tab and newline: never meaningful in a name or note, and
# some (NUL, form feed, vertical tab) are invalid in XML, so they would break the .docx.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_line(value, label: str, limit: int = MAX_NAME, *, required: bool = True) -> str:
    """A one-line value (name, heading): normalised, control characters out, bounded."""
    text = normalize_line(_CONTROL.sub(" ", _as_text(value, label)))
    return _bounded(text, label, limit, required)


def clean_block(value, label: str, limit: int = MAX_NOTE) -> str:
    """A multi-line value (description, note): normalised, control characters out, bounded; may be empty."""
    text = normalize_text(_CONTROL.sub(" ", _as_text(value, label)))
    return _bounded(text, label, limit, False)


def _as_text(value, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WorkspaceError(f"{label}: cần một chuỗi văn bản")
    return value


def _bounded(text: str, label: str, limit: int, required: bool) -> str:
    if required and not text:
        raise WorkspaceError(f"{label}: không được để trống")
    if len(text) > limit:
        raise WorkspaceError(f"{label}: dài {len(text)} ký tự, tối đa {limit}")
    return text


def parse_id(value, label: str) -> int:
    """A positive integer id from user input (str or int); WorkspaceError otherwise."""
    if isinstance(value, bool):
        raise WorkspaceError(f"{label}: cần một số nguyên dương")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise WorkspaceError(f"{label}: cần một số nguyên dương (nhận được {str(value)[:40]!r})") from None
    if not 1 <= number <= 2**63 - 1:
        raise WorkspaceError(f"{label}: cần một số nguyên dương")
    return number
