"""Readers for tabular sources, one document per row: CSV/TSV (any delimiter) and JSONL."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Iterator

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_line, normalize_text

# Canonical key → column names that mean it, in order of preference (compared lower-case).
_COLUMN_NAMES = {
    "title": ("title", "headline", "tieu_de"),
    "text": ("content", "body", "text", "noi_dung"),
    "date": ("date", "published", "published_time", "publish_date", "published_at"),
    "url": ("url", "link"),
    "outlet": ("source", "outlet"),
    "author": ("author",),
    "description": ("description", "summary", "sapo"),
    "category": ("category",),
    "province": ("province",),
    "doc_type": ("doc_type",),
    "doc_number": ("doc_number", "so_hieu"),
}
_DELIMITERS = ",;|\t"
# csv.Sniffer's patterns are quadratic in the line length (100 kB: minutes), so it sees the
# header's first this-many characters only; a real header (column names) is far shorter.
_SNIFF_CHARS = 2000


def resolve_columns(header: list[str], column_map: dict[str, str] | None = None) -> dict[str, str]:
    """Map canonical keys to the header's column names; `column_map` entries win."""
    by_lower = {name.strip().lower(): name for name in header}
    resolved: dict[str, str] = {}
    for canonical, candidates in _COLUMN_NAMES.items():
        for candidate in candidates:
            if candidate in by_lower:
                resolved[canonical] = by_lower[candidate]
                break
    for canonical, column in (column_map or {}).items():
        if column in header:
            resolved[canonical] = column
    return resolved


def row_document(source_path: str, row: int, record: dict, columns: dict[str, str],
                 fmt: str) -> RawDocument:
    """Build the RawDocument of one row; raw_hash is over the row's canonical JSON."""
    canonical_json = json.dumps(record, ensure_ascii=False, sort_keys=True)
    raw_hash = hashlib.sha256(canonical_json.encode("utf-8")).hexdigest()
    fields: dict[str, str] = {}
    for canonical, column in columns.items():
        value = record.get(column)
        if canonical == "text" or value is None:
            continue
        value = normalize_line(str(value))
        if value:
            fields[canonical] = value
    text_column = columns.get("text")
    text = normalize_text(str(record.get(text_column) or "")) if text_column else ""
    return RawDocument(source_path, text, fmt, raw_hash, row=row, fields=fields)


def sniff_delimiter(text: str, extension: str = "") -> str:
    """Delimiter of a delimited file: tab for .tsv, else sniffed from the header line."""
    if extension == ".tsv":
        return "\t"
    end = text.find("\n", 0, _SNIFF_CHARS)
    header = text[:end if end >= 0 else _SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(header, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in _DELIMITERS}
        return max(counts, key=counts.get)


def iter_csv_rows(source_path: str, text: str, extension: str = "",
                  column_map: dict[str, str] | None = None) -> Iterator[RawDocument | ReadError]:
    """One document per data row; a malformed row yields a ReadError and reading goes on."""
    delimiter = sniff_delimiter(text, extension)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""),
                        delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        yield ReadError(source_path, "CSV file has no readable header row")
        return
    columns = resolve_columns(header, column_map)
    row = 0
    while True:
        row += 1
        key = f"{source_path}#{row}"
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ReadError(key, f"malformed CSV row: {exc}")
            continue
        if not any(v.strip() for v in values):
            row -= 1    # blank lines are not rows
            continue
        if len(values) != len(header):
            yield ReadError(key, f"malformed CSV row: {len(values)} columns, header has {len(header)}")
            continue
        yield row_document(source_path, row, dict(zip(header, values)), columns, "csv")


def iter_jsonl_rows(source_path: str, text: str,
                    column_map: dict[str, str] | None = None) -> Iterator[RawDocument | ReadError]:
    """One document per JSON object line; a bad line yields a ReadError and reading goes on."""
    row = 0
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            continue
        row += 1
        key = f"{source_path}#{row}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(key, f"bad JSON line: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield ReadError(key, "JSON line is not an object")
            continue
        columns = resolve_columns(list(record), column_map)
        yield row_document(source_path, row, record, columns, "jsonl")
