"""Reader entry point: walk the given paths, detect each file's format, yield documents.

Bad input never raises: a file or row that cannot be read becomes a ReadError and the
batch goes on. Source paths are relative to the root given (a folder, or a file's folder).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from vankien.ingest.encodings import DecodeError, decode_bytes
from vankien.ingest.html_text import looks_like_html
from vankien.ingest.manifest import MANIFEST_NAMES, Manifest, ManifestError
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.read_binary import ATTACHMENT_SUFFIXES, binary_format, find_attachment, read_binary
from vankien.ingest.read_frontmatter import FrontMatterError, has_front_matter, read_front_matter_file
from vankien.ingest.read_html import read_html
from vankien.ingest.read_tabular import iter_csv_rows, iter_jsonl_rows
from vankien.ingest.read_text import is_header_format, read_header_file, read_text_page

# Notes, manifests, and the embeddings file a corpus may ship (imported by the ingest command).
SKIPPED_NAMES = frozenset(("source.md", "readme.md", "vankien-embeddings.npz", *MANIFEST_NAMES))
_TABULAR_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".psv": "csv",
                       ".jsonl": "jsonl", ".ndjson": "jsonl"}
Item = RawDocument | ReadError
_ENCODING_LABELS = {"cp1258": "Windows-1258", "tcvn3": "TCVN3 (ABC)", "vni": "VNI", "viscii": "VISCII",
                    "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read inputs: CSV/JSONL column mapping, and whether reader comments are content."""

    column_map: dict | None = None      # canonical field → column name
    keep_comments: bool = False         # reader comments under news articles (off: not the article)


@dataclass
class InputFile:
    """One input file to read: where it is, how it is cited, and the manifests that apply."""

    path: Path                  # absolute path
    source_path: str            # path relative to the ingested root, posix separators
    root: str                   # the command-line path it was found under
    manifests: list[Manifest] = field(default_factory=list)
    size: int = 0
    # The official document a saved page links to, downloaded beside it (PDF, Word, scan):
    # the page and its attachment are read as one document whose body is the attachment.
    attachment: Path | None = None

    @property
    def tabular(self) -> bool:
        """True for CSV/TSV/JSONL files (one document per row)."""
        return self.path.suffix.lower() in _TABULAR_EXTENSIONS


def plan_inputs(paths: list[Path], manifest: Manifest | None = None,
                max_bytes: int | None = None) -> Iterator[InputFile | ReadError]:
    """The input files under the given paths, in sorted order, each with its manifests.

    Folders are walked recursively; hidden entries, SOURCE.md/README.md and manifest files
    are skipped. A folder's own manifest.csv/json applies to the files under it, after
    `manifest` (so the closer manifest wins). A missing path, a bad manifest or a file over
    `max_bytes` is a ReadError; the other inputs go on.
    """
    for path in map(Path, paths):
        if not path.exists():
            yield ReadError(path.as_posix(), "no such file or folder")
            continue
        root = path if path.is_dir() else path.parent
        found = _folder_manifests(root, path)
        yield from (m for m in found if isinstance(m, ReadError))
        manifests = ([manifest] if manifest else []) + [m for m in found if isinstance(m, Manifest)]
        files = list(iter_files(path))
        attachments = pages_with_attachments(files)
        taken = set(attachments.values())
        for file in files:
            if file in taken:
                continue            # read with the page that links to it
            source_path = file.relative_to(root).as_posix()
            size = file.stat().st_size
            if max_bytes is not None and size > max_bytes:
                yield ReadError(source_path, f"file of {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB"
                                " limit (--max-file-mb)")
                continue
            yield InputFile(file.resolve(), source_path, path.as_posix(), manifests, size, attachments.get(file))


_PAGE_SUFFIXES = (".html", ".htm")
_MAX_PAGE_SCAN = 5 * 2**20      # pages larger than this are not scanned for attachment links


def pages_with_attachments(files: list[Path]) -> dict[Path, Path]:
    """{saved page: the attachment file beside it that the page links to}, one page per attachment."""
    folders: dict[Path, list[Path]] = {}
    for f in files:
        folders.setdefault(f.parent, []).append(f)
    found: dict[Path, Path] = {}
    for members in folders.values():
        if not any(f.suffix.lower() in ATTACHMENT_SUFFIXES for f in members):
            continue
        for page in (f for f in members if f.suffix.lower() in _PAGE_SUFFIXES):
            if page.stat().st_size > _MAX_PAGE_SCAN:
                continue
            attachment = find_attachment(page, {})
            if attachment is not None and attachment in members and attachment not in found.values():
                found[page] = attachment
    return found


def read_input(inp: InputFile, options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """The documents of one input file, with its manifests applied and its absolute origin set."""
    for item in read_file(inp.path, inp.source_path, options):
        if isinstance(item, RawDocument) and inp.attachment is not None:
            item = with_attachment(item, inp.attachment)
        if isinstance(item, RawDocument):
            item.origin = inp.path.as_posix()
            for found in inp.manifests:
                found.apply(item)
        yield item


def iter_documents(paths: list[Path], manifest: Manifest | None = None,
                   options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """Yield one RawDocument (or ReadError) per file, or per row of a tabular file, in order."""
    for inp in plan_inputs(paths, manifest):
        if isinstance(inp, ReadError):
            yield inp
        else:
            yield from read_input(inp, options)


def iter_files(path: Path) -> Iterator[Path]:
    """The input files under a path, sorted, without hidden, note or manifest files."""
    if path.is_file():
        yield path
        return
    for child in sorted(path.rglob("*"), key=lambda p: p.relative_to(path).as_posix()):
        parts = child.relative_to(path).parts
        if child.is_file() and not any(p.startswith(".") for p in parts) \
                and child.name.lower() not in SKIPPED_NAMES:
            yield child


def read_file(path: Path, source_path: str, options: ReadOptions = ReadOptions()) -> Iterator[Item]:
    """Read one file: check and decode its bytes, detect its format, yield its documents."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield ReadError(source_path, f"cannot open file: {exc.strerror or exc}")
        return
    raw_hash = hashlib.sha256(raw).hexdigest()
    binary = binary_format(raw, path.suffix.lower())
    if binary:
        yield read_binary(binary, raw, source_path, raw_hash)
        return
    try:
        decoded = decode_bytes(raw)
    except DecodeError as exc:
        yield ReadError(source_path, str(exc))
        return
    text = decoded.text
    fmt = detect_format(path.suffix.lower(), text)
    if fmt == "csv":
        items = iter_csv_rows(source_path, text, path.suffix.lower(), options.column_map)
    elif fmt == "jsonl":
        items = iter_jsonl_rows(source_path, text, options.column_map)
    else:
        items = [read_single(fmt, source_path, text, raw_hash, options)]
    for item in items:
        if isinstance(item, RawDocument):
            item.provenance.setdefault("encoding", decoded.encoding)
            if decoded.converted_from:
                # the store holds NFC Unicode; the document records what it was converted from
                item.provenance["converted_from"] = decoded.converted_from
                item.notes.append(f"converted from {_ENCODING_LABELS.get(decoded.converted_from, decoded.converted_from)}"
                                  " to Unicode")
        yield item


def detect_format(extension: str, text: str) -> str:
    """Format from extension and content: csv | jsonl | frontmatter | header | html | text."""
    if extension in _TABULAR_EXTENSIONS:
        return _TABULAR_EXTENSIONS[extension]
    if has_front_matter(text):
        return "frontmatter"
    if is_header_format(text):
        return "header"
    if looks_like_html(text):
        return "html"
    return "text"


def read_single(fmt: str, source_path: str, text: str, raw_hash: str,
                options: ReadOptions = ReadOptions()) -> Item:
    """Read a one-document file of a known non-tabular format."""
    if fmt == "frontmatter":
        try:
            return read_front_matter_file(source_path, text, raw_hash)
        except FrontMatterError as exc:
            return ReadError(source_path, str(exc))
    if fmt == "header":
        return read_header_file(source_path, text, raw_hash)
    if fmt == "html":
        return read_html(source_path, text, raw_hash, keep_comments=options.keep_comments)
    return read_text_page(source_path, text, raw_hash)


def _folder_manifests(root: Path, path: Path) -> list[Manifest | ReadError]:
    """Manifest files found in the walked folders, each scoped to its own folder."""
    if not path.is_dir():
        return []
    found: list[Manifest | ReadError] = []
    for name in MANIFEST_NAMES:
        for file in sorted(path.rglob(name)):
            prefix = file.parent.relative_to(root).as_posix()
            try:
                found.append(Manifest.load(file, "" if prefix == "." else prefix))
            except ManifestError as exc:
                found.append(ReadError(file.relative_to(root).as_posix(), str(exc)))
    return found


def with_attachment(page: RawDocument, attachment: Path) -> RawDocument:
    """The page read as its attachment: the attachment's text and header metadata, the page's
    URL, title, date and outlet where the attachment says nothing. An unreadable attachment
    leaves the page as it is, with a note."""
    try:
        raw = attachment.read_bytes()
    except OSError as exc:
        page.notes.append(f"attachment {attachment.name} unreadable: {exc.strerror or exc}")
        return page
    fmt = binary_format(raw, attachment.suffix.lower())
    doc = read_binary(fmt, raw, page.source_path, page.raw_hash) if fmt else ReadError(page.source_path, "not binary")
    if isinstance(doc, ReadError):
        page.notes.append(f"attachment {attachment.name} unreadable: {doc.reason}")
        return page
    fields = {**page.fields, **{k: v for k, v in doc.fields.items() if v}}
    fields.setdefault("attachment", attachment.name)
    for key in ("url", "outlet"):
        if page.fields.get(key):
            fields[key] = page.fields[key]     # where it was published is the page's to say
    provenance = {**doc.provenance, "page": page.provenance, "attachment": attachment.name}
    raw_hash = hashlib.sha256((page.raw_hash + hashlib.sha256(raw).hexdigest()).encode()).hexdigest()
    return RawDocument(page.source_path, doc.text, doc.format, raw_hash, page.row, fields, provenance,
                       page.notes + doc.notes, doc.page_starts, page.origin)
