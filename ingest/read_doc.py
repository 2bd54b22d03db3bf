"""Legacy Word (.doc) reader through antiword (Debian `antiword`, installed by
`make system-packages`).

Measured on the generated notice saved as .doc (tests/data/docs/notice.doc):
- antiword: 16 ms, Unicode text, paragraphs as blocks, tables as rows of cells ("a | b");
  it drops Word's automatic list numbers (typed numbers such as "1-" stay);
- LibreOffice (`soffice --convert-to docx`, then read_docx) kept the list numbers but lost
  both tables of this file (their cells ran together in one line), took 2–5 s per file
  and is ~300 MB to install: not clearly better, so not used;
- catdoc also drops list numbers and runs the two header columns into one line
  ("Số 210-TB/BCĐ<tab>ĐẢNG CỘNG SẢN VIỆT NAM").
Without antiword a .doc is a one-line error naming the package to install. antiword runs
as a subprocess with a timeout (CONVERT_TIMEOUT_S).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_text

INSTALL_HINT = "apt-get install antiword"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
CONVERT_TIMEOUT_S = 120
MAX_DOC_BYTES = 64 * 2**20
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def read_doc(raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """Read a legacy .doc (an OLE compound file) through antiword."""
    if not raw.startswith(OLE_MAGIC):
        return ReadError(source_path, "not a Word .doc (no OLE compound-file header)")
    if len(raw) > MAX_DOC_BYTES:
        return ReadError(source_path, f"DOC file of {len(raw) // 2**20} MB (limit "
                                      f"{MAX_DOC_BYTES // 2**20} MB)")
    if not shutil.which("antiword"):
        return ReadError(source_path, f"legacy Word .doc needs antiword: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.doc"
        path.write_bytes(raw)
        try:
            done = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)],
                                  capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return ReadError(source_path, f"antiword took over {CONVERT_TIMEOUT_S} s on this .doc")
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = reason[-1] if reason else f"exit status {done.returncode}"
        return ReadError(source_path, f"antiword cannot read this .doc: {reason.replace(str(path), 'file')}")
    text = normalize_text(antiword_text(done.stdout.decode("utf-8", "replace")))
    if not text:
        return ReadError(source_path, "DOC has no text")
    return RawDocument(source_path, text, "doc", raw_hash,
                       provenance={"format": "doc", "extractor": "antiword"})


def antiword_text(output: str) -> str:
    """antiword's text with its table rows ("|a   |b   |") turned into "a | b" lines."""
    lines = []
    for line in output.splitlines():
        row = _TABLE_ROW.match(line)
        if row:
            cells = [c.strip() for c in row.group(1).split("|")]
            line = " | ".join(c for c in cells if c) if any(cells) else ""
        lines.append(line)
    return "\n".join(lines)
