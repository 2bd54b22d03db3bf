"""Build a validated DocumentFilter from user input (CLI options, web/API parameters).

Bad values raise ValueError with a message fit to show the user as is.
"""
from __future__ import annotations

import re
from datetime import date

from vankien.ingest.normalize import fold, normalize_line
from vankien.ingest.references import canonical_symbol
from vankien.ingest.tables import province_by_alias

from .catalog import DocumentFilter

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
MAX_VALUE = 200


def parse_user_date(value: str, *, end: bool = False) -> str:
    """'2020-05-27', '27/05/2020' or '2020' → ISO; a bare year means its first (or last) day."""
    value = (value or "").strip()
    if not value:
        return ""
    if m := _YEAR.match(value):
        return f"{m[1]}-12-31" if end else f"{m[1]}-01-01"
    m = _ISO.match(value)
    y, mo, d = (m[1], m[2], m[3]) if m else (None, None, None)
    if not m and (m := _VN.match(value)):
        y, mo, d = m[3], m[2], m[1]
    try:
        return date(int(y), int(mo), int(d)).isoformat()
    except (TypeError, ValueError):
        raise ValueError(f"không hiểu ngày {value!r}: dùng dd/mm/yyyy hoặc yyyy-mm-dd") from None


def canonical_province(value: str) -> str:
    """Province name as stored, from any usual spelling; unknown names pass through normalised."""
    value = normalize_line(value or "")[:MAX_VALUE]
    if not value:
        return ""
    return province_by_alias(value) or value


def canonical_doc_type(value: str) -> str:
    """Document type slug from a slug or a Vietnamese label ('Chỉ thị' → 'chi-thi')."""
    value = normalize_line(value or "")[:MAX_VALUE]
    if not value:
        return ""
    return "-".join(fold(value).replace("-", " ").split())


def make_filter(*, province: str = "", doc_type: str = "", date_from: str = "", date_to: str = "",
                source: str = "", cites: str = "") -> DocumentFilter:
    """A DocumentFilter from raw user strings; ValueError on invalid dates or a reversed range."""
    flt = DocumentFilter(province=canonical_province(province), doc_type=canonical_doc_type(doc_type),
                         date_from=parse_user_date(date_from), date_to=parse_user_date(date_to, end=True),
                         source=normalize_line(source or "")[:MAX_VALUE], cites=_canonical_symbol(cites))
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise ValueError("khoảng ngày không hợp lệ: 'từ ngày' sau 'đến ngày'")
    return flt


def _canonical_symbol(value: str) -> str:
    value = normalize_line(value or "")[:MAX_VALUE]
    return canonical_symbol(value) if value else ""
