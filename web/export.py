"""Export a result set as CSV (UTF-8 with BOM, so Excel reads Vietnamese) or JSON rows."""
from __future__ import annotations

import csv
import io
import json
import re

from vankien.ingest.normalize import fold
from vankien.search.catalog import display_date

COLUMNS = ("rank", "score", "title", "doc_type", "doc_number", "issuer", "signer", "outlet", "province",
           "province_2025", "date", "date_iso", "paragraph", "heading", "text", "url", "source_path",
           "permalink", "citation", "similar_count")
BOM = "\ufeff"


def rows(response: dict, base_url: str = "") -> list[dict]:
    """One flat row per result with every citation field; permalinks made absolute by base_url."""
    return [_row(r, base_url.rstrip("/")) for r in response["results"]]


def _row(r: dict, base: str) -> dict:
    doc = r["document"]
    return {"rank": r["rank"], "score": r["score"], "title": doc["title"],
            "doc_type": doc.get("doc_type_label") or doc["doc_type"], "doc_number": doc["doc_number"],
            "issuer": doc["issuer"], "signer": doc["signer"], "outlet": doc["outlet"],
            "province": doc["province"], "province_2025": doc["province_2025"],
            "date": display_date(doc["date"]), "date_iso": doc["date"], "paragraph": r["paragraph"],
            "heading": r["heading"] or "", "text": r["text"], "url": doc["url"],
            "source_path": doc["source_path"], "permalink": base + r["permalink"],
            "citation": r["citation"], "similar_count": r["similar_count"]}


def to_csv(table: list[dict]) -> bytes:
    """CSV bytes with a UTF-8 byte-order mark and a header row."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def to_json(response: dict, table: list[dict]) -> bytes:
    """JSON export: the query, filters, total and the flat rows."""
    doc = {"query": response["query"], "filters": response["filters"], "sort": response["sort"],
           "total": response["total"], "results": table}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def filename(query: str, ext: str) -> str:
    """'vankien-<ascii slug of the query>.<ext>', safe for a Content-Disposition header."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(query).lower()).strip("-")[:60].strip("-")
    return f"vankien-{slug or 'ket-qua'}.{ext}"
