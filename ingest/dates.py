"""Parse Vietnamese and machine dates into ISO yyyy-mm-dd.

Handles "26/02/2022", "26-02-2022", "28/05/2020 10:00:00", "ngày 25 tháng 02 năm 2022",
"Thứ Bảy 26/02/2022 15:14", "(08:34 | 28/05/2019)", "Thứ 5 Ngày 27/06/2019", ISO 8601
("2020-02-24T06:00:00.000Z", "2025-06-28T23:43:45+07:00": the calendar date as written is
kept, no time-zone shift) and compact "20210427". Impossible dates give None.
"""
from __future__ import annotations

import datetime as dt
import re

from vankien.ingest.normalize import normalize_line

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?=$|[T\s]|[^\d])")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?!\d)")
_WORDS = re.compile(
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
# Only years in this window are plausible for the corpus; it also rejects ids that look like dates.
_MIN_YEAR, _MAX_YEAR = 1945, 2100


def make_date(year: int, month: int, day: int) -> str | None:
    """ISO string for a valid calendar date in the plausible window, else None."""
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """First valid date in the text as ISO yyyy-mm-dd, or None."""
    if not text:
        return None
    found = find_dates(text, limit=1)
    if found:
        return found[0]
    m = _COMPACT.match(text)
    return make_date(int(m[1]), int(m[2]), int(m[3])) if m else None


def find_dates(text: str, limit: int | None = None) -> list[str]:
    """All valid full dates in the text, in order of appearance, as ISO strings."""
    text = normalize_line(text)
    hits: list[tuple[int, str]] = []
    for m in _ISO.finditer(text):
        hits.append((m.start(), make_date(int(m[1]), int(m[2]), int(m[3])) or ""))
    for m in _DMY.finditer(text):
        hits.append((m.start(), make_date(int(m[4]), int(m[3]), int(m[1])) or ""))
    for m in _WORDS.finditer(text):
        hits.append((m.start(), make_date(int(m[3]), int(m[2]), int(m[1])) or ""))
    dates = [d for _, d in sorted(hits) if d]
    return dates[:limit] if limit else dates
