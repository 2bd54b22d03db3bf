"""The administrative form of a Vietnamese official document, read from its plain text.

Every official document follows one layout (Nghị định 30/2020/NĐ-CP for the state,
Hướng dẫn 36-HD/VPTW for the Party): top left the issuing body ("TỈNH ỦY HẢI DƯƠNG" /
"BAN THƯỜNG VỤ") and the number ("Số 45-TB/TU"); top right the motto ("ĐẢNG CỘNG SẢN VIỆT
NAM", or "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc") and the place
and date ("Hải Dương, ngày 26 tháng 02 năm 2022"); then the type ("THÔNG BÁO") and the
trích yếu; at the end the recipients ("Nơi nhận:") beside the signature (T/M, K/T, the
position, the name). `parse_admin_header(text)` finds these parts in text from any reader
(PDF, OCR, Word, a scraped notice page): two columns may come one after the other or as
"left | right" cells on one line. What is not there stays empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from vankien.ingest import tables
from vankien.ingest.dates import make_date
from vankien.ingest.normalize import fold, normalize_line
from vankien.ingest.references import canonical_symbol, find_symbols

_HEAD_LINES = 40            # the header and title stand in the first lines
_RAW_WINDOW = 400           # text lines read at each end (blank lines included)
_TAIL_LINES = 40            # recipients and signature in the last ones
_ISSUER_MAX_LINES = 4
_TITLE_MAX_LINES = 8
_TITLE_LINE_MAX = 160
_MOTTOS = ("dangcongsanvietnam", "conghoaxahoichunghiavietnam", "doclaptudohanhphuc")
_DECORATION = re.compile(r"^[-_*=.~—–%•·\s]+$")
_NUMBER = re.compile(r"^so\s*[:.]?\s*(?=[\d/])", re.I)
_DATE = re.compile(r"^(?P<place>[^,\d]{2,40}?)\s*,\s*ngay\s*(?P<d>\d{1,2})\s*"
                   r"(?:thang\s*(?P<m>\d{1,2})\s*nam\s*|[/.-]\s*(?P<m2>\d{1,2})\s*[/.-]\s*)(?P<y>\d{4})")
_WEEKDAY = re.compile(r"^\s*(?:chu nhat|thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7]))\b")
_SUBJECT = re.compile(r"^(?:v/v|v\.v|ve viec)\b\s*:?\s*", re.I)
_SUBJECT_TEXT = re.compile(r"^(?:V/v|V\.v|Về việc)\s*:?\s*", re.I)
_BODY_START = re.compile(r"^(?:can cu|thuc hien|kinh gui|ngay \d|hom nay|trong |de |nham |qua |"
                         r"sang |chieu |thoi gian|dieu \d|chuong [ivx\d])")
_RECIPIENTS = re.compile(r"^[-_.\s]*noi nhan\s*:?\s*", re.I)
_AUTHORITY = re.compile(r"^(T\s*/\s*M|TM|K\s*/\s*T|KT|T\s*/\s*L|TL|TUQ|Q\s*/|Q)\s*[.:]?\s+(?=\S)")
_STAMP = re.compile(r"^\(?\s*(?:đã ký|ký|ký tên|đã ký và đóng dấu|ký, đóng dấu|ký, ghi rõ họ tên"
                    r"|chữ ký|đã ký, đóng dấu)[^)]*\)?\.?$", re.I)
_POSITION = re.compile(r"BÍ THƯ|CHỦ TỊCH|TRƯỞNG|PHÓ|GIÁM ĐỐC|ỦY VIÊN|UỶ VIÊN|THƯ KÝ|CHÁNH|"
                       r"TỔNG|CỤC|BỘ TRƯỞNG|THỦ TRƯỞNG|KẾ TOÁN|HIỆU TRƯỞNG|ĐẠI DIỆN")
_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.'-]*$")
# Words that open the name of a body ("BAN THƯỜNG VỤ", "SỞ CÔNG THƯƠNG"); a header line
# that opens otherwise continues the name above it ("ỦY BAN NHÂN DÂN" / "TỈNH HẢI DƯƠNG").
_ORGAN = re.compile(
    r"^(?:ban|so|phong|van phong|dang uy|dang bo|dang doan|chi bo|hoi dong|uy ban|ubnd|hdnd|"
    r"tinh uy|huyen uy|thanh uy|thi uy|quan uy|bo|cuc|tong cuc|chi cuc|truong|trung tam|"
    r"cong an|mat tran|uy ban mat tran|doan|hoi|lien doan|toa an|vien kiem sat|benh vien|"
    r"kho bac|thanh tra|quan doan|bo chi huy)\b")
_PARENT_PREFIX = re.compile(r"^(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\s+", re.I)
_EXTRA_LABELS = ("Thông tri", "Biên bản", "Đề cương", "Lời kêu gọi", "Quy trình", "Tờ trình",
                 "Kết luận", "Thư", "Diễn văn", "Điều lệ", "Chương trình hành động")


@dataclass
class Signer:
    """The signature block: authority (T/M, K/T, T/L…), for whom, position lines, name."""

    authority: str = ""         # "T/M", "K/T", "T/L", "TUQ", "Q."
    on_behalf: str = ""         # what follows the authority: "BAN THƯỜNG VỤ", "CHỦ TỊCH"
    position: str = ""          # "PHÓ BÍ THƯ TỈNH ỦY kiêm TRƯỞNG BAN CHỈ ĐẠO"
    name: str = ""              # "Dương Văn An"


@dataclass
class AdminHeader:
    """What the administrative form of one document says; empty strings where absent."""

    issuer_lines: list[str] = field(default_factory=list)   # as written, top to bottom
    issuer: str = ""            # the issuing body, its parent appended: "BAN THƯỜNG VỤ TỈNH ỦY HẢI DƯƠNG"
    issuer_parent: str = ""     # "TỈNH ỦY HẢI DƯƠNG" when a body below it issues
    number: str = ""            # canonical symbol "45-TB/TU"
    number_text: str = ""       # the line as written "Số: 45-TB/TU"
    form: str = ""              # "party" | "state" (from the motto) | ""
    place: str = ""             # "Hải Dương"
    date: str = ""              # ISO "2022-02-26"
    date_text: str = ""         # "Hải Dương, ngày 26 tháng 02 năm 2022"
    doc_type: str = ""          # the type line as written: "THÔNG BÁO"; "Công văn" for a V/v
    doc_type_label: str = ""    # the type's usual name: "Thông báo"
    trich_yeu: str = ""         # subject line(s) under the type, joined
    title: str = ""             # type and trích yếu: "THÔNG BÁO Ý KIẾN KẾT LUẬN …"
    recipients: list[str] = field(default_factory=list)     # "Thường trực Tỉnh ủy", …
    signer: Signer = field(default_factory=Signer)
    body_start: int = 0         # offset in the text where the body begins (after the title)
    body_end: int = 0           # offset where recipients/signature begin (len(text) if none)

    def fields(self) -> dict[str, str]:
        """Canonical RawDocument fields (see model.RawDocument) for what was found."""
        values = {
            "title": self.title, "trich_yeu": self.trich_yeu, "doc_type": self.doc_type_label,
            "doc_number": self.number, "issuer": self.issuer, "issued_date": self.date or "",
            "place": self.place, "signer": self.signer.name,
            "signer_position": " ".join(p for p in (self.signer.authority, self.signer.on_behalf,
                                                    self.signer.position) if p),
            "recipients": "; ".join(self.recipients),
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class _Line:
    text: str                   # stripped, markdown emphasis removed
    start: int                  # offset of the line in the text
    end: int
    key: str = ""               # folded, for matching

    def __post_init__(self):
        self.key = fold(self.text)


def parse_admin_header(text: str) -> AdminHeader:
    """Find the administrative parts of a document's text (any reader's output)."""
    lines = _lines(text)
    header = AdminHeader(body_end=len(text))
    if not lines:
        return header
    head_end = _read_head(lines[:_HEAD_LINES], header)
    header.body_start = lines[head_end].start if head_end < len(lines) else len(text)
    tail_from = max(head_end, len(lines) - _TAIL_LINES)
    closing = _read_tail(lines[tail_from:], header)
    if closing is not None:
        header.body_end = closing
    return header


def _lines(text: str) -> list[_Line]:
    """Non-empty lines with offsets. Rows of "left | right" cells (a layout table read row by
    row) are read column by column: the left cells of the run of rows, then the right ones."""
    out: list[_Line] = []
    run: list[list[_Line]] = []
    pos = 0
    raws = text.split("\n")
    # Only the opening and closing lines matter: long documents are not scanned in between.
    middle = range(_RAW_WINDOW, max(_RAW_WINDOW, len(raws) - _RAW_WINDOW))
    for number, raw in enumerate(raws):
        if number in middle:
            pos += len(raw) + 1
            continue
        if " | " in raw:
            cells, offset = [], pos
            for cell in raw.split(" | "):
                cells.append(_clean_line(cell, offset, pos + len(raw)))
                offset += len(cell) + 3
            run.append(cells)
        else:
            out.extend(_columns(run))
            run = []
            line = _clean_line(raw, pos, pos + len(raw))
            if line.text:
                out.append(line)
        pos += len(raw) + 1
    out.extend(_columns(run))
    return out


def _clean_line(raw: str, start: int, end: int) -> _Line:
    return _Line(normalize_line(raw.replace("**", "")).strip("_ "), start, end)


def _columns(rows: list[list[_Line]]) -> list[_Line]:
    width = max((len(r) for r in rows), default=0)
    return [r[c] for c in range(width) for r in rows if c < len(r) and r[c].text]


def _read_head(lines: list[_Line], header: AdminHeader) -> int:
    """Fill issuer, number, motto form, place/date, type and trích yếu; return the index of
    the first body line."""
    issuer: list[str] = []
    last = -1
    type_at = -1
    other_text = False
    subject_at = -2
    for i, line in enumerate(lines):
        compact = re.sub(r"[^a-z]", "", line.key)
        motto = next((m for m in _MOTTOS if m in compact), None)
        if motto:
            header.form = header.form or ("party" if motto == _MOTTOS[0] else "state")
            last = i
            continue
        if _DECORATION.match(line.text):
            continue
        if _NUMBER.match(line.key) and not header.number_text:
            header.number_text = line.text
            symbols = find_symbols(line.text)
            header.number = symbols[0] if symbols else canonical_symbol(_NUMBER.sub("", line.key, 1))
            last = i
            continue
        m = _DATE.match(line.key)
        if m and not header.date_text and not _WEEKDAY.match(m["place"]):
            header.date_text = line.text
            header.place = line.text.split(",", 1)[0].strip()
            header.date = make_date(int(m["y"]), int(m["m"] or m["m2"]), int(m["d"])) or ""
            last = i
            continue
        label = _type_label(line, after_number=bool(header.number_text or header.date_text))
        if label:
            header.doc_type, header.doc_type_label = line.text.rstrip(".:"), label
            type_at = i
            break
        if _SUBJECT.match(line.key) and (header.number_text or issuer) and not header.trich_yeu:
            # An official letter: "V/v …" under the number, the right column still to come.
            header.doc_type, header.doc_type_label = "Công văn", "Công văn"
            header.trich_yeu = _SUBJECT_TEXT.sub("", line.text, 1)
            last = subject_at = i
            continue
        if subject_at == i - 1 and line.text[:1].islower():
            header.trich_yeu += " " + line.text         # the subject wraps
            last = subject_at = i
            continue
        if _is_upper(line.text) and len(issuer) < _ISSUER_MAX_LINES and not header.number_text \
                and not header.date_text and len(line.text) <= 80 and not other_text:
            issuer.append(line.text.strip(" .,;:"))
            last = i
            continue
        other_text = True   # the issuing body opens the document: no issuer after other text
        if issuer or header.number_text or header.date_text:
            if len(line.text) > _TITLE_LINE_MAX or _BODY_START.match(line.key):
                break       # the body began without a type line
    _set_issuer(issuer, header)
    header.title = header.title or header.trich_yeu
    if type_at < 0:
        return last + 1 if (issuer or header.number_text or header.date_text) else 0
    return _read_title(lines, type_at, header)


def _type_label(line: _Line, after_number: bool) -> str:
    """The usual name of the document type a type line states, else ""."""
    if not _is_upper(line.text):
        return ""
    bare = re.sub(r"[^\w\s]", "", line.key).strip()
    for label in _labels():
        key = fold(label)
        if bare == key or (after_number and bare.startswith(key + " ")):
            return label
    return ""


def _labels() -> list[str]:
    labels = [t.label for t in tables.doc_types() if t.slug not in ("tin-tuc", "hoi-nghi")]
    labels += [l for l in _EXTRA_LABELS if l not in labels]
    return sorted(labels, key=len, reverse=True)   # "Chương trình hành động" before "Chương trình"


def _read_title(lines: list[_Line], type_at: int, header: AdminHeader) -> int:
    """Trích yếu lines after the type line; return the index of the first body line."""
    title: list[str] = []
    first = lines[type_at]
    label_key = fold(header.doc_type_label)
    if header.doc_type != "Công văn" and len(first.key) > len(label_key) + 1:
        title.append(first.text[len(header.doc_type_label):].strip())    # type and title on one line
        header.doc_type = first.text[:len(header.doc_type_label)]
    i = type_at + 1
    while i < len(lines) and len(title) < _TITLE_MAX_LINES:
        line = lines[i]
        if _DECORATION.match(line.text):
            i += 1
            if title:
                break
            continue
        if len(line.text) > _TITLE_LINE_MAX or _BODY_START.match(line.key) or _RECIPIENTS.match(line.key):
            break
        if title and _is_upper(line.text) and not _is_upper(title[-1]):
            break       # "Về việc …" then "CHỦ TỊCH ỦY BAN NHÂN DÂN …": the authority line
        if title and len(line.text) > 60 and line.text.endswith((".", ":", ";")):
            break
        title.append(line.text)
        i += 1
    header.trich_yeu = " ".join(" ".join(title).split()).strip(" -")
    label = header.doc_type if header.doc_type != "Công văn" else ""
    header.title = " ".join(p for p in (label, header.trich_yeu) if p)
    return i


def _set_issuer(lines: list[str], header: AdminHeader) -> None:
    """Group header lines into body names; the last issues, the first is its parent."""
    names: list[str] = []
    for line in lines:
        if names and not _ORGAN.match(fold(line)):
            names[-1] += " " + line
        else:
            names.append(line)
    header.issuer_lines = lines
    if not names:
        return
    if len(names) == 1:
        header.issuer = names[0]
        return
    header.issuer_parent = names[0]
    header.issuer = f"{names[-1]} {_PARENT_PREFIX.sub('', names[0])}"


def _read_tail(lines: list[_Line], header: AdminHeader) -> int | None:
    """Fill recipients and signer from the closing lines; return where the closing starts."""
    starts: list[int] = []
    at = next((i for i in range(len(lines) - 1, -1, -1) if _RECIPIENTS.match(lines[i].key)), -1)
    used: set[int] = set()
    if at >= 0:
        starts.append(lines[at].start)
        rest = _RECIPIENTS.sub("", lines[at].key)
        if rest:
            header.recipients.append(_recipient(lines[at].text[-len(rest):]))
        used.add(at)
        for i in range(at + 1, len(lines)):
            text = lines[i].text
            if _AUTHORITY.match(text) or _STAMP.match(text) or (_is_upper(text) and len(text) > 3):
                break
            if not text.startswith(("-", "+", "•")) and header.recipients and text[:1].islower():
                header.recipients[-1] += " " + text      # a wrapped item
            else:
                header.recipients.append(_recipient(text))
            used.add(i)
            if lines[i].key.lstrip("-+• ").startswith("luu"):
                break
    sig_start = _read_signer([l for i, l in enumerate(lines) if i not in used], header)
    if sig_start is not None:
        starts.append(sig_start)
    return min(starts) if starts else None


def _recipient(text: str) -> str:
    return text.lstrip("-+•. ").rstrip(" ,;.")


def _read_signer(lines: list[_Line], header: AdminHeader) -> int | None:
    """The signature block: from the last authority (or position) line to the name."""
    start = next((i for i in range(len(lines) - 1, -1, -1) if _AUTHORITY.match(lines[i].text)), -1)
    if start < 0:
        start = next((i for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1)
                      if _is_upper(lines[i].text) and _POSITION.search(lines[i].text)
                      and len(lines[i].text) <= 60), -1)
        while start > 0 and _position_line(lines[start - 1].text):
            start -= 1
        if start < 0:
            return None
    signer = header.signer
    block = lines[start:]
    m = _AUTHORITY.match(block[0].text)
    positions: list[str] = []
    if m:
        signer.authority = _authority(m.group(1))
        signer.on_behalf = block[0].text[m.end():].strip()
        block = block[1:]
    for line in block:
        text = line.text
        if _STAMP.match(text):
            continue
        if _is_name(text) and not _POSITION.search(text.upper() if text != text.upper() else text):
            signer.name = text if text != text.upper() else text.title()
            break
        if len(text) <= 60:
            positions.append(text)
    signer.position = " ".join(positions)
    return lines[start].start if (signer.authority or signer.name) else None


def _position_line(text: str) -> bool:
    """An upper-case position line of a signature, or the "kiêm" joining two positions."""
    return text.lower() == "kiêm" or (_is_upper(text) and bool(_POSITION.search(text))
                                       and len(text) <= 60)


def _authority(raw: str) -> str:
    letters = re.sub(r"[^A-Z]", "", raw.upper())
    return {"TM": "T/M", "KT": "K/T", "TL": "T/L", "TUQ": "TUQ", "Q": "Q."}.get(letters, raw)


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _is_name(text: str) -> bool:
    """A person's name: 2–5 capitalised words and nothing else."""
    words = text.split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words)
