"""Encoding detection accuracy and round-trip character error rate, by encoding and length.

Converts UTF-8 Vietnamese text (the corpus: every .txt/.md/.csv/.html file, NFC) into each
legacy encoding with `legacy_vn.encode`, decodes it back with `decode_bytes`, and counts:
  right    detected encoding is the one used
  text ok  the decoded text is right even if the name differs (bytes that read the same)
  reject   DecodeError (acceptable for short texts: no evidence, no mojibake)
  WRONG    accepted with a different text: mojibake in the store (must stay ~0)
  CER      character error rate of the accepted round trips against the encodable text
           (characters a codec cannot hold, e.g. emoji, are '?' in the reference); for
           TCVN3 also case-insensitive (ABC files write toned capitals lower-case).
Whole files, then word-aligned snippets by length (the hard case: titles, CSV cells).
Also, when the machine has them (gettext catalogues in /usr/share/locale): Vietnamese UI
messages as held-out text, and French, German, … messages in cp1252, to count Western
texts taken for Vietnamese.

    .venv/bin/python bench/eval_decode.py [--corpus ../shared/corpus] [--snippets 600]
"""
from __future__ import annotations

import argparse
import gettext
import random
import unicodedata
from collections import Counter
from pathlib import Path

from vankien.ingest import legacy_vn
from vankien.ingest.encodings import DecodeError, decode_bytes

CODECS = ("cp1258", "tcvn3", "vni", "viscii")
BUCKETS = ((1, 20), (21, 40), (41, 80), (81, 160), (161, 400), (401, 2000))
WESTERN_LANGS = ("fr", "de", "es", "pt", "it", "nl", "da", "sv", "nb", "fi", "ca", "pt_BR")


def corpus_texts(root: Path) -> list[str]:
    """All text files of the corpus, NFC."""
    files = sorted(p for p in root.rglob("*") if p.suffix in (".txt", ".md", ".csv", ".html"))
    return [unicodedata.normalize("NFC", p.read_text(encoding="utf-8")) for p in files]


def snippets(texts: list[str], low: int, high: int, count: int, rng: random.Random) -> list[str]:
    """Word-aligned pieces of length low..high, with a non-ASCII letter and no markup."""
    docs = [t.split() for t in texts if len(t) >= low and not t.isascii()]
    out: list[str] = []
    while len(out) < count:
        words = rng.choice(docs)
        start = rng.randrange(len(words))
        piece = ""
        for word in words[start:]:
            if len(piece) + len(word) + 1 > high:
                break
            piece = f"{piece} {word}" if piece else word
        if low <= len(piece) <= high and not piece.isascii() and "<" not in piece:
            out.append(piece)
    return out


def reference(text: str, codec: str) -> str:
    """What a perfect decoder gives back: characters the codec cannot hold become '?'."""
    cache: dict[str, str] = {}
    out = []
    for ch in text:
        if ch not in cache:
            cache[ch] = "?" if ch != "?" and legacy_vn.encode(ch, codec) == b"?" else ch
        out.append(cache[ch])
    return "".join(out)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, line by line (Hamming when a line keeps its length)."""
    total = 0
    la, lb = a.split("\n"), b.split("\n")
    if len(la) != len(lb):
        return _levenshtein(a, b) if len(a) * len(b) < 4e6 else max(len(a), len(b))
    for x, y in zip(la, lb):
        if x == y:
            continue
        if len(x) == len(y):
            total += sum(c != d for c, d in zip(x, y))
        else:
            total += _levenshtein(x, y)
    return total


def _levenshtein(a: str, b: str) -> int:
    """Plain dynamic-programming edit distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def evaluate(texts: list[str], codec: str) -> dict[str, float]:
    """Detection counts and round-trip CER for texts converted into `codec`."""
    counts: Counter = Counter()
    errors = errors_ci = chars = 0
    for text in texts:
        ref = reference(text, codec)
        try:
            got = decode_bytes(legacy_vn.encode(text, codec))
        except DecodeError:
            counts["reject"] += 1
            continue
        counts["right"] += got.encoding == codec
        if got.text == ref or (codec == "tcvn3" and got.text.lower() == ref.lower()):
            counts["text ok"] += 1
        elif got.encoding != codec:
            counts["WRONG"] += 1
        errors += edit_distance(ref, got.text)
        errors_ci += edit_distance(ref.lower(), got.text.lower())
        chars += len(ref)
    n = len(texts)
    return {"n": n, "right": counts["right"] / n, "text ok": counts["text ok"] / n,
            "reject": counts["reject"] / n, "WRONG": counts["WRONG"] / n,
            "CER": errors / chars if chars else 0.0, "CER ci": errors_ci / chars if chars else 0.0}


def western_snippets(texts: list[str], rng: random.Random, count: int) -> dict[tuple, list[str]]:
    """Per length bucket, Western pieces that cp1252 can hold and that are not ASCII."""
    holdable = [t for t in ("\n".join(line for line in t.splitlines()
                                      if _cp1252_ok(line)) for t in texts) if t]
    return {bucket: snippets(holdable, *bucket, count, rng) for bucket in BUCKETS}


def _cp1252_ok(line: str) -> bool:
    try:
        line.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def evaluate_western(texts: list[str]) -> Counter:
    """How cp1252 Western texts come out: cp1252 / rejected / taken for something else."""
    counts: Counter = Counter()
    for text in texts:
        try:
            got = decode_bytes(text.encode("cp1252"))
        except DecodeError:
            counts["reject"] += 1
            continue
        counts["cp1252" if got.text == text else "WRONG " + got.encoding] += 1
    return counts


def locale_messages(langs: tuple[str, ...]) -> list[str]:
    """Translated messages of the given languages (gettext catalogues), one text per catalogue."""
    out = []
    for lang in langs:
        for mo in sorted(Path("/usr/share/locale", lang, "LC_MESSAGES").glob("*.mo")):
            try:
                with mo.open("rb") as handle:
                    catalog = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001
            except (OSError, UnicodeDecodeError):
                continue
            msgs = [m for m in catalog.values() if isinstance(m, str) and m and "%" not in m]
            if msgs:
                out.append(unicodedata.normalize("NFC", "\n".join(msgs)))
    return out


def report(sets: dict[str, list[str]]) -> None:
    """One table row per encoding and length bucket."""
    print(f"{'encoding':8} {'length':>14} {'n':>5} {'right':>7} {'text ok':>8} {'reject':>7} "
          f"{'WRONG':>6} {'CER':>8} {'CER ci':>8}")
    for codec in CODECS:
        for name, items in sets.items():
            r = evaluate(items, codec)
            print(f"{codec:8} {name:>14} {r['n']:5d} {r['right']:7.1%} {r['text ok']:8.1%} "
                  f"{r['reject']:7.1%} {r['WRONG']:6.1%} {r['CER']:8.2e} {r['CER ci']:8.2e}")


def bucketed(texts: list[str], whole: str, count: int, rng: random.Random) -> dict[str, list[str]]:
    """The whole texts and, per length bucket, `count` snippets of them."""
    sets = {whole: texts}
    for low, high in BUCKETS:
        sets[f"{low}-{high} chars"] = snippets(texts, low, high, count, rng)
    return sets


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
    parser.add_argument("--snippets", type=int, default=600, help="snippets per length bucket")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts = corpus_texts(args.corpus)
    print(f"corpus {args.corpus}: {len(texts)} files, {sum(map(len, texts)) / 1e6:.1f} M chars; "
          f"{args.snippets} snippets per bucket")
    report(bucketed(texts, "whole files", args.snippets, rng))
    held_out = locale_messages(("vi",))
    if held_out:
        print(f"\nheld out (not used to build the syllable list): Vietnamese UI messages, "
              f"{len(held_out)} gettext catalogues, {sum(map(len, held_out)) / 1e6:.1f} M chars")
        report(bucketed(held_out, "catalogues", args.snippets, rng))
    western = locale_messages(WESTERN_LANGS)
    if western:
        print(f"\nWestern text in cp1252 ({len(western)} message catalogues, {', '.join(WESTERN_LANGS)}):")
        for bucket, items in western_snippets(western, rng, args.snippets).items():
            counts = evaluate_western(items)
            print(f"  {bucket[0]}-{bucket[1]} chars: " + ", ".join(
                f"{k} {v / len(items):.1%}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
