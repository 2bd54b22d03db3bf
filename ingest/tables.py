"""Domain reference tables (provinces, outlets, document types, abbreviations) and lookups.

The CSV files are the package data of `vankien.tables` (corpus/tables/ in the repository;
override with env `VANKIEN_TABLES`); each is read
once per process. Multi-valued cells (aliases, domains, districts, symbols, cues) are
separated by ";".
"""
from __future__ import annotations

import csv
import os
import re
from importlib import resources
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from vankien.ingest.normalize import fold, normalize_line

# Phrases that contain a province name without being about the province.
_FALSE_MENTIONS = re.compile(r"Điện Biên Phủ|ĐIỆN BIÊN PHỦ")
# A district name counts only with its administrative prefix ("huyện Đắk Song").
_NON_ALNUM = re.compile(r"[\W_]+")
_DISTRICT_PREFIX = r"(?:huyện|Huyện|HUYỆN|thị xã|Thị xã|THỊ XÃ|thành phố|Thành phố|TP\.?)\s+"


@dataclass(frozen=True)
class Province:
    """One of the 63 pre-2025 provinces / centrally-run cities."""

    name: str
    slug: str
    kind: str
    aliases: tuple[str, ...]
    province_2025: str
    districts: tuple[str, ...]


@dataclass(frozen=True)
class Outlet:
    """A news outlet or portal; province is "" for national outlets."""

    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    province: str


@dataclass(frozen=True)
class DocType:
    """A document type: slug, Vietnamese label, symbol codes, cue phrases."""

    slug: str
    label: str
    symbols: tuple[str, ...]
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Abbreviation:
    """An abbreviation with its expansion and folded form."""

    abbr: str
    expansion: str
    folded: str


def _table(name: str):
    """The table file: in VANKIEN_TABLES if set, else the `vankien.tables` package data.

    Read through importlib.resources so that a wheel install finds the files it ships
    (the repository's corpus/tables/ is mapped to that package by setup.cfg).
    """
    env = os.environ.get("VANKIEN_TABLES")
    return Path(env) / name if env else resources.files("vankien.tables").joinpath(name)


def _rows(name: str) -> list[dict[str, str]]:
    with _table(name).open(encoding="utf-8", newline="") as f:
        return [{k: normalize_line(v or "") for k, v in row.items()} for row in csv.DictReader(f)]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split(";") if p.strip())


@cache
def provinces() -> tuple[Province, ...]:
    """The 63 pre-2025 provinces and cities."""
    return tuple(
        Province(r["name"], r["slug"], r["kind"], _split(r["aliases"]),
                 r["province_2025"], _split(r["districts"]))
        for r in _rows("provinces.csv")
    )


@cache
def provinces_2025() -> tuple[dict[str, str], ...]:
    """The 34 units effective 2025 (name, slug, kind, merged_from)."""
    return tuple(_rows("provinces_2025.csv"))


@cache
def outlets() -> tuple[Outlet, ...]:
    """Outlets and portals, national and provincial."""
    return tuple(
        Outlet(r["name"], _split(r["aliases"]), tuple(d.lower() for d in _split(r["domains"])),
               r["province"])
        for r in _rows("outlets.csv")
    )


@cache
def doc_types() -> tuple[DocType, ...]:
    """Document types in table order."""
    return tuple(
        DocType(r["slug"], r["label"], _split(r["symbols"]), _split(r["cues"]))
        for r in _rows("doc_types.csv")
    )


@cache
def abbreviations() -> tuple[Abbreviation, ...]:
    """Known abbreviations (an abbreviation may appear twice with different expansions)."""
    return tuple(Abbreviation(r["abbr"], r["expansion"], r["folded"])
                 for r in _rows("abbreviations.csv"))


@cache
def _alias_index() -> dict[str, str]:
    """Folded name/alias → province name."""
    index: dict[str, str] = {}
    for p in provinces():
        for alias in (p.name, p.slug.replace("-", " "), *p.aliases):
            index.setdefault(fold(alias), p.name)
    return index


def province_by_alias(text: str) -> str | None:
    """Province name for a name or alias ("Đăk Nông", "dak nong", "TP.HCM"), else None."""
    key = fold(normalize_line(text))
    key = re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", key) if key not in _alias_index() else key
    return _alias_index().get(key)


def _variants(name: str) -> set[str]:
    return {name, name.upper()}


@cache
def _mention_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation over all names, aliases and prefixed district names, longest first."""
    owner: dict[str, str] = {}
    parts: list[str] = []
    for p in provinces():
        for alias in (p.name, *p.aliases):
            for v in _variants(alias):
                owner[v] = p.name
                parts.append(re.escape(v))
    districts: list[str] = []
    for p in provinces():
        for d in p.districts:
            for v in _variants(d):
                owner[v] = p.name
                districts.append(re.escape(v))
    parts.sort(key=len, reverse=True)
    districts.sort(key=len, reverse=True)
    # Only a word starting with a character some name (or prefix) starts with can match: the
    # lookahead rejects every other position before the long alternation is tried.
    firsts = {v[0] for v in owner} | {"h", "H", "t", "T"}
    first = "".join(sorted(re.escape(c) for c in firsts))
    pattern = (rf"(?<!\w)(?=[{first}])(?:{_DISTRICT_PREFIX}(?P<d>{'|'.join(districts)})"
               rf"|(?P<p>{'|'.join(parts)}))(?!\w)")
    return re.compile(pattern), owner


def find_provinces(text: str) -> list[tuple[str, int]]:
    """Provinces mentioned in the text (by name, alias or prefixed district), most frequent first."""
    pattern, owner = _mention_pattern()
    text = _FALSE_MENTIONS.sub(" ", text)
    counts: Counter[str] = Counter()
    for m in pattern.finditer(text):
        counts[owner[m.group("d") or m.group("p")]] += 1
    return counts.most_common()


def province_2025(name: str) -> str:
    """The 2025 unit a pre-2025 province (any alias) belongs to; "" if unknown."""
    canonical = province_by_alias(name)
    for p in provinces():
        if p.name == canonical:
            return p.province_2025
    return ""


def _host(url_or_domain: str) -> str:
    """Lower-case host of a URL or bare domain without "www."; "" if there is none or it is malformed.

    urlsplit raises ValueError on some netlocs found in page metadata ("公開日：2025" fails its
    NFKC check, "[::1" an unclosed IPv6 bracket): such a value names no host, it must not stop
    the document.
    """
    text = url_or_domain.strip().lower()
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def outlet_by_domain(url_or_domain: str) -> Outlet | None:
    """Outlet owning a URL or domain (subdomains match their parent unless listed themselves)."""
    host = _host(url_or_domain)
    if not host:
        return None
    best: tuple[int, Outlet] | None = None
    for o in outlets():
        for d in o.domains:
            if (host == d or host.endswith("." + d)) and (best is None or len(d) > best[0]):
                best = (len(d), o)
    return best[1] if best else None


@cache
def _portal_labels() -> dict[str, str]:
    """Folded, punctuation-free province names and aliases → province ("daknong", "hochiminhcity")."""
    index: dict[str, str] = {}
    for p in provinces():
        for alias in (p.name, p.slug, *p.aliases):
            index.setdefault(_NON_ALNUM.sub("", fold(alias)), p.name)
    return index


def province_by_domain(url_or_domain: str) -> str | None:
    """Province of a URL's site: a listed outlet's province, else a provincial portal's.

    Provincial government sites are `<tỉnh>.gov.vn` and its subdomains (departments,
    districts: "daksong.daknong.gov.vn", "sotuphap.hanoi.gov.vn"); the label before
    "gov.vn" names the province as written in its domain ("daknong", "hochiminhcity",
    "baria-vungtau"). Ministries ("moj.gov.vn") and unknown labels give None.
    """
    outlet = outlet_by_domain(url_or_domain)
    if outlet and outlet.province:
        return outlet.province
    labels = _host(url_or_domain).split(".")
    if labels[-2:] != ["gov", "vn"]:
        return None
    for label in reversed(labels[:-2]):
        found = _portal_labels().get(_NON_ALNUM.sub("", fold(label)))
        if found:
            return found
    return None


@cache
def _outlet_names() -> dict[str, Outlet]:
    index: dict[str, Outlet] = {}
    for o in outlets():
        for n in (o.name, *o.aliases, *o.domains):
            index.setdefault(fold(n), o)
    return index


_NAME_PREFIX = re.compile(r"^\W*+(?:nguồn|theo)\s*+:?\s*+", re.IGNORECASE)


def _strip_noise(text: str) -> str:
    """"Nguồn:"/"Theo" before and punctuation after a name, removed (in linear time: a
    trailing-punctuation regex would retry at every character of a long punctuation run)."""
    text = _NAME_PREFIX.sub("", text)
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    return text[:end]


def outlet_by_name(text: str) -> Outlet | None:
    """Outlet for a name, alias or source line ("Nguồn Báo Hà Nam", "(Baohatinh.vn)")."""
    cleaned = _strip_noise(_strip_noise(normalize_line(text).strip("() ")))
    if not cleaned:
        return None
    return _outlet_names().get(fold(cleaned)) or outlet_by_domain(cleaned)
