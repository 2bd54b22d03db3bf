"""Binary document formats (PDF, Word, images): detection by content, their readers, and
the attachment a portal page links to.

`binary_format` names the format of bytes that are a document file rather than text;
`read_binary` turns such a file into one RawDocument (or a ReadError) and fills its fields
from the document's own administrative header (admin_header). `find_attachment` resolves
the PDF/Word file a page or a data row points to, in the page's folder.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vankien.ingest.admin_header import parse_admin_header
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.read_doc import OLE_MAGIC, read_doc
from vankien.ingest.read_docx import read_docx
from vankien.ingest.read_image import read_image
from vankien.ingest.read_pdf import read_pdf

ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_PDF_HEADER_WINDOW = 1024       # the PDF header may follow a little junk (the spec allows it)
_HREF = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_READERS = {"pdf": read_pdf, "docx": read_docx, "doc": read_doc, "image": read_image}


def binary_format(raw: bytes, extension: str) -> str | None:
    """"pdf", "docx", "doc" or "image" for a binary document file; None for text.

    Content decides (magic bytes; for a zip, a word/document.xml part); the extension only
    claims .pdf/.docx files whose content is none of these, so that they are reported as
    corrupt rather than read as text.
    """
    head = raw[:_PDF_HEADER_WINDOW]
    if b"%PDF-" in head:
        return "pdf"
    if raw.startswith(OLE_MAGIC):
        return "doc"
    if raw.startswith(_IMAGE_MAGIC) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
        return "image"
    if raw.startswith(b"PK\x03\x04") and _is_word_zip(raw, extension):
        return "docx"
    return {".pdf": "pdf", ".docx": "docx"}.get(extension)


def _is_word_zip(raw: bytes, extension: str) -> bool:
    if extension == ".docx":
        return True
    try:
        return "word/document.xml" in zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def read_binary(fmt: str, raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """Read one binary document file of format `fmt` (as named by binary_format).

    The document's header (issuer, number, place and date, type and trích yếu, recipients,
    signer) becomes its fields; fields already set by the reader are kept.
    """
    reader = _READERS.get(fmt)
    if reader is None:
        return ReadError(source_path, f"{fmt} files are not supported")
    doc = reader(raw, source_path, raw_hash)
    if isinstance(doc, RawDocument):
        for key, value in parse_admin_header(doc.text).fields().items():
            doc.fields.setdefault(key, value)
    return doc


def find_attachment(page_path: Path, fields: dict) -> Path | None:
    """The document file a page or row points to, in the page's own folder, or None.

    Looks at the `attachment` field (a URL or path, several separated by ";" or ","), then,
    for an HTML page, at its links (href/src) to PDF, Word or image files. A reference is
    matched to a file in `page_path`'s folder (or below it) by its path, else by its file
    name (URL-decoded, NFC, case-insensitive), else by that name with only its letters and
    digits (browsers save "a b.pdf" as "a_b.pdf"). Never outside the folder.
    """
    folder = page_path.parent.resolve()
    refs = [r for r in re.split(r"[;,\n]", str(fields.get("attachment") or "")) if r.strip()]
    if page_path.suffix.lower() in (".html", ".htm", ".md", ".txt") and page_path.is_file():
        html = page_path.read_text(encoding="utf-8", errors="replace")
        refs += [m.group(1) for m in _HREF.finditer(html)]
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ATTACHMENT_SUFFIXES]
    for ref in refs:
        found = _resolve(ref.strip(), folder, files)
        if found is not None:
            return found
    return None


def _resolve(ref: str, folder: Path, files: list[Path]) -> Path | None:
    path = unquote(urlsplit(ref).path).replace("\\", "/")
    if not path.lower().endswith(ATTACHMENT_SUFFIXES):
        return None
    direct = (folder / path.lstrip("/")).resolve()
    if direct.is_file() and direct.is_relative_to(folder):
        return direct
    name = path.rsplit("/", 1)[-1]
    for key in (_name_key, _loose_key):
        wanted = key(name)
        for file in files:
            if key(file.name) == wanted:
                return file
    return None


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _loose_key(name: str) -> str:
    return "".join(ch for ch in _name_key(name) if ch.isalnum())
