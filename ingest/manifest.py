"""Optional manifest: metadata overrides keyed by file path (glob allowed) or URL.

A manifest is a CSV (header `path,url,province,outlet,date,doc_type,title`, any subset)
or a JSON list of objects with the same keys. Paths are relative to the manifest's own
folder; `*` and `**` globs match across folders. Overrides replace reader fields.
"""
from __future__ import annotations

import csv
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path

from vankien.errors import VankienError
from vankien.ingest.model import RawDocument
from vankien.ingest.normalize import normalize_line

OVERRIDE_KEYS = ("province", "outlet", "date", "doc_type", "title")
MANIFEST_NAMES = ("manifest.csv", "manifest.json")


class ManifestError(VankienError, ValueError):
    """The manifest file cannot be read."""


@dataclass
class ManifestEntry:
    """One manifest line: what it matches (path glob or URL) and the overrides."""

    path: str = ""
    url: str = ""
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass
class Manifest:
    """A list of entries; `prefix` is the manifest folder relative to the ingest root."""

    entries: list[ManifestEntry]
    prefix: str = ""

    @classmethod
    def load(cls, path: Path, prefix: str = "") -> "Manifest":
        """Read a manifest CSV or JSON file. Raises ManifestError when it is malformed."""
        try:
            text = path.read_text(encoding="utf-8-sig")
            records = json.loads(text) if path.suffix.lower() == ".json" else list(
                csv.DictReader(text.splitlines()))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
            raise ManifestError(f"{path.name}: {exc}") from exc
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ManifestError(f"{path.name}: expected a list of objects")
        return cls([_entry(r) for r in records], prefix.strip("/"))

    def overrides_for(self, source_path: str, url: str = "") -> dict[str, str]:
        """Merged overrides of every entry matching the path or URL (later entries win)."""
        local = _relative_to(source_path, self.prefix)
        merged: dict[str, str] = {}
        for entry in self.entries:
            by_path = entry.path and local is not None and fnmatch.fnmatchcase(local, entry.path)
            by_url = entry.url and url and entry.url == url
            if by_path or by_url:
                merged.update(entry.overrides)
        return merged

    def apply(self, doc: RawDocument) -> RawDocument:
        """Put the matching overrides into doc.fields (in place) and return the doc."""
        doc.fields.update(self.overrides_for(doc.source_path, doc.fields.get("url", "")))
        return doc


def _entry(record: dict) -> ManifestEntry:
    """Build an entry from one CSV/JSON record, ignoring empty and unknown keys."""
    overrides = {k: normalize_line(str(record[k])) for k in OVERRIDE_KEYS
                 if record.get(k) not in (None, "")}
    return ManifestEntry(str(record.get("path") or "").strip().removeprefix("./"),
                         str(record.get("url") or "").strip(), overrides)


def _relative_to(source_path: str, prefix: str) -> str | None:
    """source_path relative to the manifest folder, or None if it lies outside it."""
    if not prefix:
        return source_path
    if source_path.startswith(prefix + "/"):
        return source_path[len(prefix) + 1:]
    return None
