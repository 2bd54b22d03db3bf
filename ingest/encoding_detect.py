"""Which legacy encoding are these (non-UTF-8) bytes in? Decided by evidence, not by failure.

Every candidate codec decodes any byte string, so a codec "working" proves nothing. Each
candidate's text is scored instead, on a sample (the start and a middle slice of the file):

- accented words (any non-ASCII character) are graded: a common Vietnamese syllable
  ("của", "được"), a less common one from the corpus list, a well-formed but unlisted one
  (`vn_syllables.is_syllable`), or not Vietnamese at all ("Céng", "x·", "Vieät"). Each grade
  has a log-likelihood weight (right codec vs wrong codec, measured on the corpus);
- plain ASCII words say which language the text is in: most are Vietnamese syllables in
  Vietnamese text ("cho", "trong"), few in Western text ("the", "and", "avec").

The best Vietnamese candidate wins if nearly all its accented words are well-formed, it
beats the runner-up (the next candidate giving a different text) by a clear margin, and the
text as a whole reads as Vietnamese. Otherwise cp1252 wins if the text is clearly Western
and no Vietnamese reading is well supported. Otherwise the encoding is undetermined: an
error, never a guess that could put mojibake in the store.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from vankien.ingest import legacy_vn
from vankien.ingest.vn_syllable_freq import SYLLABLES
from vankien.ingest.vn_syllables import is_syllable

VIETNAMESE_CODECS = ("cp1258", "tcvn3", "vni", "viscii")   # ties go to the first
WESTERN_CODEC = "cp1252"

SAMPLE_HEAD = 65536     # bytes scored from the start of a file ...
SAMPLE_MIDDLE = 16384   # ... and from its middle, so a 40 MB file costs the same as 80 kB

# Grades of an accented word and their weights: log(P(grade | right codec) / P(grade |
# wrong codec)), rounded, from the corpus converted into each encoding and read with every
# other codec, and Vietnamese UI messages (not in the corpus) for the right-codec side:
# common 89 % vs ≤ 5 %, listed 10 % vs ~5 %, well-formed unlisted 0.8 % vs 5–25 %,
# malformed 0.1 % vs 60–95 %.
_COMMON = frozenset(SYLLABLES[:1000])
_LISTED = frozenset(SYLLABLES)
# Abbreviations with Đ (HĐND, QĐ) are no syllables, but only a right reading has them.
_WEIGHTS = {"common": 2.5, "listed": 1.0, "abbreviation": 1.0, "unlisted": -1.0,
            "malformed": -5.0}
MIN_VALID_SHARE = 0.8   # share of accented words that must be well-formed syllables
MIN_MARGIN = 4.0        # evidence over the runner-up: more than common vs unlisted word
MIN_ACCENTED = 2.5      # the accented words alone must support the reading: one common word
# ASCII words: 62 % are Vietnamese syllables in the corpus, 16 % in French, German, Spanish…
# messages. Log-likelihood weights, capped so that they only decide when accented words
# are few.
_ASCII_SYLLABLE_WEIGHT = 1.35
_ASCII_OTHER_WEIGHT = 0.8
_ASCII_CAP = 6.0
MIN_EVIDENCE = 3.0      # accented + ASCII evidence that the text is Vietnamese at all
WESTERN_MIN_SHARE = 0.9     # share of accented words that must be plain Latin-1 words
WESTERN_MIN_WORDS = 5       # ASCII words needed to call a text non-Vietnamese ...
WESTERN_MAX_VN_SHARE = 0.6  # ... and at most this share of them Vietnamese syllables
# (Vietnamese prose: ~0.9; French prose ~0.55 with le/la/de/a; English ~0.35.)

_TAG = re.compile(r"<[^<>]{0,2000}>")
# Words: runs between spaces and punctuation. Other non-ASCII symbols stay inside words,
# where mojibake puts them ("§¶ng", "x·").
_TOKEN = re.compile(r"[^\s!-/:-@\[-`{-~“”‘’„‚–—…«»‹›•]+")
_CONSONANTS = "bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX"
_ABBREVIATION = re.compile(rf"[{_CONSONANTS}]*[đĐ][{_CONSONANTS}]*")
# Letters of Western European text in Windows-1252.
_WESTERN_LETTERS = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿŒœŠšŽžŸ")


@dataclass(frozen=True)
class Evidence:
    """How one candidate decoding of a sample reads."""

    codec: str
    text: str
    grades: dict[str, int]  # accented words per grade (see _WEIGHTS)
    western: int            # accented words that are plain Western (Latin-1) words
    ascii_words: int        # all-ASCII words
    ascii_syllables: int    # ... of which Vietnamese syllables

    @property
    def accented(self) -> int:
        """Words with a non-ASCII character."""
        return sum(self.grades.values())

    @property
    def valid_share(self) -> float:
        """Share of accented words that are well-formed Vietnamese syllables (0 if none)."""
        total = self.accented
        return 1 - self.grades["malformed"] / total if total else 0.0

    @property
    def score(self) -> float:
        """Log-likelihood evidence of the accented words for this codec."""
        return sum(_WEIGHTS[grade] * n for grade, n in self.grades.items())

    @property
    def language(self) -> float:
        """Evidence from the ASCII words that the text is Vietnamese (capped both ways)."""
        raw = (_ASCII_SYLLABLE_WEIGHT * self.ascii_syllables
               - _ASCII_OTHER_WEIGHT * (self.ascii_words - self.ascii_syllables))
        return max(-_ASCII_CAP, min(_ASCII_CAP, raw))

    @property
    def supported(self) -> bool:
        """Reads as Vietnamese: nearly all accented words well-formed, enough evidence."""
        return (self.accented > 0 and self.valid_share >= MIN_VALID_SHARE
                and self.score >= MIN_ACCENTED and self.score + self.language >= MIN_EVIDENCE)

    @property
    def known_words(self) -> int:
        """Accented words that are listed Vietnamese syllables."""
        return self.grades["common"] + self.grades["listed"]


@dataclass(frozen=True)
class Verdict:
    """The codec chosen for a sample, and how sure (share of its accented words that read right)."""

    codec: str
    confidence: float


def sample(raw: bytes) -> bytes:
    """The bytes to score: the whole of a small file, the head and a middle slice of a big one."""
    if len(raw) <= SAMPLE_HEAD + SAMPLE_MIDDLE:
        return raw
    middle = len(raw) // 2
    return raw[:SAMPLE_HEAD] + b"\n" + raw[middle:middle + SAMPLE_MIDDLE]


def evidence(raw: bytes, codec: str) -> Evidence:
    """Decode `raw` with `codec` and grade its words."""
    return text_evidence(legacy_vn.decode(raw, codec), codec)


def text_evidence(text: str, codec: str = "") -> Evidence:
    """Grade the words of a decoded text."""
    grades = dict.fromkeys(_WEIGHTS, 0)
    western = ascii_words = ascii_syllables = 0
    words = _TAG.sub(" ", text) if "<" in text else text
    if "&" in words:
        words = html.unescape(words)   # "v&agrave;" is the word "và"
    for word in _TOKEN.findall(words):
        if not any(ch.isalpha() for ch in word) or any(ch.isdigit() for ch in word):
            continue
        if word.isascii():
            if word.isalpha():
                ascii_words += 1
                ascii_syllables += is_syllable(word.lower())
            continue
        grades[_grade(word)] += 1
        western += (word.isalpha() and _normal_case(word)
                    and all(ch.isascii() or ch in _WESTERN_LETTERS for ch in word))
    return Evidence(codec, text, grades, western, ascii_words, ascii_syllables)


def _grade(word: str) -> str:
    """common | listed | unlisted | malformed, for a word with a non-ASCII character."""
    if _ABBREVIATION.fullmatch(word):
        return "abbreviation"
    lower = word.lower()
    if not (word.isalpha() and _normal_case(word) and is_syllable(lower)):
        return "malformed"
    if lower in _COMMON:
        return "common"
    return "listed" if lower in _LISTED else "unlisted"


def _normal_case(word: str) -> bool:
    """lower, Title or UPPER case: mojibake often mixes cases inside a word ("ViÖt")."""
    return word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())


def choose(raw: bytes) -> Verdict | None:
    """The codec the evidence supports for `raw` (non-UTF-8 bytes), or None if unclear."""
    part = sample(raw)
    vietnamese = sorted((evidence(part, c) for c in VIETNAMESE_CODECS), key=lambda e: -e.score)
    best = vietnamese[0]
    rivals = [e for e in vietnamese[1:] if e.text != best.text]
    runner_score = rivals[0].score if rivals else 0.0
    if best.supported and best.score - runner_score >= MIN_MARGIN:
        return Verdict(best.codec, round(best.valid_share, 3))
    if best.score > 0:
        return None     # some Vietnamese reading has support, just not enough: no guess
    western = evidence(part, WESTERN_CODEC)
    if max(e.known_words for e in vietnamese) > western.known_words:
        return None     # Western text, but with Vietnamese words whose codec is unclear
    refuted = all(e.valid_share < 0.5 for e in vietnamese if e.text != western.text)
    if (refuted and _reads_western(western)) or _same_as_every_plausible(western, vietnamese):
        share = western.western / western.accented if western.accented else 1.0
        return Verdict(WESTERN_CODEC, round(share, 3))
    return None


def _reads_western(e: Evidence) -> bool:
    """Clearly non-Vietnamese Western text: plain Latin-1 words, ASCII words not syllables."""
    if e.accented and e.western < WESTERN_MIN_SHARE * e.accented:
        return False
    return (e.ascii_words >= WESTERN_MIN_WORDS
            and e.ascii_syllables <= WESTERN_MAX_VN_SHARE * e.ascii_words)


def _same_as_every_plausible(western: Evidence, vietnamese: list[Evidence]) -> bool:
    """No accented words, and every Vietnamese reading that is not refuted gives this text.

    Unaccented Vietnamese with Windows punctuation (“ ” –) reads the same in cp1252, cp1258,
    TCVN3 and VNI: whichever is meant, the text is the same, so it is safe to accept.
    """
    if western.accented:
        return False
    return all(e.text == western.text for e in vietnamese
               if not (e.accented and e.valid_share < 0.5))


def decode(raw: bytes, codec: str) -> str:
    """Decode the whole of `raw` with a chosen codec (NFC)."""
    return legacy_vn.decode(raw, codec)
