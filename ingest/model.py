"""Plain data records passed between the ingest stages (reader → clean → metadata → paragraphs → store)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawDocument:
    """One document as a reader found it: body text plus whatever metadata the source gave.

    `text` is plain text with blocks separated by blank lines (readers turn HTML into this form).
    `fields` holds source-given metadata under canonical keys: title, date (publication),
    issued_date (ngày ban hành), url, outlet, author, category, description, doc_number
    (số hiệu), issuer (cơ quan ban hành), signer, doc_type (hình thức văn bản), province,
    attachment. Values are strings as found (dates unparsed); absent keys are simply missing.
    """

    source_path: str            # path relative to the ingested root, posix separators
    text: str
    format: str                 # text | html | frontmatter | header | csv | jsonl
    raw_hash: str               # sha256 hex of the raw bytes of this file or row
    row: int | None = None      # 1-based data row for CSV/JSONL, else None
    fields: dict[str, str] = field(default_factory=dict)
    # How the text was obtained, stored with the document: encoding (and what it was
    # converted from), extractor, OCR pages and confidence … JSON-ready values only.
    provenance: dict = field(default_factory=dict)
    # Warnings for the ingest summary (the document is stored, but the user should know):
    # "truncated HTML: stored the readable part", "converted from TCVN3", …
    notes: list[str] = field(default_factory=list)
    # Offsets in `text` where pages 2, 3, … begin (paged formats such as PDF); empty otherwise.
    page_starts: list[int] = field(default_factory=list)

    # Absolute path of the input file (posix); "" when the document did not come from a file.
    origin: str = ""

    @property
    def source_key(self) -> str:
        """Display key of the input unit: the relative path, plus '#row' for tabular sources."""
        return self.source_path if self.row is None else f"{self.source_path}#{self.row}"

    @property
    def input_key(self) -> str:
        """Identity of the input unit: the absolute path (else the relative one), '#row' for rows."""
        base = self.origin or self.source_path
        return base if self.row is None else f"{base}#{self.row}"


@dataclass
class ReadError:
    """A file or row that could not be read; the batch goes on without it."""

    source_key: str
    reason: str


@dataclass
class Cleaned:
    """Clean text of a document, with the trailing parts kept as metadata, not paragraphs."""

    text: str
    recipients: str = ""        # "Nơi nhận:" block of a notice
    signature: str = ""         # signature block (position lines and signer name)
    title: str = ""             # headline found in the page itself (text/HTML pages), not in the text
    date_lines: list[tuple[str, str]] = field(default_factory=list)
    # standalone date lines removed from the page, in page order, each with where it stood:
    # ("Chủ nhật, ngày 24/11/2024", "before-title"), ("Thứ Bảy 26/02/2022 15:14", "after-title").
    # Metadata decides which is the article's date; the page chrome's date is never cited.
    source_lines: list[str] = field(default_factory=list)   # "Nguồn Báo Hà Nam", "(Baohatinh.vn)"
    byline: str = ""            # author line at the end of an article ("Trần Linh", "QUỐC TRINH")
    removed: list[str] = field(default_factory=list)   # chrome lines dropped (for tests/debugging)


@dataclass
class Reference:
    """A cited document, e.g. 'Kết luận số 01-KL/TW, ngày 18/5/2021 của Bộ Chính trị'."""

    kind: str                   # kết luận, chỉ thị, quy chế, quy định, nghị định, ...
    number: str                 # "01"
    symbol: str                 # canonical symbol "01-KL/TW" or "158/2007/NĐ-CP"
    issuer_level: str = ""      # trung-uong | tinh | huyen | xa | chinh-phu | bo | "" if unknown
    issuer: str = ""            # issuing body as written ("Bộ Chính trị"), if stated
    date: str = ""              # ISO date if stated
    raw: str = ""               # the matched text


@dataclass
class Metadata:
    """Everything we know about a document besides its text."""

    title: str = ""
    date: str = ""              # ISO yyyy-mm-dd; "" if unknown
    date_source: str = ""       # where the date came from: field | article-line | document | url | ...
    outlet: str = ""
    url: str = ""
    province: str = "unknown"   # province as named at the document's date (63-province map)
    province_2025: str = ""     # the province it belongs to since the 2025 merger (34 units)
    doc_type: str = "tin-tuc"   # slug from corpus/doc_types.csv
    doc_number: str = ""        # the document's own symbol, e.g. "02/PA-UBND"
    issuer: str = ""
    signer: str = ""
    abstract: str = ""          # description / trích yếu
    category: str = ""
    references: list[Reference] = field(default_factory=list)
    abbreviations: dict[str, str] = field(default_factory=dict)   # abbr -> expansion defined in text


@dataclass
class Paragraph:
    """A retrieval unit: a span of the clean text with its position and section heading."""

    ordinal: int
    start: int
    end: int
    text: str
    heading: str = ""
    kind: str = "body"          # body | title (title/abstract unit for register records)
    page: int | None = None     # page number in a paged source (PDF), else None
    ocr: bool = False           # text recognised from a scan (OCR), not read from a text layer
