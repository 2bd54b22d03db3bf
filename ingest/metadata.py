"""Metadata extraction: title, date, outlet, province, type, number, issuer, signer, references.

`extract_metadata(raw, cleaned)` prefers what the source states (reader fields) and falls
back to the page text. Each fallback is described on the function that implements it.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import cache
from itertools import islice
from typing import Iterator

from vankien.ingest import tables
from vankien.ingest.dates import find_dates, parse_date
from vankien.ingest.model import Cleaned, Metadata, RawDocument
from vankien.ingest.normalize import fold, normalize_line
from vankien.ingest.references import canonical_symbol, find_references, find_symbols, symbol_parts

_TITLE_MAX = 400   # a notice's full heading block (seed 001) runs to ~250 characters
_OPENING_LINES = 8      # a notice's heading block can take six lines before the first paragraph
# A longer string is never an outlet name, alias, domain or "Nguồn …" line; longer lines
# (a related-article list cut by clean_page) are not looked up at all.
_OUTLET_NAME_MAX = 200
_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)")
_DOC_DATE_LINE = re.compile(
    r"^[^\n,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.IGNORECASE | re.MULTILINE)
_OPENING_DATE = re.compile(
    r"^(?:(?:sáng|chiều|tối|trưa)\s+)?ngày\s+(\d{1,2}\s?/\s?\d{1,2}\s?/\s?\d{4}"
    r"|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})", re.IGNORECASE)
_MEETING_TITLE = re.compile(r"hội nghị|tọa đàm|hội thảo|buổi làm việc|làm việc với|phiên họp"
                            r"|\bhọp\b(?! báo| mặt)|giao ban|đối thoại", re.IGNORECASE)
_MEETING_OPENING = re.compile(r"(?:tổ chức|chủ trì|khai mạc)\s+(?:hội nghị|tọa đàm|hội thảo"
                              r"|cuộc họp|buổi làm việc|họp|phiên họp)", re.IGNORECASE)
_CONCLUSION = re.compile(r"(?:thông báo\s+)?(?:ý kiến\s+)?kết luận(?: của| tại|$)", re.IGNORECASE)
_CONCLUSION_SIGNER = re.compile(
    r"kết luận của đồng chí\s+(.+?)\s*[-–,]\s", re.IGNORECASE)
_BCD_ISSUER = re.compile(
    r"(ban chỉ đạo thực hiện (?:quy chế dân chủ|qcdc)[^,;.()\n]*?)(?=\s*(?:tại|\(|,|;|\.|\n|$))",
    re.IGNORECASE)
_HEADER_ISSUER = re.compile(
    r"^(BAN THƯỜNG VỤ TỈNH ỦY|(?:TỈNH|HUYỆN|THÀNH|THỊ|ĐẢNG) ỦY [^\n]{2,40}|"
    r"(?:ỦY BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN|HĐND) [^\n]{2,40})$", re.MULTILINE)
_UNIT_WORD = re.compile(r"\b(huyện|tỉnh|xã|thành phố|thị xã|thị trấn|phường)\s+(.+)$")
_ABBR_DEF = re.compile(r"\((?:gọi tắt là\s+)?([^()\n]{2,40})\)")
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_NAME_LINE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s+){1,4}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*$")
_DOC_SLUGS_SKIP = {"hoi-nghi", "tin-tuc", "tuyen-truyen", "thong-bao-ket-luan"}


def extract_metadata(raw: RawDocument, cleaned: Cleaned) -> Metadata:
    """All metadata of one document; source fields win over what is read from the text."""
    f = {k: normalize_line(v) for k, v in {**_header_fields(raw), **raw.fields}.items() if v and v.strip()}
    meta = Metadata(title=_title(f, cleaned), url=f.get("url", ""),
                    abstract=f.get("description") or f.get("trich_yeu", ""),
                    category=f.get("category", ""))
    meta.date, meta.date_source = _date(f, cleaned)
    outlet = _outlet(f, cleaned)
    meta.outlet = f.get("outlet") or (outlet.name if outlet else "")
    meta.doc_number = _doc_number(f, meta.title)
    newspaper = bool(outlet) and (not outlet.province or outlet.name.startswith("Báo"))
    meta.doc_type = _doc_type(f, meta.title, meta.doc_number, cleaned.text, newspaper)
    meta.issuer = _issuer(f, meta.title, cleaned.text, meta.doc_type)
    meta.province = _province(f, outlet, meta, cleaned.text)
    meta.province_2025 = tables.province_2025(meta.province) if meta.province != "unknown" else ""
    meta.signer = _signer(f, cleaned, meta.title)
    meta.references = find_references(meta.title + "\n" + cleaned.text, exclude=meta.doc_number)
    meta.abbreviations = find_abbreviations(cleaned.text)
    return meta


_HEADER_KEYS = ("doc_number", "issuer", "issued_date", "signer", "doc_type", "trich_yeu")
_HEADER_SCAN = 20_000       # the administrative header sits at the top of a notice


def _header_fields(raw: RawDocument) -> dict[str, str]:
    """What a notice's own administrative header says (number, issuer, place-date, type, signer),
    as the lowest layer of fields: anything the source states wins. The headline stays the
    cleaning step's (recased), the header's trích yếu becomes the abstract if none is given.
    Paged readers (PDF, Word) put these fields in themselves."""
    if raw.format in ("pdf", "docx", "doc", "image"):
        return {}
    from vankien.ingest.admin_header import parse_admin_header
    header = parse_admin_header(raw.text[:_HEADER_SCAN] if len(raw.text) > _HEADER_SCAN else raw.text)
    # a place-date sentence alone ("Bộ GTVT thông tin, ngày 24/2/2020, …") is not a header:
    # the form needs its issuing body or its number, and its date line or its signer
    if not ((header.number or header.issuer) and (header.date or header.signer.name)):
        return {}
    return {k: v for k, v in header.fields().items() if k in _HEADER_KEYS}


def _title(f: dict[str, str], cleaned: Cleaned) -> str:
    """Field title, else the page headline, else the first line, cut at a word boundary."""
    title = f.get("title") or normalize_line(cleaned.title) or _heading(cleaned.text)
    if len(title) > _TITLE_MAX:
        title = title[:_TITLE_MAX].rsplit(" ", 1)[0] + "…"
    return title


def _heading(text: str) -> str:
    """First block of the text; a bare type label ("THÔNG BÁO") takes the block after it too."""
    blocks = [normalize_line(b).replace("**", "")
              for b in islice((b for b in _split_iter(text, "\n\n") if b.strip()), 2)]
    if not blocks:
        return ""
    if len(blocks) > 1 and _label_slug(blocks[0]) and len(blocks[0].split()) <= 3:
        return f"{blocks[0]} {blocks[1]}"
    return blocks[0]


def _date(f: dict[str, str], cleaned: Cleaned) -> tuple[str, str]:
    """The document's own date and the rule that gave it (date_source), first rule that answers:

    1. issued_date field (ngày ban hành), then date field;
    2. an after-title date line; else a before-title line consistent with the body (not
       before the latest full date in the body, at most ~1 year after it);
    3. the document's "<place>, ngày … tháng … năm …" line;
    4. a full date opening the first paragraphs ("Ngày 13/7/2020, đồng chí …").
    Nothing reliable gives "".
    """
    for key, source in (("issued_date", "issued-field"), ("date", "field")):
        d = parse_date(f.get(key, ""))
        if d:
            return d, source
    d = _date_from_lines(cleaned)
    if d:
        return d, "article-line"
    m = _DOC_DATE_LINE.search(cleaned.text)
    if m:
        return parse_date(m.group()) or "", "document"
    for para in islice(_nonempty_lines(cleaned.text), _OPENING_LINES):
        m = _OPENING_DATE.match(para.strip())
        if m and parse_date(m.group(1)):
            return parse_date(m.group(1)) or "", "opening"
    return "", ""


def _date_from_lines(cleaned: Cleaned) -> str:
    after = [parse_date(t) for t, where in cleaned.date_lines if where == "after-title"]
    after = [d for d in after if d]
    if after:
        return after[0]
    before = [d for d in (parse_date(t) for t, _ in cleaned.date_lines) if d]
    if not before:
        return ""
    latest = _latest_body_date(cleaned.text)    # once: a page can have many date lines
    return next((d for d in before if _consistent(d, latest)), "")


def _latest_body_date(body: str) -> dt.date | None:
    """Latest full date in the body, else 1 January of its latest year, else None."""
    dates = [dt.date.fromisoformat(d) for d in find_dates(body)]
    if dates:
        return max(dates)
    years = [int(y) for y in _YEAR.findall(body)]
    return dt.date(max(years), 1, 1) if years else None


def _consistent(date: str, latest: dt.date | None) -> bool:
    """A page-top date fits the body: not before its latest date, at most a year after."""
    if latest is None:
        return True
    day = dt.date.fromisoformat(date)
    return latest <= day <= latest + dt.timedelta(days=400)


def _outlet(f: dict[str, str], cleaned: Cleaned) -> tables.Outlet | None:
    """Outlet from the outlet field, the URL's domain, a source line, or a portal name line."""
    candidates = [f.get("outlet", "")]
    found = tables.outlet_by_domain(f["url"]) if f.get("url") else None
    if found:
        return found
    lines = [l for l in islice(_split_iter(cleaned.text, "\n"), 5) if len(l) < 80]
    candidates += cleaned.source_lines + cleaned.removed[:10] + lines
    for c in candidates:
        found = tables.outlet_by_name(c) if c and len(c) <= _OUTLET_NAME_MAX else None
        if found:
            return found
    return None


def _province(f: dict[str, str], outlet: tables.Outlet | None, meta: Metadata, text: str) -> str:
    """Manifest province, else the outlet's, else a clear majority of the names in the text.

    Title and issuer mentions weigh three times; the winner needs at least 2 points and more than twice
    the runner-up. National news about several places stays "unknown".
    """
    if f.get("province"):
        return tables.province_by_alias(f["province"]) or f["province"]
    if outlet and outlet.province:
        return outlet.province
    scores: dict[str, int] = {}
    for part, weight in ((meta.title, 3), (meta.issuer, 3), (meta.abstract + "\n" + text, 1)):
        for name, n in tables.find_provinces(part):
            scores[name] = scores.get(name, 0) + weight * n
    ranked = sorted(scores.values(), reverse=True) + [0]
    if ranked[0] >= 2 and ranked[0] > 2 * ranked[1]:
        return max(scores, key=scores.__getitem__)
    return "unknown"


def _doc_number(f: dict[str, str], title: str) -> str:
    """Field số hiệu, else the symbol of a title that names the document itself."""
    if f.get("doc_number"):
        return canonical_symbol(f["doc_number"])
    if _label_slug(title):
        # Only the number right after the label names the document itself ("Giấy mời số
        # 88/GM-UBND …"); later numbers in the title are cited documents ("theo Nghị định số …").
        head = " ".join(title.split()[:5])
        symbols = find_symbols(head)
        return symbols[0] if symbols else ""
    return ""


def _label_slug(title: str) -> str:
    """Slug of a document type whose label opens the title ("Giấy mời số 88/GM-UBND …")."""
    folded = fold(title)
    for t in tables.doc_types():
        if t.slug not in _DOC_SLUGS_SKIP and t.label and folded.startswith(_folded(t.label)):
            return t.slug
    return ""


def _code_slug(symbol: str) -> str:
    _, code, _ = symbol_parts(symbol)
    if code == "UBND":          # "108/UBND-NV": an official letter without a type code
        return "cong-van"
    for t in tables.doc_types():
        if t.slug != "thong-bao-ket-luan" and code in t.symbols:
            return t.slug
    return ""


def _doc_type(f: dict[str, str], title: str, number: str, text: str, newspaper: bool) -> str:
    """Type slug, first rule that answers:

    1. the "hình thức văn bản" field; 2. the code of the document's own symbol;
    3. a title that opens with a type label ("Thông báo lịch tiếp công dân …"), except on a
       newspaper, whose headline "Quyết định xử phạt …" reports a document without being it;
    4. a heading block that is a bare label ("THÔNG BÁO", "KẾ HOẠCH");
    5. a meeting report (cue in the title or the opening paragraph) → hoi-nghi; else tin-tuc.
    A Baohatinh item saying the BTV "vừa ký ban hành chỉ thị" is therefore news, not chi-thi.
    A notice that opens with "THÔNG BÁO … KẾT LUẬN" or "Kết luận của đồng chí …" is
    thong-bao-ket-luan.
    """
    first = next(_nonempty_lines(text), "")
    head = first if first and len(first.split(None, 3)) <= 3 else ""
    slug = (_field_slug(f.get("doc_type", "")) or (_code_slug(number) if number else "")
            or ("" if newspaper and not find_symbols(title) else _label_slug(title))
            or _label_slug(head))
    if slug in ("thong-bao", "ket-luan", "") and not newspaper and _is_conclusion(title):
        return "thong-bao-ket-luan"
    if slug:
        return slug
    opening = next((l for l in _nonempty_lines(text) if len(l) > 80), "")
    if _MEETING_TITLE.search(title) or _MEETING_OPENING.search(opening):
        return "hoi-nghi"
    return "tin-tuc"


def _is_conclusion(title: str) -> bool:
    """A conclusion notice: "THÔNG BÁO Ý KIẾN KẾT LUẬN …", "Kết luận của đồng chí …"."""
    return bool(_CONCLUSION.match(title)) or (
        fold(title).startswith("thong bao") and bool(_CONCLUSION.search(title[:120])))


def _field_slug(value: str) -> str:
    """Map a "hình thức văn bản" value ("Nghị Quyết", "CÔNG VĂN", "Tài liệu tuyên truyền")."""
    folded = fold(value)
    if not folded:
        return ""
    for t in tables.doc_types():
        if t.label and folded.startswith(_folded(t.label)):
            return t.slug
    return next((t.slug for t in tables.doc_types() for c in t.cues if _folded(c) in folded), "")


def normalize_issuer(text: str) -> str:
    """Case-normalise an all-caps issuer: "HỘI ĐỒNG NHÂN DÂN HUYỆN ĐẮK SONG" →
    "Hội đồng nhân dân huyện Đắk Song"; mixed-case values are kept as written."""
    text = normalize_line(text)
    if text != text.upper():
        return text
    keep = {a.abbr.upper() for a in tables.abbreviations() if len(a.abbr) >= 3}
    lower = " ".join(w if w in keep else w.lower() for w in text.split())
    m = _UNIT_WORD.search(lower)
    if m:
        lower = lower[:m.start(2)] + m.group(2).title()
    lower = lower.replace("tỉnh ủy", "Tỉnh ủy").replace("huyện ủy", "Huyện ủy")
    return lower[:1].upper() + lower[1:]   # "UBND" and other known acronyms stay upper-case


def _issuer(f: dict[str, str], title: str, text: str, doc_type: str) -> str:
    """Field issuer, else for documents a header line or the Ban Chỉ đạo named in the title."""
    if f.get("issuer"):
        return normalize_issuer(f["issuer"])
    if doc_type in ("tin-tuc", "hoi-nghi"):
        return ""
    m = _HEADER_ISSUER.search("\n".join(islice(_split_iter(text, "\n"), 8)))
    if m:
        return normalize_issuer(m.group(1))
    m = _BCD_ISSUER.search(title)
    if m:
        return "Ban Chỉ đạo" + m.group(1)[len("ban chỉ đạo"):].lower().replace("qcdc", "QCDC")
    return ""


def _signer(f: dict[str, str], cleaned: Cleaned, title: str) -> str:
    """Field signer, else the name line closing the signature, else the concluding comrade."""
    if f.get("signer"):
        return f["signer"]
    lines = [normalize_line(l) for l in cleaned.signature.split("\n") if l.strip()]
    if lines and _NAME_LINE.match(lines[-1]) and lines[-1] != lines[-1].upper():
        return lines[-1]
    m = _CONCLUSION_SIGNER.search(title)
    return m.group(1).title() if m else ""


def find_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations defined in the text: "quy chế dân chủ (QCDC)" → {"QCDC": "quy chế dân chủ"}.

    The expansion is the run of preceding words whose initials spell the abbreviation
    (diacritics folded, so Đ matches d). "(gọi tắt là Ban Chỉ đạo tỉnh)" maps the short
    name to the phrase that starts with its first word just before the parenthesis.
    """
    found: dict[str, str] = {}
    for m in _ABBR_DEF.finditer(text):
        inner = m.group(1).strip()
        before = text[max(0, m.start() - 300):m.start()]
        if m.group().startswith("(gọi tắt"):
            exp = _long_form(before, inner)
        elif re.fullmatch(r"[A-ZĐ][A-ZĐa-z-]{1,9}", inner):
            exp = _initials_match(before, inner)
        else:
            continue
        if exp and inner not in found:
            found[inner] = exp
    return found


def _initials_match(before: str, abbr: str) -> str:
    letters = fold(abbr.replace("-", ""))
    words = list(_WORD.finditer(before.split("\n")[-1]))
    n = len(letters)
    if len(words) < n:
        return ""
    tail = words[-n:]
    if "".join(fold(w.group()[0]) for w in tail) != letters:
        return ""
    return before.split("\n")[-1][tail[0].start():].strip(" “”\"'")


def _long_form(before: str, short: str) -> str:
    first = short.split()[0]
    line = before.split("\n")[-1]
    pos = line.rfind(first)
    return line[pos:].strip(" ,") if pos >= 0 else ""


@cache
def _folded(label: str) -> str:
    """Folded form of a table label (folded once, not once per document and type)."""
    return fold(label)


def _split_iter(text: str, sep: str) -> Iterator[str]:
    """`text.split(sep)` lazily: the opening lines of a long text without splitting all of it."""
    start = 0
    while True:
        end = text.find(sep, start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + len(sep)


def _nonempty_lines(text: str) -> Iterator[str]:
    """Lines of the text that are not blank, lazily."""
    return (line for line in _split_iter(text, "\n") if line.strip())
