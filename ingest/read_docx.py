"""Word (.docx) reader through python-docx: paragraphs, headings, numbered lists, tables.

python-docx was chosen over docx2python because it exposes the paragraph properties and
styles needed to number lists the way Word shows them: on the generated notice, whose lists
take their numbering from the "List Number"/"List Bullet" styles (as documents made from
templates do), docx2python printed the items without their numbers or bullets. Numbers are
rebuilt from numbering.xml (format, level text, start, one counter per list and level).

Blocks: one per paragraph (a heading is its own block); a data table gives one block whose
rows read "cell | cell | cell"; a layout table (cells holding several paragraphs, like the
header and signature tables of an official document) gives each cell's lines, left cell
first. Page headers/footers, text boxes and footnotes are not read.

Bounds, checked on the zip directory before anything is decompressed: entry count, total
uncompressed size, XML size and per-entry compression ratio (zip bombs). python-docx parses
XML without resolving entities. Reading is linear in the document size.
"""
from __future__ import annotations

import io
import re
import zipfile

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_text

MAX_ENTRIES = 5000
MAX_UNCOMPRESSED = 256 * 2**20       # all parts (python-docx loads every part)
MAX_XML = 64 * 2**20                 # XML parts: parsed into memory-hungry trees
MAX_RATIO = 100                      # deflate rarely beats 20:1 on real XML; bombs reach 1000:1
_RATIO_MIN_SIZE = 2**20
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def check_zip(raw: bytes, required: str = "word/document.xml") -> str | None:
    """One-line reason to refuse an OOXML file (corrupt, not Word, zip bomb), else None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as exc:
        return f"corrupt DOCX (not a readable zip archive: {exc})"
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        return f"DOCX has {len(infos)} parts (limit {MAX_ENTRIES}): refused"
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        return (f"DOCX expands to {total / 2**20:.0f} MB (limit {MAX_UNCOMPRESSED // 2**20} MB): "
                "refused as a zip bomb")
    xml = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    if xml > MAX_XML:
        return f"DOCX has {xml / 2**20:.0f} MB of XML (limit {MAX_XML // 2**20} MB): refused"
    for info in infos:
        if info.file_size > _RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(1, info.compress_size):
            return (f"DOCX part {info.filename} expands {info.file_size // max(1, info.compress_size)}:1 "
                    "(zip bomb): refused")
    if required not in {i.filename for i in infos}:
        return f"not a Word document (no {required})"
    return None


def read_docx(raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """Read a .docx file into one RawDocument, or a ReadError with a one-line reason."""
    refused = check_zip(raw)
    if refused:
        return ReadError(source_path, refused)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        return ReadError(source_path, f"corrupt DOCX ({type(exc).__name__}: {exc})")
    except Exception as exc:    # lxml.etree.XMLSyntaxError and kin: malformed XML inside
        if type(exc).__module__.startswith("lxml"):
            return ReadError(source_path, f"corrupt DOCX (bad XML: {exc})")
        raise
    blocks = docx_blocks(document)
    text = normalize_text("\n\n".join(b for b in blocks if b.strip()))
    if not text:
        return ReadError(source_path, "DOCX has no text")
    return RawDocument(source_path, text, "docx", raw_hash,
                       provenance={"format": "docx", "extractor": "python-docx"})


def docx_blocks(document) -> list[str]:
    """Text blocks of a python-docx Document in body order (paragraphs and tables)."""
    from docx.table import Table

    numbering = _Numbering(document)
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(_table_blocks(item, numbering))
        else:
            blocks.append(numbering.prefix(item) + item.text.strip())
    return blocks


def _table_blocks(table, numbering: "_Numbering") -> list[str]:
    rows = []
    layout = False
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cells and cell._tc is cells[-1]._tc:     # a merged cell repeats itself
                continue
            cells.append(cell)
        rows.append(cells)
        layout = layout or any(sum(bool(p.text.strip()) for p in c.paragraphs) > 1 or c.tables
                               for c in cells)
    if layout:
        blocks = []
        for cells in rows:
            for cell in cells:
                lines = [numbering.prefix(p) + p.text.strip() for p in cell.paragraphs if p.text.strip()]
                if lines:
                    blocks.append("\n".join(lines))
                for inner in cell.tables:
                    blocks.extend(_table_blocks(inner, numbering))
        return blocks
    lines = [" | ".join(" ".join(c.text.split()) for c in cells) for cells in rows]
    return ["\n".join(line for line in lines if line.strip(" |"))]


class _Numbering:
    """List numbers as Word shows them: numbering.xml formats and a counter per list/level."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.styles = document.styles
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract = {}
        for node in root.findall(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.findall(f"{_W}lvl"):
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    _val(lvl, "numFmt", "decimal"), _val(lvl, "lvlText", ""),
                    int(_val(lvl, "start", "1") or 1))
            abstract[node.get(f"{_W}abstractNumId")] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.levels[num.get(f"{_W}numId")] = abstract.get(ref.get(f"{_W}val"), {})

    def prefix(self, paragraph) -> str:
        """"1. ", "a) ", "- " … for a numbered or bulleted paragraph, else ""."""
        num_id, ilvl = self._num_pr(paragraph)
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def number(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            lvl_fmt, _, start = levels.get(level, ("decimal", "", 1))
            return _format(counters.get(level, start), lvl_fmt)

        label = re.sub(r"%(\d)", number, text).strip()
        return f"{label} " if label else ""

    def _num_pr(self, paragraph) -> tuple[str | None, int]:
        """(numId, ilvl) from the paragraph, else from its style chain."""
        sources = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            sources.append(style.element.pPr)
            style = style.base_style
        num_id, ilvl = None, None
        for ppr in sources:
            num_pr = ppr.numPr if ppr is not None else None
            if num_pr is None:
                continue
            if num_id is None and num_pr.numId is not None:
                num_id = str(num_pr.numId.val)
            if ilvl is None and num_pr.ilvl is not None:
                ilvl = int(num_pr.ilvl.val)
        return (None if num_id in (None, "0") else num_id), (ilvl or 0)


def _val(node, tag: str, default: str) -> str:
    child = node.find(f"{_W}{tag}")
    return child.get(f"{_W}val", default) if child is not None else default


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while n > 0:
            n, rem = divmod(n - 1, 26)
            letters = chr(ord("a") + rem) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        out = ""
        for value, numeral in _ROMAN:
            while n >= value:
                out += numeral
                n -= value
        return out.upper() if fmt == "upperRoman" else out
    return str(n)
