"""A collection as CSV, JSON (the result export's fields, plus the collection's own) or a
printable HTML page (the same template for the site's print view and `collection export --html`)."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

from vankien.ingest.normalize import fold
from vankien.search.catalog import display_date
from vankien import web as web_package
from vankien.web.export import BOM, COLUMNS

from .collections import grouped
from .handout import source_line

# The result export's columns, then what only a collection has.
EXTRA_COLUMNS = ("group", "note", "added_at", "source_state")
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
WEB = Path(web_package.__file__).resolve().parent        # the installed vankien.web, wherever it lives
TEMPLATES, STATIC = WEB / "templates", WEB / "static"
PRINT_TEMPLATE = "collection_print.html"
PRINT_CSS = "handout.css"


def rows(entries: list[dict], checks: dict[int, dict] | None = None, base_url: str = "") -> list[dict]:
    """One flat row per passage, in order: every citation field, the heading it is under, the note."""
    out = []
    for group in grouped(entries):
        label = group["heading"]["title"] if group["heading"] else ""
        for item in group["passages"]:
            out.append(_row(item, len(out) + 1, label, (checks or {}).get(item["id"]), base_url.rstrip("/")))
    return out


def _row(item: dict, rank: int, group: str, check: dict | None, base: str) -> dict:
    d = item["document"]
    check = check or {}
    doc_id = check.get("document_id") or item["document_id"]
    ordinal = check["ordinal"] if check.get("ordinal") is not None else item["ordinal"]
    return {"rank": rank, "score": "", "title": d.get("title", ""),
            "doc_type": d.get("doc_type_label") or d.get("doc_type", ""), "doc_number": d.get("doc_number", ""),
            "issuer": d.get("issuer", ""), "signer": d.get("signer", ""), "outlet": d.get("outlet", ""),
            "province": d.get("province", ""), "province_2025": d.get("province_2025", ""),
            "date": display_date(d.get("date") or ""), "date_iso": d.get("date", ""), "paragraph": item["ordinal"],
            "heading": item["section"], "text": item["text"], "url": d.get("url", ""),
            "source_path": d.get("source_path", ""), "permalink": f"{base}/documents/{doc_id}#p{ordinal}",
            "citation": item["citation"], "similar_count": "", "group": group, "note": item["note"],
            "added_at": item["added_at"], "source_state": check.get("state", "")}


def to_csv(table: list[dict]) -> bytes:
    """CSV bytes with a UTF-8 byte-order mark (so Excel reads Vietnamese) and a header row."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def to_json(collection: dict, table: list[dict]) -> bytes:
    """JSON: the collection's fields and its rows."""
    doc = {"collection": {k: collection[k] for k in ("id", "name", "description", "created_at", "updated_at")},
           "exported_at": date.today().isoformat(), "total": len(table), "results": table}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def filename(name: str, ext: str) -> str:
    """'bo-suu-tap-<ascii slug of the name>.<ext>', safe for a Content-Disposition header."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name).lower()).strip("-")[:60].strip("-")
    return f"bo-suu-tap-{slug or 'van-kien'}.{ext}"


def print_html(collection: dict, entries: list[dict], checks: dict[int, dict] | None = None, *,
               css_href: str | None = None, base_url: str = "", today: date | None = None) -> str:
    """The printable page: title, description, date, passages under their headings with
    numbered citations, notes and the source list. With `css_href` the page links its style
    sheet (the site, whose CSP forbids inline styles); without, the styles are inlined (a file)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.filters["vndate"] = display_date
    css = None if css_href else (STATIC / PRINT_CSS).read_text(encoding="utf-8")
    seen: dict[str, dict] = {}
    for e in entries:
        if e["kind"] == "passage":
            seen.setdefault(e["doc_key"], e["document"])
    return env.get_template(PRINT_TEMPLATE).render(
        collection=collection, groups=grouped(entries), checks=checks or {}, css_href=css_href, css=css,
        base_url=base_url.rstrip("/"), today=(today or date.today()).strftime("%d/%m/%Y"),
        sources=[(d, source_line(d)) for d in seen.values()],
        passages=sum(1 for e in entries if e["kind"] == "passage"))
