"""Find cited documents ("Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị") in text.

Two symbol families are recognised:
- Party style: number-CODE/ISSUER, e.g. "05-CT/TW", "45-KH/BCĐ", "11-QĐi/TW", "1567-CV/TU".
- State style: number[/year]/CODE-ISSUER[-UNIT], e.g. "158/2007/NĐ-CP", "02/PA-UBND",
  "01/KH-GDNN-GDTX", "03/CĐ-CT", "108/UBND-NV", and laws "77/2015/QH13".
A symbol is found with or without a preceding kind word and "số".
"""
from __future__ import annotations

import re

from vankien.ingest.dates import parse_date
from vankien.ingest.model import Reference
from vankien.ingest.normalize import normalize_line, normalize_unicode

_TOKEN = r"[A-ZĐƯ][A-ZĐƯ]*(?:i|g|r)?\d*"
_NUM = r"\d{1,5}"
_PARTY = rf"{_NUM}\s?-\s?{_TOKEN}\s?/\s?{_TOKEN}(?:-{_TOKEN})*"
_STATE = (rf"{_NUM}(?:\s?-\s?{_NUM})?(?:/\d{{4}})?\s?/\s?{_TOKEN}(?:\s?-\s?{_TOKEN})+"
          rf"|{_NUM}/\d{{4}}/{_TOKEN}")
_SYMBOL = rf"(?<![\w/.-])(?:{_PARTY}|{_STATE})(?![\w/])"

_KINDS = {
    "chỉ thị": "CT", "kế hoạch": "KH", "quy chế": "QC", "quy định": "QĐi",
    "kết luận": "KL", "nghị quyết": "NQ", "công văn": "CV", "quyết định": "QĐ",
    "nghị định": "NĐ", "thông báo": "TB", "thông tư": "TT", "hướng dẫn": "HD",
    "báo cáo": "BC", "công điện": "CĐ", "tờ trình": "TTr", "giấy mời": "GM",
    "phương án": "PA", "chương trình": "CTr", "đề án": "ĐA", "thông tri": "TTr",
}
_CODE_KIND = {code: kind for kind, code in _KINDS.items() if kind != "thông tri"}
_CODE_KIND.update({"QH": "luật", "UBND": "công văn"})

# An issuing body: a capitalised word, then capitalised words or the lower-case words that
# occur inside body names ("Ban Chỉ đạo tỉnh", "Ban Chấp hành Đảng bộ tỉnh", "Bộ Chính trị").
_UPPER = "A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
_BODY_WORDS = ("đạo|tỉnh|huyện|xã|thị|trấn|thành|phố|hành|nhân|dân|ủy|uỷ|bộ|phủ|thư|thường|vụ|trị|"
               "sự|đảng|trung|ương|quốc|hội|đồng|ban|tra|kiểm|giáo|tuyên|chức|tổ|vận|văn|phòng|"
               "chính|chấp|cán|đoàn|mặt|trận|tướng|liên|tịch")
_ISSUER = rf"[{_UPPER}]\w*(?:\s+(?:[{_UPPER}]\w*|(?:{_BODY_WORDS})(?!\w))){{0,8}}"
_KIND_ALT = "|".join(sorted(_KINDS, key=len, reverse=True))
_DATE = r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
# Characters a reference can start with: a kind word's first letter, "số", "Luật", a digit.
# Checked first, it lets the engine skip other positions at once (find_references 45% faster).
_STARTS = "".join(sorted({kind[0] for kind in _KINDS} | {"s"}))
_REFERENCE = re.compile(
    rf"(?=(?i:[{_STARTS}])|L|\d)"
    rf"(?:(?P<kind>(?i:{_KIND_ALT}))\s+(?:(?i:số)\s*:?\s*)?"
    rf"|(?P<law>Luật)(?:\s+[^\d,;\n]{{1,80}}?)?\s+số\s*:?\s*"
    rf"|(?i:số)\s*:?\s*)?"
    rf"(?P<symbol>{_SYMBOL})"
    rf"(?:\s*,?\s*(?:ban hành\s+)?(?i:ngày)\s+(?P<date>{_DATE}))?"
    rf"(?:\s*,?\s*của\s+(?P<issuer>{_ISSUER}))?",
)
_SYMBOL_ANYCASE = re.compile(_SYMBOL, re.IGNORECASE)
# Words that end an issuer phrase ("của Tỉnh ủy về ..." → "Tỉnh ủy"). A match starts at the
# beginning of a whitespace run (the leftmost match did anyway), so a long run is not
# rescanned from each of its positions.
_ISSUER_STOP = re.compile(r"(?<!\s)\s+(?:khóa|Khóa|KHÓA)\b.*$")
_SPACES = re.compile(r"\s+")
_TOKEN_FIX = {"QĐI": "QĐi", "QDI": "QĐi", "TTG": "TTg", "TTR": "TTr", "CTR": "CTr",
              "QD": "QĐ", "HDND": "HĐND", "BCD": "BCĐ", "ND": "NĐ", "TƯ": "TW"}
_SPLIT = re.compile(r"([-/])")
_PREFIX = re.compile(r"^(?:số|sô)\s*:?\s*", re.IGNORECASE)

# Issuer level from the symbol's issuer part; the first listed match wins.
_LEVELS = [
    (re.compile(r"^QH\d*$|^UBTVQH\d*$"), "quoc-hoi"),
    (re.compile(r"^TTG$"), "thu-tuong"),
    (re.compile(r"^(?:CP|VPCP)$"), "chinh-phu"),
    (re.compile(r"^(?:TW|TƯ|BBT|BCHTW|BDVTW|BTGTW|BTCTW|UBKTTW)$"), "trung-uong"),
    (re.compile(r"^(?:UBND|HĐND|UBBC)$"), "chinh-quyen-dia-phuong"),
    (re.compile(r"^BCĐ"), "ban-chi-dao"),
    (re.compile(r"TU$"), "tinh"),
    (re.compile(r"HU$|^QU$"), "huyen"),
    (re.compile(r"ĐU$"), "dang-uy"),
    (re.compile(r"^B(?:NV|TC|CA|QP|YT|GDĐT|TNMT|LĐTBXH|NNPTNT|CT|KHĐT|TTTT|XD|GTVT|VHTTDL|TP|KHCN|NG|DT)$"
                r"|^NHNN$|^TTCP$|^UBDT$"), "bo"),
]


def canonical_symbol(symbol: str) -> str:
    """Canonical form: NFC, no spaces or "Số" prefix, uppercase codes except "QĐi", "TTg", "TTr"."""
    s = _PREFIX.sub("", normalize_unicode(symbol).strip())
    s = _SPACES.sub("", s).upper().replace("=", "-")
    return "".join(_TOKEN_FIX.get(part, part) for part in _SPLIT.split(s))


def find_symbols(text: str) -> list[str]:
    """Canonical document symbols in a text or query ("Kế hoạch 45-KH/BCĐ", "05-ct/tw"), deduplicated."""
    seen: dict[str, None] = {}
    for m in _SYMBOL_ANYCASE.finditer(normalize_line(text)):
        if re.search(r"[A-Za-zĐđ]", m.group()):
            seen.setdefault(canonical_symbol(m.group()), None)
    return list(seen)


def symbol_parts(symbol: str) -> tuple[str, str, list[str]]:
    """(number, type code, issuer parts) of a canonical symbol."""
    number = re.match(r"\d+(?:-\d+)?", symbol)
    num = number.group() if number else ""
    rest = symbol[len(num):].lstrip("-/")
    if re.match(r"^\d{4}/", rest):
        rest = rest[5:]
    if symbol[len(num):].startswith("-"):   # Party style: 05-CT/TW
        code, _, issuer = rest.partition("/")
        return num, code, issuer.split("-")
    code, *issuer = rest.split("-")
    return num, code, issuer


def issuer_level(symbol: str) -> str:
    """Level of the issuing body implied by a canonical symbol's suffix; "" if not known."""
    _, code, issuer = symbol_parts(symbol)
    candidates = [p.upper() for p in (*issuer, code)]
    for pattern, level in _LEVELS:
        if any(pattern.search(p) for p in candidates):
            return level
    return ""


def _kind(m: re.Match[str], code: str) -> str:
    if m.group("law"):
        return "luật"
    if m.group("kind"):
        return m.group("kind").lower()
    if re.match(r"^QH\d*$", code):
        return "luật"
    return _CODE_KIND.get(code, "")


def _issuer(text: str | None) -> str:
    if not text:
        return ""
    return _ISSUER_STOP.sub("", text.strip()).strip(" -–")


def _richness(ref: Reference) -> int:
    return sum(bool(x) for x in (ref.kind, ref.issuer, ref.date))


def find_references(text: str, exclude: str = "") -> list[Reference]:
    """Every cited document in the text, one per symbol (the most informative mention).

    `exclude` is the document's own symbol, which is not a citation.
    """
    own = canonical_symbol(exclude) if exclude else ""
    best: dict[str, Reference] = {}
    for m in _REFERENCE.finditer(normalize_line(text)):
        symbol = canonical_symbol(m.group("symbol"))
        if symbol == own:
            continue
        number, code, _ = symbol_parts(symbol)
        ref = Reference(kind=_kind(m, code), number=number, symbol=symbol,
                        issuer_level=issuer_level(symbol), issuer=_issuer(m.group("issuer")),
                        date=parse_date(m.group("date") or "") or "", raw=m.group().strip())
        if symbol not in best or _richness(ref) > _richness(best[symbol]):
            best[symbol] = ref   # re-assigning a key keeps its first-seen position
    return list(best.values())
