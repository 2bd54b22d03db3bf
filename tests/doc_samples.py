"""Generators of the binary test documents: a real notice laid out in the administrative form.

The notice is seed 001 (tests/data/seeds/001_*.txt, a Ban Chỉ đạo conclusion notice of
13/7/2020) with the header block every Vietnamese official document carries (issuing body,
number, place and date, type, trích yếu), and its recipients and signer block at the end.
The seed names no province: the header's "Hải Dương" is invented for the layout.

    text_pdf(path)  three-to-four-page PDF with a text layer (DejaVu Serif), two-column
                    header and signature, running header/footer and page numbers
    scan_pdf(path)  the same pages rendered to greyscale JPEG images at `dpi`, with mild
                    skew and noise, in an image-only PDF (a "scan")
    docx(path)      the notice in Word: header table, real numbered and bulleted lists,
                    a heading, a data table, recipients/signer table
Test-only dependencies: fpdf2, Pillow, numpy, python-docx.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
SEED_001 = next((DATA / "seeds").glob("001_*.txt"))
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

ISSUER_LINES = ["TỈNH ỦY HẢI DƯƠNG", "BAN CHỈ ĐẠO THỰC HIỆN", "QUY CHẾ DÂN CHỦ Ở CƠ SỞ"]
NUMBER_LINE = "Số 210-TB/BCĐ"
MOTTO = "ĐẢNG CỘNG SẢN VIỆT NAM"
DATE_LINE = "Hải Dương, ngày 13 tháng 7 năm 2020"
RUNNING_HEADER = "Ban Chỉ đạo QCDC tỉnh – Bản điện tử"
FOOTER = "Văn phòng Tỉnh ủy Hải Dương"
SIGNER_LINES = ["T/M BAN CHỈ ĐẠO", "PHÓ BÍ THƯ TỈNH ỦY", "kiêm", "TRƯỞNG BAN CHỈ ĐẠO", "(Đã ký)",
                "Dương Văn An"]


@dataclass
class Notice:
    """Seed 001 split into its administrative parts."""

    doc_type: str                       # "THÔNG BÁO"
    title_lines: list[str]              # trích yếu lines (the last one printed in bold)
    paragraphs: list[str]               # body paragraphs in order
    recipients: list[str] = field(default_factory=list)

    @property
    def body_text(self) -> str:
        """The body as plain text, one paragraph a line (ground truth for OCR error rates)."""
        return "\n".join(self.paragraphs)


def load_notice() -> Notice:
    """Seed 001 as a Notice; the paragraph the original page break cut ("người / lao động") is whole."""
    text = SEED_001.read_text(encoding="utf-8").replace("**", "")
    text = re.sub(r"người\n\nlao động", "người lao động", text)
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    doc_type, title, rest = blocks[0], blocks[1].split("\n"), blocks[2:]
    cut = next(i for i, b in enumerate(rest) if b.startswith("Nơi nhận"))
    recipients = [line for line in rest[cut + 1].split("\n")]
    return Notice(doc_type, title, rest[:cut], recipients)


def _fpdf():
    from fpdf import FPDF

    class NoticePDF(FPDF):
        """A4 with the margins of Nghị định 30/2020; page number on top from page 2."""

        def header(self):
            self.set_font("Serif", size=9)
            self.set_xy(self.l_margin, 8)
            self.cell(0, 5, RUNNING_HEADER, align="L")
            if self.page_no() > 1:
                self.set_font("Serif", size=12)
                self.set_xy(self.l_margin, 13)
                self.cell(0, 5, str(self.page_no()), align="C")
            self.set_xy(self.l_margin, self.t_margin)

        def footer(self):
            self.set_y(-14)
            self.set_font("Serif", size=9)
            self.cell(0, 5, f"{FOOTER} — Trang {self.page_no()}/{{nb}}", align="C")

    pdf = NoticePDF(format="A4", unit="mm")
    for style, name in (("", "DejaVuSerif.ttf"), ("B", "DejaVuSerif-Bold.ttf"),
                        ("I", "DejaVuSerif-Italic.ttf"),
                        ("BI", "DejaVuSerif-BoldItalic.ttf")):
        pdf.add_font("Serif", style, str(FONT_DIR / name))
    pdf.set_margins(30, 22, 15)
    pdf.set_auto_page_break(True, margin=22)
    return pdf


def text_pdf(path: Path, notice: Notice | None = None, body_size: float = 12) -> Path:
    """Write the notice as a text PDF in the administrative layout (body text in
    `body_size` points); returns `path`."""
    notice = notice or load_notice()
    pdf = _fpdf()
    pdf.add_page()
    _two_columns(pdf, ISSUER_LINES + ["*", NUMBER_LINE], [MOTTO, "", DATE_LINE], bold_left=2)
    pdf.ln(6)
    pdf.set_font("Serif", "B", 14)
    pdf.cell(0, 7, notice.doc_type, align="C", new_x="LMARGIN", new_y="NEXT")
    for line in notice.title_lines:
        pdf.set_font("Serif", "B" if line.isupper() else "BI", 12)
        pdf.multi_cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 4, "-----", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Serif", size=body_size)
    with pdf.text_columns(text_align="J", line_height=1.25) as cols:
        for para in notice.paragraphs:
            with cols.paragraph(first_line_indent=10, bottom_margin=2) as p:
                p.write(para)
    pdf.ln(6)
    if pdf.get_y() > pdf.h - 90:
        pdf.add_page()
    _two_columns(pdf, ["Nơi nhận:"] + notice.recipients, SIGNER_LINES, size_left=9, bold_right=4)
    pdf.output(str(path))
    return path


def _two_columns(pdf, left: list[str], right: list[str], *, bold_left: int = 0,
                 bold_right: int = 0, size_left: int = 12) -> None:
    """Left column written first, then the right one (how a Word table cell by cell prints)."""
    top = pdf.get_y()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for i, line in enumerate(left):
        pdf.set_font("Serif", "B" if i < bold_left else "", size_left if i else 12)
        pdf.set_xy(pdf.l_margin - 12, top + i * 5.5)
        pdf.cell(half + 4, 5.5, line, align="C" if size_left == 12 else "L")
    for i, line in enumerate(right):
        italic = "," in line and "ngày" in line
        pdf.set_font("Serif", "I" if italic else ("B" if i < bold_right or i == len(right) - 1
                                                  or line == MOTTO else ""), 12)
        pdf.set_xy(pdf.l_margin + half - 4, top + i * 5.5)
        pdf.cell(half + 4, 5.5, line, align="C")
    pdf.set_xy(pdf.l_margin, top + max(len(left), len(right)) * 5.5)


def scan_pdf(path: Path, source_pdf: Path, dpi: int = 200, skew: float = 0.6, seed: int = 7,
             pages: int | None = None) -> Path:
    """Render `source_pdf` to noisy, slightly skewed greyscale JPEG pages in an image-only PDF."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(str(source_pdf))
    images = []
    for index in range(len(doc) if pages is None else min(pages, len(doc))):
        img = doc[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        img = img.rotate(skew * (1 if index % 2 else -1), resample=Image.BICUBIC,
                         fillcolor=255, expand=False)
        img = img.filter(ImageFilter.GaussianBlur(0.5))
        pixels = np.asarray(img, dtype=np.float32)
        pixels += rng.normal(0, 10, pixels.shape)                 # sensor noise
        specks = rng.random(pixels.shape) < 0.00005               # dust
        pixels[specks] = 0
        pixels = np.clip(pixels * 0.92 + 14, 0, 255)              # greyish paper
        images.append(Image.fromarray(pixels.astype(np.uint8)))
    doc.close()
    jpeg_pages = []
    for img in images:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)
        jpeg_pages.append(Image.open(io.BytesIO(buf.getvalue())))
    jpeg_pages[0].save(path, "PDF", save_all=True, append_images=jpeg_pages[1:], resolution=dpi)
    return path


def image_file(path: Path, source_pdf: Path, dpi: int = 200, page: int = 0) -> Path:
    """One page of `source_pdf` as a PNG image file (a photographed/scanned page on its own)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(source_pdf))
    doc[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L").save(path)
    doc.close()
    return path


def docx(path: Path, notice: Notice | None = None) -> Path:
    """Write the notice as a Word document with tables, real list numbering and a heading."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    notice = notice or load_notice()
    doc = Document()
    header = doc.add_table(rows=1, cols=2)
    _cell_lines(header.rows[0].cells[0], ISSUER_LINES + ["*", NUMBER_LINE], bold=2)
    _cell_lines(header.rows[0].cells[1], [MOTTO, "", DATE_LINE], bold=1)
    for i, line in enumerate([notice.doc_type] + notice.title_lines):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(line).bold = True
    for para in notice.paragraphs:
        if re.match(r"^[IVX]+\. ", para):
            doc.add_heading(para, level=2)
        elif para.startswith("- "):
            doc.add_paragraph(para[2:], style="List Bullet")
        elif re.match(r"^\d+- ", para):
            doc.add_paragraph(para.split("- ", 1)[1], style="List Number")
        else:
            doc.add_paragraph(para)
    doc.add_paragraph("Kết quả tổ chức Hội nghị người lao động 6 tháng đầu năm 2020:")
    table = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([("Loại hình", "Số đơn vị", "Tỷ lệ"),
                             ("Doanh nghiệp nhà nước", "12", "100%"),
                             ("Doanh nghiệp ngoài nhà nước", "245", "47,12%")]):
        for c, value in enumerate(row):
            table.rows[r].cells[c].text = value
    closing = doc.add_table(rows=1, cols=2)
    _cell_lines(closing.rows[0].cells[0], ["Nơi nhận:"] + notice.recipients, bold=1)
    _cell_lines(closing.rows[0].cells[1], SIGNER_LINES, bold=4)
    doc.save(str(path))
    return path


def _cell_lines(cell, lines: list[str], bold: int = 0) -> None:
    cell.paragraphs[0].add_run(lines[0]).bold = bold > 0
    for i, line in enumerate(lines[1:], start=1):
        cell.add_paragraph().add_run(line).bold = i < bold


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over reference length, on whitespace-normalised NFC."""
    import unicodedata

    ref = " ".join(unicodedata.normalize("NFC", reference).split())
    hyp = " ".join(unicodedata.normalize("NFC", hypothesis).split())
    return levenshtein(ref, hyp) / max(1, len(ref))


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions), O(len(a)·len(b)) with numpy rows."""
    import numpy as np

    if not a or not b:
        return len(a) or len(b)
    bv = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    prev = np.arange(len(b) + 1, dtype=np.int32)
    for i, ch in enumerate(a, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        sub = prev[:-1] + (bv != ord(ch))
        dele = prev[1:] + 1
        best = np.minimum(sub, dele)
        # insertions need a running minimum along the row: cur[j] = min(best[j], cur[j-1] + 1)
        cur[1:] = np.minimum.accumulate(best - np.arange(1, len(b) + 1)) + np.arange(1, len(b) + 1)
        cur[1:] = np.minimum(cur[1:], i + np.arange(1, len(b) + 1))
        prev = cur
    return int(prev[-1])
