"""Binary documents: PDF text extraction (candidates compared), OCR error rate vs DPI, pages/s.

Builds the generated samples of tests/doc_samples.py in a temporary folder (seed 001 laid
out as an official notice: a 4-page text PDF, the same pages as a noisy, skewed image-only
"scan" at 200 dpi and at 150 dpi) and prints:

1. PDF text extractors (pypdfium2, pypdf, pdfplumber when installed): pages/s of raw
   extraction, and the character error rate (CER) of their raw page text against the
   notice in reading order (running header/footer lines removed first, whitespace
   collapsed), so that reading order and lost characters both count;
2. OCR CER, confidence, diacritics rate and CPU seconds per page at each render DPI;
3. pages/s of `read_pdf` (layout repair included) on the text PDF, and of OCR with
   OCR_JOBS processes (wall clock: other load on the machine shows here; CPU s is stabler).

    .venv/bin/python bench/bench_documents.py [--dpis 100,150,200,300,400] [--scans 200,150,100]
        [--skip-ocr]      (needs the test extra: fpdf2, pypdf; pdfplumber is compared if installed)
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import doc_samples  # noqa: E402  (test generators, shared with the tests)

from vankien.ingest import ocr  # noqa: E402
from vankien.ingest.page_layout import assemble  # noqa: E402
from vankien.ingest.read_pdf import read_pdf, render_page  # noqa: E402

_RUNNING = re.compile(rf"^(?:{re.escape(doc_samples.RUNNING_HEADER)}|{re.escape(doc_samples.FOOTER)}.*|\d+)$")


def reference_text(notice: doc_samples.Notice) -> str:
    """The notice's text in reading order, as laid out by doc_samples.text_pdf."""
    parts = (doc_samples.ISSUER_LINES + ["*", doc_samples.NUMBER_LINE, doc_samples.MOTTO,
             doc_samples.DATE_LINE, notice.doc_type] + notice.title_lines + ["-----"]
             + notice.paragraphs + ["Nơi nhận:"] + notice.recipients + doc_samples.SIGNER_LINES)
    return " ".join(" ".join(parts).split())


def raw_extractors() -> dict:
    """name → function(path) returning the page texts, for the libraries installed."""
    found = {}
    import pypdfium2 as pdfium

    def with_pdfium(path):
        doc = pdfium.PdfDocument(str(path))
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        doc.close()
        return texts
    found["pypdfium2"] = with_pdfium
    try:
        import pypdf
        found["pypdf"] = lambda path: [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]
    except ImportError:
        pass
    try:
        import pdfplumber

        def with_plumber(path):
            with pdfplumber.open(str(path)) as pdf:
                return [p.extract_text() or "" for p in pdf.pages]
        found["pdfplumber"] = with_plumber
    except ImportError:
        pass
    return found


def compare_extractors(pdf: Path, reference: str, runs: int = 3) -> None:
    """Pages/s and CER of each candidate's raw text (running lines dropped by pattern)."""
    print(f"\n1. PDF text extractors on {pdf.name} (raw page text, no layout repair)")
    for name, extract in raw_extractors().items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            texts = extract(pdf)
            times.append(time.perf_counter() - start)
        lines = [l.strip() for t in texts for l in t.replace("\r", "").split("\n")]
        text = " ".join(" ".join(l for l in lines if l and not _RUNNING.match(l)).split())
        cer = doc_samples.cer(reference, text)
        print(f"   {name:<10} {len(texts) / statistics.median(times):7.1f} pages/s   "
              f"CER {cer:.4f}   first line: {lines[1][:60]!r}")


def cer_by_dpi(scan: Path, reference: str, dpis: list[int]) -> None:
    """OCR the scan rendered at each DPI; CER of the assembled text, quality, CPU per page."""
    import pypdfium2 as pdfium

    print(f"\n2. OCR of {scan.name} (tesseract, {ocr.LANGUAGE}) by render DPI")
    for dpi in dpis:
        doc = pdfium.PdfDocument(str(scan))
        cpu0 = _children_cpu()
        start = time.perf_counter()
        items = ((i, render_page(doc[i], dpi)[0], dpi) for i in range(len(doc)))
        results = [r for _, r in ocr.ocr_images(items)]
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu0
        text = assemble([r.page for r in results]).text
        cer = doc_samples.cer(reference, text)
        conf = statistics.mean(r.confidence for r in results)
        rate = statistics.mean(r.diacritics_rate for r in results)
        print(f"   {dpi:>3} dpi: CER {cer:.4f}  confidence {conf:.3f}  diacritics rate {rate:.3f}  "
              f"{cpu / len(doc):.2f} CPU s/page  {wall / len(doc):.2f} wall s/page")
        doc.close()


def throughput(text_pdf: Path, scan: Path | None, runs: int) -> None:
    """Pages/s of read_pdf on the text PDF and on the scan (OCR_JOBS processes)."""
    raw = text_pdf.read_bytes()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        doc = read_pdf(raw, text_pdf.name, "x")
        times.append(time.perf_counter() - start)
    pages = doc.provenance["pages"]
    print(f"\n3. read_pdf on {text_pdf.name}: {pages / statistics.median(times):.0f} pages/s "
          f"(median of {runs}, layout repair included)")
    if scan is None:
        return
    cpu0 = _children_cpu()
    start = time.perf_counter()
    doc = read_pdf(scan.read_bytes(), scan.name, "x")
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    pages = doc.provenance["pages"]
    print(f"   read_pdf with OCR on {scan.name}, {ocr.OCR_JOBS} jobs on {os.cpu_count()} cores: "
          f"{pages / wall:.2f} pages/s wall, {cpu / pages:.2f} CPU s/page "
          f"(load average {os.getloadavg()[0]:.1f})")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Build the samples and print the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpis", default="100,150,200,300,400")
    parser.add_argument("--scans", default="200,150,100", help="resolutions of the generated scans")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-ocr", action="store_true")
    args = parser.parse_args()
    notice = doc_samples.load_notice()
    reference = reference_text(notice)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text_pdf = doc_samples.text_pdf(folder / "notice.pdf", notice)
        compare_extractors(text_pdf, reference)
        ocr_ok = not args.skip_ocr and ocr.tesseract_problem() is None
        if not ocr_ok and not args.skip_ocr:
            print(f"\n(OCR skipped: {ocr.tesseract_problem()})")
        scan = None
        if ocr_ok:
            dpis = [int(d) for d in args.dpis.split(",")]
            for scan_dpi in (int(d) for d in args.scans.split(",")):
                scan = doc_samples.scan_pdf(folder / f"scan{scan_dpi}.pdf", text_pdf, dpi=scan_dpi)
                cer_by_dpi(scan, reference, dpis)
            scan = folder / "scan200.pdf"
        throughput(text_pdf, scan, args.runs)


if __name__ == "__main__":
    main()
