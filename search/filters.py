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
from vankien.ingest.tables import province_by_alias, provinces, provinces_2025

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
                "Tỉnh/thành như tên lúc ban hành (63 tỉnh trước 01/07/2025)",
                "Province as named at the time (the 63 before 1 July 2025)", "Hà Tĩnh"),
    FilterField("unit", "province_2025", "Tỉnh từ 2025",
                "Tỉnh/thành sau sáp nhập 01/07/2025, gồm cả các tỉnh nhập vào (Lâm Đồng: cả Đắk Nông, Bình Thuận)",
                "Province after the 1 July 2025 merger, with the provinces merged into it", "Lâm Đồng"),
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
    """Province name as stored (pre-2025, as named then), from any usual spelling.

    A district ("Đắk Song") or a name that is no province is a FilterError that says what
    it is and what to do instead, rather than a filter that silently matches nothing.
    """
    value = normalize_line(value or "")[:MAX_VALUE]
    if not value:
        return ""
    name = province_by_alias(value)
    if name:
        return name
    raise FilterError(not_a_province(value))


def canonical_unit(value: str) -> str:
    """A 2025 unit (one of the 34) from its name, or from a pre-2025 province's name (its unit)."""
    value = normalize_line(value or "")[:MAX_VALUE]
    if not value:
        return ""
    key = _province_key(value)
    for unit in provinces_2025():
        if _province_key(unit["name"]) == key:
            return unit["name"]
    name = province_by_alias(value)
    if name:
        return next(p.province_2025 for p in provinces() if p.name == name)
    raise FilterError(not_a_province(value))


def _province_key(text: str) -> str:
    return re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", fold(normalize_line(text)))


def district_of(value: str) -> str:
    """The province a district of the tables belongs to ("Đắk Song" → "Đắk Nông"), else ""."""
    key = re.sub(r"^(huyen|thi xa|thanh pho|tp\.?|quan)\s+", "", fold(normalize_line(value)))
    return next((p.name for p in provinces() for d in p.districts if fold(d) == key), "")


def not_a_province(value: str) -> str:
    """Why a value is not a province, and what to filter by instead."""
    owner = district_of(value)
    if owner:
        unit = next(p.province_2025 for p in provinces() if p.name == owner)
        later = f" (từ 01/07/2025 thuộc {unit})" if unit != owner else ""
        return (f"“{value}” là huyện/thị xã của tỉnh {owner}{later}, không phải tỉnh: lọc theo tỉnh {owner}"
                f" và thêm “{value}” vào từ khóa.")
    units = [u["name"] for u in provinces_2025()]
    return (f"“{value}” không phải tên tỉnh/thành: dùng một trong 63 tỉnh, thành trước 01/07/2025"
            f" (vd. Đắk Nông) hoặc, với bộ lọc 'từ 2025', một trong 34 đơn vị mới (vd. {units[-1]}).")


def canonical_doc_type(value: str) -> str:
    """Document type slug from a slug or a Vietnamese label ('Chỉ thị' → 'chi-thi')."""
    value = normalize_line(value or "")[:MAX_VALUE]
    if not value:
        return ""
    return "-".join(fold(value).replace("-", " ").split())


def merged_into(unit: str) -> list[str]:
    """The pre-2025 provinces a 2025 unit is made of (["Lâm Đồng", "Đắk Nông", "Bình Thuận"])."""
    cell = next((u["merged_from"] for u in provinces_2025() if u["name"] == unit), unit)
    return [m.strip() for m in cell.split(";") if m.strip()]


def unit_description(unit: str) -> str:
    """'Lâm Đồng (từ 01/07/2025 gồm cả Đắk Nông, Bình Thuận)'; the bare name when nothing merged in."""
    others = [m for m in merged_into(unit) if m != unit]
    return f"{unit} (từ 01/07/2025 gồm cả {', '.join(others)})" if others else unit


def filter_notes(flt: DocumentFilter) -> list[dict]:
    """What a province filter means with the 2025 merger, said plainly, with the other choice.

    Each note: {"text": …, "switch": {URL parameter: value}, "switch_label": …}; `switch` is
    the filter giving the other reading (the province as named then, or its 2025 unit), empty
    when both readings are the same documents (a unit made of one province).
    """
    notes = []
    if flt.province:
        unit = next((p.province_2025 for p in provinces() if p.name == flt.province), "")
        if len(merged_into(unit)) > 1:
            if unit == flt.province:
                text = (f"{flt.province} như tên lúc ban hành: chưa gồm "
                        f"{', '.join(m for m in merged_into(unit) if m != unit)}, nhập vào {unit} từ 01/07/2025.")
            else:
                text = f"{flt.province} như tên lúc ban hành; từ 01/07/2025 thuộc {unit}."
            notes.append({"text": text, "switch": {"province": "", "unit": unit},
                          "switch_label": f"Xem {unit_description(unit)}"})
        elif unit and unit != flt.province:
            notes.append({"text": f"{flt.province} như tên lúc ban hành; từ 01/07/2025 là {unit}.", "switch": {},
                          "switch_label": ""})
    if flt.province_2025:
        members = merged_into(flt.province_2025)
        if len(members) > 1:
            own = flt.province_2025 in members
            notes.append({"text": f"{unit_description(flt.province_2025)}.",
                          "switch": {"unit": "", "province": flt.province_2025} if own else {},
                          "switch_label": f"Chỉ {flt.province_2025} như tên lúc ban hành" if own else ""})
    return notes


def make_filter(*, province: str = "", province_2025: str = "", doc_type: str = "", date_from: str = "",
                date_to: str = "", source: str = "", cites: str = "") -> DocumentFilter:
    """A DocumentFilter from raw user strings; FilterError on invalid dates or a reversed range,
    and on a province name that is no province (a district, a typo)."""
    flt = DocumentFilter(province=canonical_province(province), province_2025=canonical_unit(province_2025),
                         doc_type=canonical_doc_type(doc_type),
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
