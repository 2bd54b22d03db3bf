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
    """The result set: number cards and filter notes first, then documents, each with up to two
    passages (citation line, marked matches) and how many more of its paragraphs match."""
    lines = list(response["parsed"]["notices"]) + [n["text"] for n in response.get("filter_notes", [])]
    for n in response.get("numbers", []):
        lines += render_number(n)
    if not response["results"]:
        lines.append(t("search.none") + ("" if response["parsed"]["accented"] else t("search.unaccented")))
    last_rank = None
    for r in response["results"]:
        similar = "  " + t("search.similar", n=r["similar_count"]) if r["similar_count"] else ""
        head = f"{r['rank']}." if r["rank"] != last_rank else " " * len(f"{r['rank']}.")
        lines += [f"{head} {r['citation']}{similar}", "   " + mark(r["text"], r["highlights"]).replace("\n", "\n   ")]
        for side in ("before", "after"):
            for nb in r.get("neighbors", {}).get(side, []):
                lines.append(f"   [{nb['ordinal']}] {nb['text'][:300]}")
        if r.get("more_in_document") and r.get("passage_in_document") == _shown(response, r["rank"]):
            others = [str(o) for o in r.get("matched_paragraphs", []) if o not in _shown_paragraphs(response, r["rank"])]
            lines.append("   " + pick(f"… {r['more_in_document']} đoạn khác trong văn bản này khớp: đoạn {', '.join(others)}"
                                      f" (vankien document {r['document']['id']})",
                                      f"… {r['more_in_document']} more matching paragraphs in this document: "
                                      f"{', '.join(others)} (vankien document {r['document']['id']})"))
        lines.append("")
        last_rank = r["rank"]
    lines.append(_summary(response))
    return "\n".join(lines)


def _shown(response: dict, rank: int) -> int:
    return sum(1 for r in response["results"] if r["rank"] == rank)


def _shown_paragraphs(response: dict, rank: int) -> set[int]:
    return {r["paragraph"] for r in response["results"] if r["rank"] == rank}


def _summary(response: dict) -> str:
    docs, passages = response.get("total_documents", response["total"]), response.get("total_passages", 0)
    cut = response.get("cutoff", {})
    if response.get("numbers"):
        how = pick("văn bản mang số hiệu hoặc trích dẫn nó", "documents bearing or citing the number")
    elif cut.get("applied"):
        how = pick("các đoạn đạt ngưỡng liên quan; --raw: mọi đoạn liên quan dù ít",
                   "passages above the relevance cut-off; --raw: everything remotely related")
    else:
        how = pick("thứ hạng thô, không cắt theo ngưỡng", "raw ranking, no cut-off")
    return pick(f"{docs} văn bản ({passages} đoạn) — {how} — {response['took_ms']} ms",
                f"{docs} documents ({passages} passages) — {how} — {response['took_ms']} ms")


def render_number(n: dict) -> list[str]:
    """The header card of a document number: what the citing texts say, and who cites it."""
    if not n["cards"]:
        return [pick(f"Số hiệu {n['typed']}: không có văn bản nào trong kho mang số này hoặc trích dẫn nó.",
                     f"Number {n['typed']}: no document in the knowledge base bears or cites it.")]
    lines = []
    if not n["exact"]:
        lines.append(pick(f"“{n['typed']}” được hiểu là {', '.join(n['symbols'])}.",
                          f"“{n['typed']}” read as {', '.join(n['symbols'])}."))
    for c in n["cards"]:
        kind = (c["kinds"][0][0] if c["kinds"] else c["type_label"]).capitalize()
        dates = "; ".join(f"{_dmy(d)} ({k})" for d, k in c["dates"]) or "—"
        issuers = "; ".join(f"{w} ({k})" for w, k in c["issuers"]) or "—"
        provinces = ", ".join(f"{p if p != 'unknown' else pick('không rõ', 'unknown')} {k}"
                              for p, k in c["by_province"].items())
        years = ", ".join(f"{y if y != 'unknown' else '?'} {k}" for y, k in c["by_year"].items())
        held = "; ".join(f"#{d['id']} {d['title'][:80]}" for d in c["held"]) or pick("không có trong kho", "not held")
        lines += [f"== {kind} {pick('số', 'no.')} {c['symbol']} ==",
                  f"   {pick('Ngày ban hành (theo văn bản trích dẫn)', 'Date (as citing texts give it)')}: {dates}",
                  f"   {pick('Cơ quan ban hành', 'Issuer')}: {issuers}",
                  f"   {pick('Văn bản này trong kho', 'The document itself')}: {held}",
                  f"   {pick('Được trích dẫn bởi', 'Cited by')} {c['citing']} {pick('văn bản', 'documents')}"
                  + (f" — {provinces}" if provinces else "") + (f" — {years}" if years else "")]
        if c.get("mentions"):
            lines.append("   " + pick(f"{len(c['mentions'])} văn bản khác chỉ ghi số không đầy đủ (chưa tính): ",
                                      f"{len(c['mentions'])} more documents give only a bare number (not counted): ")
                         + ", ".join(f"#{d['id']}" for d in c["mentions"]))
    return lines + [""]


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
