"""Is a word a well-formed Vietnamese syllable? (onset + rhyme + at most one tone mark)

Used as evidence when guessing a legacy text encoding: decoded with the right codec, nearly
every accented word of Vietnamese text is a valid syllable; decoded with a wrong one, most
accented words turn into impossible letter strings ("céng", "x·", "Vieät").

The check follows Vietnamese orthography, not a word list, so rare and new words pass:
- onset: one of the 27 initial consonant spellings, or none;
- rhyme: one of the ~160 rhymes (optional medial o/u, vowel nucleus, optional final);
- spelling rules: k/gh/ngh only before e, ê, i (y), and c/g/ng never there; q only as qu;
- tone: at most one of the five marks, on a vowel; the stop finals c, ch, p, t take only
  sắc or nặng ("át", "ạt", never "at" or "àt").
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# Combining tone marks in NFD: huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_STOP_TONES = "\u0301\u0323"   # the only tones a syllable ending in c/ch/p/t can carry

# Initial consonants, longest first so "ngh" is tried before "ng" and "n".
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_FRONT = frozenset("eêiy")      # vowels before which k, gh, ngh are written

# Toneless rhymes. Open rhymes (no final consonant):
_OPEN = """a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu uy
iêu yêu uôi ươi ươu oa oe oai oay oao oeo uây uê uơ uya uyu""".split()
# Nuclei that take a final, each with the finals it takes.
_CLOSED = {
    "a": "c ch m n ng nh p t", "ă": "c m n ng p t", "â": "c m n ng p t",
    "e": "c m n ng p t", "ê": "ch m n nh p t", "i": "ch m n nh p t",
    "o": "c m n ng p t", "oo": "c ng", "ô": "c m n ng p t", "ơ": "m n p t",
    "u": "c m n ng p t", "ư": "c m n ng t",
    "iê": "c m n ng p t", "yê": "m n ng t", "uô": "c m n ng t", "ươ": "c m n ng p t",
    "oa": "c ch m n ng nh p t", "oă": "c m n ng t", "oe": "m n t",
    "uâ": "n ng t", "uê": "ch n nh", "uy": "ch n nh p t", "uyê": "n t",
}
RHYMES = frozenset(_OPEN) | frozenset(
    nucleus + final for nucleus, finals in _CLOSED.items() for final in finals.split())
# After qu the medial u is part of the onset: "quỳnh" = qu + ynh, "quýt" = qu + yt.
_QU_RHYMES = frozenset(("ych", "yn", "ynh", "yt", "yp"))
# Central Highlands place names keep their minority-language spelling (final k, onset kr):
# Đắk Lắk, Đắk Nông, Krông Búk, Kông Chro. Frequent in provincial documents, so accepted.
_PLACE_SYLLABLES = frozenset(("đắk", "đăk", "đak", "lắk", "lăk", "krông", "búk", "kông", "jút"))
_STOP_FINALS = ("c", "ch", "p", "t")


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """True if the lower-case NFC `word` is one well-formed Vietnamese syllable."""
    if word in _PLACE_SYLLABLES:
        return True
    nfd = unicodedata.normalize("NFD", word)
    tones = [i for i, ch in enumerate(nfd) if ch in TONE_MARKS]
    if len(tones) > 1:
        return False
    tone = ""
    if tones:
        i = tones[0]
        tone = nfd[i]
        # The tone must sit on a vowel (after any vowel-quality mark of that vowel).
        j = i - 1
        while j >= 0 and unicodedata.combining(nfd[j]):
            j -= 1
        if j < 0 or nfd[j] not in "aeiouy":
            return False
        nfd = nfd[:i] + nfd[i + 1:]
    base = unicodedata.normalize("NFC", nfd)
    return any(_valid_split(base, onset, tone) for onset in _ONSETS if base.startswith(onset))


def _valid_split(base: str, onset: str, tone: str) -> bool:
    """Is `base` = onset + a valid rhyme, obeying spelling and tone rules?"""
    rhyme = base[len(onset):]
    if rhyme not in RHYMES and not (onset == "qu" and rhyme in _QU_RHYMES):
        return False
    first = rhyme[0]
    if onset in ("k", "gh", "ngh") and first not in _FRONT:
        return False
    if onset in ("c", "ng") and first in _FRONT:
        return False
    if onset == "g" and first in "eê":
        return False
    if onset == "qu" and first == "u":
        return False
    if rhyme.endswith(_STOP_FINALS) and (not tone or tone not in _STOP_TONES):
        return False
    return True
