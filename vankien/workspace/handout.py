"""A collection as a Word handout (.docx), ready to print and to edit.

Layout: A4 with the margins of Vietnamese administrative documents (top/bottom 2 cm, left
3 cm, right 2 cm). Times New Roman 13 pt, the administrative standard (Nghị định 30/2020),
which has every Vietnamese letter in Word on Windows and macOS; the font table names DejaVu
Serif as its alternate (every Vietnamese letter too, and on most Linux machines).
LibreOffice uses its own substitution table instead: Liberation Serif, whose old 1.x release
lacks the letters with two marks (ấ, ệ, ở …), which it then takes from DejaVu Serif glyph by
glyph — readable, but two faces; fonts-liberation2 or Times New Roman installed avoids it.
Document language vi-VN (Word's spelling and hyphenation).

Content: a title page (name, description, date, what it holds), then the passages in order
under their headings (Heading 1), numbered, each quoted (Quote style) with its full citation
as a real footnote (footnotes.py says why), the trainer's note under it and a warning when
the source changed since; at the end "Danh mục nguồn", one line per document. Page numbers
in the footer.
"""
from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from vankien.search.catalog import display_date

from .collections import grouped
from .footnotes import Footnotes

FONT = "Times New Roman"
FONT_ALTERNATE = "DejaVu Serif"
LANGUAGE = "vi-VN"
NOTE_STYLE = "Ghi chú"
SOURCE_STYLE = "Nguồn đoạn trích"


def build_docx(collection: dict, entries: list[dict], checks: dict[int, dict] | None = None, *,
               today: date | None = None, site_url: str = "") -> bytes:
    """The handout as .docx bytes. `checks`: item id → passages.SourceChecker.check() result;
    `site_url` (the site's public address) makes the document links absolute."""
    today = today or date.today()
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    notes = Footnotes(doc)
    _title_page(doc, collection, entries, today)
    number = 0
    for group in grouped(entries):
        if group["heading"]:
            _styled(doc, "Heading 1", group["heading"]["title"])
        for item in group["passages"]:
            number += 1
            _passage(doc, notes, number, item, (checks or {}).get(item["id"]), site_url)
    _sources(doc, entries, site_url)
    notes.attach()
    _footer(doc)
    props = doc.core_properties
    props.title, props.author, props.language = collection["name"], "Văn kiện", LANGUAGE
    props.subject = "Tài liệu trích dẫn"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---- page and styles ---------------------------------------------------------------------------

def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.header_distance = section.footer_distance = Cm(1)


def _set_font(style_or_run, name: str = FONT) -> None:
    """Name the font for every script slot (Vietnamese letters are 'ascii'/'hAnsi' runs; the
    others keep Word from picking a theme font for punctuation or digits)."""
    style_or_run.font.name = name
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def _styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    _set_font(normal)
    normal.font.size = Pt(13)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE)
    normal.element.get_or_add_rPr().append(lang)
    for name, size in (("Title", 22), ("Subtitle", 14), ("Heading 1", 15), ("Heading 2", 13.5), ("Quote", 13)):
        style = styles[name]
        _set_font(style)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1C, 0x24, 0x30)
    styles["Title"].paragraph_format.space_after = Pt(12)
    heading = styles["Heading 1"]
    heading.font.bold = True
    heading.paragraph_format.space_before, heading.paragraph_format.space_after = Pt(18), Pt(8)
    heading.paragraph_format.keep_with_next = True
    quote = styles["Quote"]
    quote.font.italic = False
    quote.paragraph_format.left_indent, quote.paragraph_format.right_indent = Cm(0.8), Cm(0.3)
    quote.paragraph_format.space_before, quote.paragraph_format.space_after = Pt(2), Pt(4)
    quote.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _left_rule(quote)
    source = styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = normal
    source.font.size, source.font.bold = Pt(12), True
    source.paragraph_format.space_before, source.paragraph_format.space_after = Pt(10), Pt(2)
    source.paragraph_format.keep_with_next = True
    note = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    note.font.size, note.font.italic = Pt(12), True
    note.font.color.rgb = RGBColor(0x3B, 0x45, 0x52)
    note.paragraph_format.left_indent = Cm(0.8)
    note.paragraph_format.space_after = Pt(8)
    _font_alternate(doc)


def _left_rule(style) -> None:
    """A thin grey rule left of quoted passages (prints well, reads as a quotation)."""
    ppr = style.element.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "8"), ("w:color", "A0AAB8")):
        left.set(qn(key), value)
    border.append(left)
    ppr.append(border)


def _font_alternate(doc) -> None:
    """Declare Liberation Serif as the alternate of Times New Roman in the font table."""
    part = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    font = next((f for f in root.findall(qn("w:font")) if f.get(qn("w:name")) == FONT), None)
    if font is None:
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), FONT)
    alt = font.find(qn("w:altName"))
    if alt is None:
        alt = etree.Element(qn("w:altName"))
        font.insert(0, alt)
    alt.set(qn("w:val"), FONT_ALTERNATE)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- content -----------------------------------------------------------------------------------

def _styled(doc, style: str, text: str = ""):
    """A new paragraph in a style named by its UI name. python-docx's own lookup searches every
    style on every call, which made a 600-passage handout take 6 s; the ids are looked up once."""
    ids = doc.__dict__.setdefault("_vankien_style_ids", {})
    if style not in ids:
        ids[style] = doc.styles[style].style_id
    paragraph = doc.add_paragraph(text)
    paragraph._p.style = ids[style]
    return paragraph


def _title_page(doc, collection: dict, entries: list[dict], today: date) -> None:
    for _ in range(6):
        doc.add_paragraph()
    title = _styled(doc, "Title", collection["name"])
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in (collection.get("description") or "").split("\n\n"):
        if block.strip():
            p = _styled(doc, "Subtitle", block.strip())
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    passages = [e for e in entries if e["kind"] == "passage"]
    documents = {e["doc_key"] for e in passages}
    provinces = {e["document"].get("province") for e in passages} - {None, "", "unknown"}
    facts = doc.add_paragraph()
    facts.alignment = WD_ALIGN_PARAGRAPH.CENTER
    facts.paragraph_format.space_before = Pt(24)
    facts.add_run(f"Ngày lập: {today.strftime('%d/%m/%Y')}").bold = True
    summary = f"{len(passages)} đoạn trích từ {len(documents)} văn bản"
    if provinces:
        summary += f" của {len(provinces)} tỉnh, thành"
    facts.add_run().add_break()
    facts.add_run(summary)
    credit = doc.add_paragraph("Soạn bằng Văn kiện — kho tra cứu văn bản dân vận và quy chế dân chủ ở cơ sở."
                               " Nguồn của mỗi đoạn trích ghi ở chú thích cuối trang.")
    credit.alignment = WD_ALIGN_PARAGRAPH.CENTER
    credit.runs[0].font.size = Pt(11)
    credit.runs[0].font.color.rgb = RGBColor(0x5A, 0x64, 0x73)
    credit.add_run().add_break(WD_BREAK.PAGE)


def _passage(doc, notes: Footnotes, number: int, item: dict, check: dict | None, site_url: str) -> None:
    d = item["document"]
    where = " — ".join(p for p in (d.get("province") if d.get("province") != "unknown" else "",
                                   display_date(d.get("date") or "")) if p)
    head = _styled(doc, SOURCE_STYLE)
    head.add_run(f"{number}. {d.get('title') or '(không tiêu đề)'}")
    if where:
        tail = head.add_run(f" ({where})")
        tail.bold = False
    paragraphs = [t for t in item["text"].split("\n") if t.strip()] or [item["text"]]
    quote = None
    for i, text in enumerate(paragraphs):
        quote = _styled(doc, "Quote")
        quote.add_run(("“" if i == 0 else "") + text.strip() + ("”" if i == len(paragraphs) - 1 else ""))
    notes.add(quote, _footnote(item, check, site_url))
    if item["note"]:
        note = _styled(doc, NOTE_STYLE)
        label = note.add_run("Ghi chú: ")
        label.bold = True
        note.add_run(item["note"])
    if check and check["state"] not in ("current", "unknown"):
        warn = _styled(doc, NOTE_STYLE)
        warn.add_run(f"Lưu ý: {check['label'].lower()} kể từ khi thêm đoạn này"
                     f" ({display_date(item['added_at'][:10])}).").bold = True


def _footnote(item: dict, check: dict | None, site_url: str) -> str:
    """The full citation: title, type and number, issuer, province, dd/mm/yyyy, page/paragraph, URL."""
    text = item["citation"]
    link = _link(item, check, site_url)
    if link and link not in text:
        text += f" — {link}"
    return text


def _link(item: dict, check: dict | None, site_url: str) -> str:
    if not site_url:
        return ""
    doc_id = (check or {}).get("document_id") or item["document_id"]
    ordinal = (check or {}).get("ordinal") if (check or {}).get("ordinal") is not None else item["ordinal"]
    return f"{site_url.rstrip('/')}/documents/{doc_id}#p{ordinal}"


def _sources(doc, entries: list[dict], site_url: str) -> None:
    """'Danh mục nguồn': each document once, in order of first quotation."""
    seen: dict[str, dict] = {}
    for e in entries:
        if e["kind"] == "passage" and e["doc_key"] not in seen:
            seen[e["doc_key"]] = e["document"]
    if not seen:
        doc.add_paragraph("Bộ sưu tập chưa có đoạn trích nào.")
        return
    _styled(doc, "Heading 1", "Danh mục nguồn")
    for n, d in enumerate(seen.values(), 1):
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.8)
        p.paragraph_format.first_line_indent = Cm(-0.8)
        p.paragraph_format.space_after = Pt(4)
        p.add_run(f"{n}.\t")
        p.add_run(d.get("title") or "(không tiêu đề)").italic = True
        p.add_run(" — " + source_line(d))


def source_line(d: dict) -> str:
    """Type and number, issuer or outlet, province, dd/mm/yyyy, URL or source file."""
    kind = d.get("doc_type_label") or d.get("doc_type") or ""
    parts = [f"{kind} số {d['doc_number']}".strip() if d.get("doc_number") else kind,
             d.get("issuer") or d.get("outlet") or "",
             d.get("province") if d.get("province") not in (None, "", "unknown") else "",
             display_date(d.get("date") or "") or "không rõ ngày",
             d.get("url") or d.get("source_path") or ""]
    return " — ".join(p for p in parts if p)


def _footer(doc) -> None:
    """'Trang N' centred in the footer (a PAGE field, so Word and LibreOffice number the pages)."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Trang ").font.size = Pt(10)
    run = footer.add_run()
    run.font.size = Pt(10)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("", "1"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            el = OxmlElement("w:instrText" if kind is None else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
