"""Put diacritics back on a query typed without them, from the knowledge base's own words.

"noi dung 04 khong trong phong trao Nam Dan van kheo" → "nội dung 04 không trong phong
trào năm dân vận khéo". Candidates for each folded syllable are its accented forms seen in
the corpus; a Viterbi pass picks the sequence whose adjacent pairs were seen most often.
The restored text feeds the encoder (which understands Vietnamese only with marks) and the
"did you mean" suggestion; lexical search keeps using the folded field.
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from .tokenize import fold_word, segments_with_case, words

FILE = "diacritics.json"
MAX_FORMS = 6           # accented forms kept per folded syllable
MIN_PAIR_COUNT = 2      # rarer syllable pairs are dropped to keep the table small


class Restorer:
    """Folded syllable → accented forms, and accented pair counts, learned from a corpus."""

    def __init__(self, forms: dict[str, list[tuple[str, int]]], pairs: dict[str, int]):
        self.forms = forms      # "dan" → [("dân", 812), ("dẫn", 97), …]
        self.pairs = pairs      # "dân vận" → 230

    @classmethod
    def learn(cls, texts: Iterable[str]) -> "Restorer":
        """Count syllables and adjacent pairs (within punctuation-free segments)."""
        unigrams: Counter = Counter()
        pairs: Counter = Counter()
        for text in texts:
            for seg in words(text):
                unigrams.update(seg)
                pairs.update(f"{a} {b}" for a, b in zip(seg, seg[1:]))
        forms: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for w, n in unigrams.most_common():
            f = fold_word(w)
            if len(forms[f]) < MAX_FORMS:
                forms[f].append((w, n))
        kept = {p: n for p, n in pairs.items() if n >= MIN_PAIR_COUNT}
        return cls(dict(forms), kept)

    def save(self, directory: Path) -> None:
        """Write the table atomically next to the other indexes."""
        path = Path(directory) / FILE
        tmp = path.with_name(f".{FILE}.tmp{os.getpid()}")
        tmp.write_text(json.dumps({"forms": self.forms, "pairs": self.pairs}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, directory: Path) -> "Restorer":
        """Load the table, or an empty one if the knowledge base predates it."""
        path = Path(directory) / FILE
        if not path.exists():
            return cls({}, {})
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: [tuple(x) for x in v] for k, v in data["forms"].items()}, data["pairs"])

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

    def _pair(self, a: str, b: str) -> float:
        return math.log(self.pairs.get(f"{a} {b}", 0) + 1)


def _recase(restored: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return restored.upper()
    return restored[:1].upper() + restored[1:] if original[:1].isupper() else restored
