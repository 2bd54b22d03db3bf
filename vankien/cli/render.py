"""Plain-text rendering of documents, results and status for the terminal (labels, dd/mm/yyyy)."""
from __future__ import annotations

from vankien.i18n import pick, t
from vankien.search.present import mark
from vankien.search.service import type_label

_DOCUMENT_FIELDS = (
    (("Ngày", "Date"), "date_display"), (("Loại", "Type"), "doc_type_label"), (("Số hiệu", "Number"), "doc_number"),
    (("Cơ quan ban hành", "Issuer"), "issuer"), (("Người ký", "Signer"), "signer"), (("Nguồn", "Outlet"), "outlet"),
    (("Tỉnh", "Province"), "province"), (("Từ 01/07/2025 thuộc", "Since 1 July 2025 part of"), "province_2025"),
    (("URL", "URL"), "url"), (("Tệp", "File"), "source_path"),
)


def render_documents(docs: list[dict]) -> str:
    """One line per document: id, date, province, type label, title [number]."""
    lines = []
    for d in docs:
        number = f" [{d['doc_number']}]" if d["doc_number"] else ""
        province = d["province"] if d["province"] != "unknown" else pick("không rõ", "unknown")
        lines.append(f"{d['id']:>5}  {d['date_display'] or '—':10}  {province[:14]:14}  "
                     f"{type_label(d['doc_type'])[:18]:18}  {d['title'][:90]}{number}")
    return "\n".join(lines)


def render_document(doc: dict) -> str:
    """A document: title, labelled metadata, cited documents, numbered paragraphs."""
    lines = [doc["title"], "=" * min(len(doc["title"]), 100)]
    for (vi, en), key in _DOCUMENT_FIELDS:
        value = doc.get(key)
        if value and value != "unknown" and not (key == "province_2025" and value == doc.get("province")):
            lines.append(f"{pick(vi, en)}: {value}")
    for ref in doc["references"]:
        date = f", {_dmy(ref['date'])}" if ref["date"] else ""
        lines.append(f"{pick('Trích dẫn', 'Cites')}: {ref['kind']} {ref['symbol']}{date}".replace("  ", " "))
    for other in doc.get("copies", []):
        lines.append(f"{pick('Bản sao', 'Copy')}: #{other['id']} {other['outlet'] or other['source_path']}"
                     f" ({other['date_display'] or '—'})")
    lines.append("")
    for p in doc["paragraphs"]:
        page = f"{pick('trang', 'page')} {p['page']}, " if p.get("page") else ""
        lines.append(f"[{page}{p['ordinal']}] {p['text']}")
    return "\n".join(lines)


def _dmy(iso: str) -> str:
    from vankien.search.catalog import display_date
    return display_date(iso)


def render_results(response: dict) -> str:
    """Ranked passages with their citation lines and marked matches."""
    lines = list(response["parsed"]["notices"])
    if not response["results"]:
        lines.append(t("search.none") + ("" if response["parsed"]["accented"] else t("search.unaccented")))
    for r in response["results"]:
        similar = "  " + t("search.similar", n=r["similar_count"]) if r["similar_count"] else ""
        lines += [f"{r['rank']}. {r['citation']}{similar}",
                  "   " + mark(r["text"], r["highlights"]).replace("\n", "\n   "), ""]
        for side in ("before", "after"):
            for nb in r.get("neighbors", {}).get(side, []):
                lines.append(f"   [{nb['ordinal']}] {nb['text'][:300]}")
    lines.append(t("search.total", total=response["total"], ms=response["took_ms"]))
    return "\n".join(lines)


def render_status(info: dict) -> str:
    """The knowledge base's state, one fact per line."""
    lines = [f"{pick('Kho', 'Knowledge base')}: {info['kb']}",
             f"{pick('Thế hệ chỉ mục', 'Index generation')}: {info['generation'] or '—'}"]
    if info.get("counts"):
        lines.append(f"{pick('Đã công bố', 'Published')}: {info['counts']['documents']} {pick('văn bản', 'documents')},"
                     f" {info['counts']['paragraphs']} {pick('đoạn', 'paragraphs')} ({info.get('indexed_at', '')},"
                     f" {info.get('encoder', '')})")
    if info["problem"]:
        lines.append(f"{pick('Sự cố', 'Problem')}: {info['problem']}")
    if info["pending"]:
        lines.append(t("documents.pending", count=info["pending"]))
    last = info.get("last_ingest")
    if last:
        c = last["counts"]
        lines.append(f"{pick('Lần nhập gần nhất', 'Last ingest')}: {last['started_at']} — "
                     + ", ".join(f"{k} {v}" for k, v in c.items() if isinstance(v, int)))
        lines += [t("ingest.error", source=e["source"], reason=e["reason"]) for e in last["errors"]]
    return "\n".join(lines)
