"""Put diacritics back on a query typed without them, from the knowledge base's own words.

"noi dung 04 khong trong phong trao Nam Dan van kheo" → "nội dung 04 không trong phong
trào năm dân vận khéo". Candidates for each folded syllable are its accented forms seen in
the corpus; a Viterbi pass picks the sequence whose adjacent pairs were seen most often.
The restored text feeds the encoder (which understands Vietnamese only with marks) and the
"did you mean" suggestion; lexical search keeps using the folded field.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np

from .tokenize import fold_word, segments_with_case, words

FILE = "diacritics.json"            # syllable counts (tens of thousands of forms: small)
PAIRS_FILE = "diacritics-pairs.npz"  # adjacent-pair counts as sorted hashes (millions: memory-mapped arrays)
MAX_FORMS = 6           # accented forms kept per folded syllable
MIN_PAIR_COUNT = 2      # rarer syllable pairs are ignored (typos, one-off names)


def pair_hash(a: str, b: str) -> int:
    """Stable 64-bit hash of an adjacent syllable pair."""
    return int.from_bytes(hashlib.blake2b(f"{a} {b}".encode("utf-8"), digest_size=8).digest(), "little", signed=True)


class Restorer:
    """Accented syllable counts and adjacent-pair counts, learned from a corpus.

    Counts (not a pruned table) are kept so that a generation can update them from the
    previous one — add the new paragraphs, subtract the removed ones — instead of reading
    the whole corpus again; pairs are stored as sorted hash/count arrays, so a million
    paragraphs' table costs arrays, not a dictionary of millions of strings.
    """

    def __init__(self, unigrams: Counter, pair_keys: np.ndarray, pair_counts: np.ndarray):
        self.unigrams = unigrams            # "dân" → 812
        self.pair_keys = pair_keys          # sorted int64 pair hashes
        self.pair_counts = pair_counts      # int32 count of each pair
        self.forms = _forms(unigrams)       # "dan" → [("dân", 812), ("dẫn", 97), …]

    @classmethod
    def learn(cls, texts: Iterable[str]) -> "Restorer":
        """Count syllables and adjacent pairs (within punctuation-free segments)."""
        return cls(Counter(), np.zeros(0, np.int64), np.zeros(0, np.int32)).updated(texts, [])

    def updated(self, added: Iterable[str], removed: Iterable[str]) -> "Restorer":
        """A new table: these texts' counts added, those texts' counts taken away."""
        unigrams = Counter(self.unigrams)
        keys, counts = [self.pair_keys], [self.pair_counts.astype(np.int64)]
        for texts, sign in ((added, 1), (removed, -1)):
            pairs: Counter = Counter()
            for text in texts:
                for seg in words(text):
                    for w in seg:
                        unigrams[w] += sign
                    pairs.update(pair_hash(a, b) for a, b in zip(seg, seg[1:]))
            keys.append(np.fromiter(pairs.keys(), dtype=np.int64, count=len(pairs)))
            counts.append(sign * np.fromiter(pairs.values(), dtype=np.int64, count=len(pairs)))
        merged, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        total = np.zeros(len(merged), dtype=np.int64)
        np.add.at(total, inverse, np.concatenate(counts))
        keep = total > 0
        return Restorer(+unigrams, merged[keep], total[keep].astype(np.int32))

    def save(self, directory: Path) -> None:
        """Write the table atomically next to the other indexes."""
        directory = Path(directory)
        tmp = directory / f".{PAIRS_FILE}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            np.savez(f, keys=self.pair_keys, counts=self.pair_counts)
        os.replace(tmp, directory / PAIRS_FILE)
        path = directory / FILE
        tmp = path.with_name(f".{FILE}.tmp{os.getpid()}")
        tmp.write_text(json.dumps({"unigrams": self.unigrams}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, directory: Path) -> "Restorer":
        """Load the table, or an empty one if there is none."""
        directory = Path(directory)
        if not (directory / FILE).exists():
            return cls(Counter(), np.zeros(0, np.int64), np.zeros(0, np.int32))
        data = json.loads((directory / FILE).read_text(encoding="utf-8"))
        with np.load(directory / PAIRS_FILE) as pairs:
            return cls(Counter(data["unigrams"]), pairs["keys"], pairs["counts"])

    def restore(self, text: str) -> str:
        """The most likely accented form of `text`, segment by segment (words kept if unknown).

        The original casing is kept ("UBND", "Dak Song" → "Đắk Song").
        """
        out = []
        for seg in segments_with_case(text):
            restored = self._best([w.lower() for w in seg])
            out.append(" ".join(_recase(r, w) for r, w in zip(restored, seg)))
        return ", ".join(out)

    def _best(self, seg: list[str]) -> list[str]:
        # a word typed with marks stays as typed; it still gives its neighbours context
        cands = [[(w, 1)] if fold_word(w) != w else (self.forms.get(w) or [(w, 1)]) for w in seg]
        # score[i][j]: best log-score of a path ending in candidate j of word i
        score = [[0.1 * math.log(n + 1) for _, n in cands[0]]]
        back: list[list[int]] = [[0] * len(cands[0])]
        for i in range(1, len(seg)):
            row, ptr = [], []
            for form, n in cands[i]:
                best = max(range(len(cands[i - 1])), key=lambda j: score[-1][j] + self._pair(cands[i - 1][j][0], form))
                row.append(score[-1][best] + self._pair(cands[i - 1][best][0], form) + 0.1 * math.log(n + 1))
                ptr.append(best)
            score.append(row)
            back.append(ptr)
        j = max(range(len(score[-1])), key=score[-1].__getitem__)
        path = []
        for i in range(len(seg) - 1, -1, -1):
            path.append(cands[i][j][0])
            j = back[i][j]
        return path[::-1]

    def pair_count(self, a: str, b: str) -> int:
        """How often the pair was seen (0 under MIN_PAIR_COUNT)."""
        if not len(self.pair_keys):
            return 0
        key = pair_hash(a, b)
        pos = int(np.searchsorted(self.pair_keys, key))
        if pos < len(self.pair_keys) and self.pair_keys[pos] == key and self.pair_counts[pos] >= MIN_PAIR_COUNT:
            return int(self.pair_counts[pos])
        return 0

    def _pair(self, a: str, b: str) -> float:
        return math.log(self.pair_count(a, b) + 1)


def _forms(unigrams: Counter) -> dict[str, list[tuple[str, int]]]:
    """The most frequent accented forms of each folded syllable."""
    forms: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for w, n in unigrams.most_common():
        f = fold_word(w)
        if len(forms[f]) < MAX_FORMS:
            forms[f].append((w, n))
    return dict(forms)


def _recase(restored: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return restored.upper()
    return restored[:1].upper() + restored[1:] if original[:1].isupper() else restored
