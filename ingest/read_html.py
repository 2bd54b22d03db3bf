"""Reader for HTML files: a full saved page (main content and page metadata) or a fragment."""
from __future__ import annotations

from vankien.ingest.html_text import extract_page, html_to_text, is_full_page
from vankien.ingest.model import RawDocument, ReadError


def read_html(source_path: str, text: str, raw_hash: str) -> RawDocument | ReadError:
    """A full page (main content + title/date/attachment) or an HTML fragment."""
    fields: dict[str, str] = {}
    if is_full_page(text):
        page = extract_page(text)
        body = page.text
        fields = {k: v for k, v in (("title", page.title), ("date", page.date),
                                    ("attachment", page.attachment)) if v}
    else:
        body = html_to_text(text)
    if not body and not fields.get("title"):
        return ReadError(source_path, "HTML with no extractable text (truncated or garbled?)")
    return RawDocument(source_path, body, "html", raw_hash, fields=fields)
