"""The document filters: one definition, from which the CLI options, the web and API
parameters, the filter chips and the OpenAPI description are all made; and the parsing of
user input into a validated DocumentFilter.

Bad values raise FilterError with a message fit to show the user as is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vankien.errors import VankienError

from vankien.ingest.normalize import fold, normalize_line
from vankien.ingest.references import canonical_symbol
from vankien.ingest.tables import province_by_alias

from .catalog import DocumentFilter


class FilterError(VankienError, ValueError):
    """A filter value that cannot be understood; the message is for the user."""


@dataclass(frozen=True)
class FilterField:
    """One filter: its URL parameter / CLI option name, DocumentFilter attribute, labels, help."""

    param: str          # URL parameter, and the CLI option --<param>
    attr: str           # DocumentFilter attribute (and make_filter keyword)
    label: str          # Vietnamese label (form fields, chips)
    help_vi: str
    help_en: str
    example: str

    @property
    def option(self) -> str:
        """The CLI option."""
        return f"--{self.param}"


FILTERS = (
    FilterField("province", "province", "Tỉnh",
                "Tỉnh/thành (tên lúc ban hành hoặc đơn vị sau sáp nhập 2025)",
                "Province (as named then, or its 2025 unit)", "Hà Tĩnh"),
    FilterField("type", "doc_type", "Loại văn bản", "Loại văn bản: mã (chi-thi) hoặc tên (Chỉ thị)",
                "Document type: slug (chi-thi) or label (Chỉ thị)", "chi-thi"),
    FilterField("from", "date_from", "Từ ngày", "Từ ngày (dd/mm/yyyy, yyyy-mm-dd hoặc yyyy), tính cả ngày đó",
                "From date (dd/mm/yyyy, yyyy-mm-dd or yyyy), inclusive", "01/01/2019"),
    FilterField("to", "date_to", "Đến ngày", "Đến ngày (dd/mm/yyyy, yyyy-mm-dd hoặc yyyy), tính cả ngày đó",
                "To date (dd/mm/yyyy, yyyy-mm-dd or yyyy), inclusive", "2020"),
    FilterField("source", "source", "Nguồn", "Tên cơ quan báo chí, hoặc một phần URL/đường dẫn tệp",
                "Outlet name, or part of the URL / source path", "baohatinh"),
    FilterField("cites", "cites", "Trích dẫn số", "Chỉ các văn bản trích dẫn số hiệu này",
                "Only documents citing this number", "05-CT/TW"),
)
FILTER_BY_PARAM = {f.param: f for f in FILTERS}

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
        raise FilterError(f"không hiểu ngày {value!r}: dùng dd/mm/yyyy hoặc yyyy-mm-dd") from None


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
    """A DocumentFilter from raw user strings; FilterError on invalid dates or a reversed range."""
    flt = DocumentFilter(province=canonical_province(province), doc_type=canonical_doc_type(doc_type),
                         date_from=parse_user_date(date_from), date_to=parse_user_date(date_to, end=True),
                         source=normalize_line(source or "")[:MAX_VALUE], cites=_canonical_symbol(cites))
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise FilterError("khoảng ngày không hợp lệ: 'từ ngày' sau 'đến ngày'")
    return flt


def _canonical_symbol(value: str) -> str:
    value = normalize_line(value or "")[:MAX_VALUE]
    return canonical_symbol(value) if value else ""


def filter_from_params(values: dict[str, str]) -> DocumentFilter:
    """A DocumentFilter from {URL parameter or CLI option name: raw value}."""
    return make_filter(**{FILTER_BY_PARAM[name].attr: v for name, v in values.items() if v})
