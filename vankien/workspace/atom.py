"""The Atom feed (RFC 4287) of a followed search: one entry per new matching document.

Written with ElementTree, which escapes every text and attribute, so document titles and
passages (whatever they contain) cannot break the XML. Identifiers are stable UUIDs made
from the feed's token and the document's key, so a feed reader never shows an entry twice.
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from vankien.search.catalog import display_date

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_NS = uuid.UUID("5b0e9a3c-3f7e-4c62-9b7e-7a6b2f0c1d11")     # this project's namespace for feed ids


def feed_xml(follow: dict, entries: list[dict], *, self_url: str, site_url: str, search_url: str) -> bytes:
    """The feed as UTF-8 bytes. `entries` are Follows.feed_entries(); URLs are absolute
    (`site_url` without trailing slash is prepended to document paths)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(_q("feed"), {"{http://www.w3.org/XML/1998/namespace}lang": "vi"})
    _text(root, "id", f"urn:uuid:{uuid.uuid5(_NS, 'follow:' + follow['token'])}")
    _text(root, "title", f"Văn kiện — theo dõi: {follow['name']}")
    _text(root, "subtitle", _describe(follow))
    updated = max([e["first_seen"] for e in entries if e["first_seen"]] + [follow["created_at"]])
    _text(root, "updated", updated)
    ET.SubElement(root, _q("link"), {"rel": "self", "type": "application/atom+xml", "href": self_url})
    ET.SubElement(root, _q("link"), {"rel": "alternate", "type": "text/html", "href": search_url})
    author = ET.SubElement(root, _q("author"))
    _text(author, "name", "Văn kiện")
    _text(root, "generator", "Văn kiện")
    for e in entries:
        _entry(root, follow, e, site_url.rstrip("/"))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def _entry(root: ET.Element, follow: dict, match: dict, site: str) -> None:
    r = match["result"]
    doc = r["document"]
    entry = ET.SubElement(root, _q("entry"))
    _text(entry, "id", f"urn:uuid:{uuid.uuid5(_NS, follow['token'] + '|' + doc['doc_key'])}")
    _text(entry, "title", doc["title"] or "(không tiêu đề)")
    ET.SubElement(entry, _q("link"), {"rel": "alternate", "type": "text/html", "href": site + r["permalink"]})
    stamp = match["first_seen"] or follow["created_at"]
    _text(entry, "updated", stamp)
    _text(entry, "published", stamp)
    if doc.get("province") and doc["province"] != "unknown":
        ET.SubElement(entry, _q("category"), {"term": doc["province"]})
    _text(entry, "summary", _line(doc))
    _text(entry, "content", f"{_line(doc)}\n\n{r['text']}\n\nTrích dẫn: {r['citation']}", type="text")


def _line(doc: dict) -> str:
    """'Chỉ thị số 05-CT/TW — Tỉnh ủy … — Hà Tĩnh — 15/05/2016'."""
    kind = doc.get("doc_type_label") or doc.get("doc_type") or ""
    parts = [f"{kind} số {doc['doc_number']}".strip() if doc.get("doc_number") else kind,
             doc.get("issuer") or doc.get("outlet") or "",
             doc.get("province") if doc.get("province") != "unknown" else "",
             display_date(doc.get("date") or "") or "không rõ ngày"]
    return " — ".join(p for p in parts if p)


def _describe(follow: dict) -> str:
    from vankien.search.filters import FILTER_BY_PARAM
    filters = "; ".join(f"{FILTER_BY_PARAM[k].label.lower() if k in FILTER_BY_PARAM else k}: {v}"
                        for k, v in follow["filters"].items())
    return f"Tìm “{follow['query']}”" + (f" ({filters})" if filters else "") + \
        ": văn bản mới khớp với tìm kiếm, mới nhất trước."


def _q(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), attrs)
    el.text = _xml_safe(text)
    return el


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters a scraped page may hold)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (" " <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd")
                   or ch >= "\U00010000")
