"""Paragraph-size text blocks from the shared corpus, for the benchmarks."""
from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path("/work/shared/corpus")
CHUNK_CHARS = 400
MIN_CHARS = 80


def seed_blocks(folder: Path = CORPUS / "seeds") -> list[str]:
    """Blank-line separated paragraphs of the seed notices (short lines dropped)."""
    blocks = []
    for path in sorted(folder.glob("*.txt")):
        for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            para = " ".join(para.split())
            if len(para) >= MIN_CHARS:
                blocks.append(para)
    return blocks


def dantri_blocks(folder: Path = CORPUS / "dantri") -> list[str]:
    """Dantri article lines (minus '#' headers) joined into ~400-char chunks."""
    blocks = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        chunk = ""
        for line in (ln.strip() for ln in lines if not ln.startswith("#")):
            chunk = f"{chunk} {line}".strip()
            if len(chunk) >= CHUNK_CHARS:
                blocks.append(chunk)
                chunk = ""
        if len(chunk) >= MIN_CHARS:
            blocks.append(chunk)
    return blocks


def paragraphs(n: int) -> list[str]:
    """The first n blocks: all seed paragraphs first, then dantri chunks."""
    return (seed_blocks() + dantri_blocks())[:n]
