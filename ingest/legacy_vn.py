"""The pre-Unicode Vietnamese encodings, and Windows-1258: bytes ↔ NFC text.

Python ships cp1258 but not TCVN3, VNI or VISCII. Each codec here decodes every byte
string (like Windows does: no byte is "invalid"), so a decoder never proves an encoding;
`encoding_detect` scores the results instead. Encoders exist for tests and benchmarks
(to make realistic samples of each encoding from Unicode text).

- cp1258 (Windows-1258): Python's table; tones are mostly combining marks after the base
  letter ("ế" = "ê" + 0xEC), hence NFC after decoding. Undefined bytes decode to the C1
  control of the same number, as the WHATWG Encoding Standard does for windows-125x.
- tcvn3 (TCVN 5712:1993, "ABC" fonts .VnTime/.VnTimeH): one byte per letter. The standard's
  VN3 subset, which the ABC fonts implement, has the lower-case letters and only seven
  capitals (Ă Â Ê Ô Ơ Ư Đ); capitals with a tone are written with the lower-case byte and
  shown as capitals by the "H" font (.VnTimeH). We decode the VN3 letters (not the full
  standard's VN1 capitals: ABC files never hold them, and their bytes would turn Western
  letters and the punctuation “ ” – … that ABC files do hold into capitals), and restore
  the case the H font gave:
  a word whose other letters are capitals is upper-cased ("CéNG" → "CỘNG"), and so is a
  one-letter word between two capitalised words. A lone "Ủy" typed in the normal font is
  stored as "ủy" by the source and stays lower-case: that case is lost in the file.
  Table: the TCVN5712-1 charmap of the GNU C library (localedata/charmaps/TCVN5712-1).
- vni (VNI Windows, VNI-Times fonts): a vowel followed by one byte carrying its
  circumflex/breve and tone ("ấ" = "a" + 0xE1 "á"); ơ ư đ and the i/y forms are single
  bytes. Decoded by mapping each mark byte to combining marks, then NFC.
  Table: the VNI-Windows table of xvnkb (Dao Hai Lam, vni.h), the same as Unikey's.
- viscii (RFC 1456): one byte per letter, including six capitals in C0 positions.
  Table: RFC 1456 (identical to the GNU C library's VISCII charmap).

Bytes a legacy table leaves undefined keep their Windows-1252 meaning (ASCII, punctuation).
"""
from __future__ import annotations

import codecs
import re
import unicodedata

# --- Windows-1252 / 1258 base tables (WHATWG: undefined bytes → the C1 control) --------------


def _windows_table(codec: str) -> list[str]:
    """The 256 characters of a Windows code page; undefined bytes map to U+0080…U+009F."""
    table = []
    for byte in range(256):
        try:
            table.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            table.append(chr(byte))
    return table


_CP1252 = _windows_table("cp1252")
_CP1258 = _windows_table("cp1258")

# --- TCVN3 (ABC) -----------------------------------------------------------------------------
# 0xA0–0xFF, the VN3 level of TCVN 5712:1993 (ABC fonts); "_" = not a TCVN3 letter, the
# byte keeps its Windows-1252 meaning.
_TCVN3_HIGH = (
    "_ĂÂÊÔƠƯĐăâêôơưđ_"  # A0
    "_____àảãáạ_ằẳẵắ_"  # B0
    "______ặầẩẫấậè_ẻẽ"  # C0
    "éẹềểễếệìỉ___ĩíịò"  # D0
    "_ỏõóọồổỗốộờởỡớợù"  # E0
    "_ủũúụừửữứựỳỷỹýỵ_"  # F0
)

# --- VISCII (RFC 1456) -----------------------------------------------------------------------
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐ"  # 80
    "ỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"  # 90
    "Õắằặấầẩậẽẹếềểễệố"  # A0
    "ồổỗỠƠộờởịỰỨỪỬơớƯ"  # B0
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳ"  # C0
    "ĐứÒÓÔạỷừửÙÚỹỵÝỡư"  # D0
    "àáâãảăữẫèéêẻìíĩỉ"  # E0
    "đựòóôõỏọụùúũủýợỮ"  # F0
)
_VISCII_C0 = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}

# --- VNI Windows -----------------------------------------------------------------------------
# Mark bytes follow the vowel they modify; each is given as the combining marks it adds.
_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_MARKS = {
    "ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK,
    "ã": _CIRC + _TILDE, "ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE, "ë": _BREVE + _DOT,
}
# Letters that are one byte in VNI (ơ ư đ, and i/y with a tone).
_VNI_SINGLES = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
                "î": "ỵ"}


def _vni_table() -> dict[int, str]:
    """Byte → text for VNI: Windows-1252, with the mark and single-letter bytes replaced."""
    table = dict(enumerate(_CP1252))
    for lower, marks in _VNI_MARKS.items():
        table[ord(lower.encode("cp1252"))] = marks
        table[ord(lower.upper().encode("cp1252"))] = marks
    for lower, letter in _VNI_SINGLES.items():
        table[ord(lower.encode("cp1252"))] = letter
        table[ord(lower.upper().encode("cp1252"))] = letter.upper()
    return table


def _one_byte_table(high: str, c0: dict[int, str]) -> str:
    """A 256-character decoding table: Windows-1252 overlaid with a legacy table."""
    table = list(_CP1252)
    for byte, char in c0.items():
        table[byte] = char
    for offset, char in enumerate(high):
        if char != "_":
            table[0x100 - len(high) + offset] = char
    return "".join(table)


_DECODE_TABLES: dict[str, str | dict[int, str]] = {
    "cp1252": "".join(_CP1252),
    "cp1258": "".join(_CP1258),
    "tcvn3": _one_byte_table(_TCVN3_HIGH, {}),
    "viscii": _one_byte_table(_VISCII_HIGH, _VISCII_C0),
    "vni": _vni_table(),
}
CODECS = tuple(_DECODE_TABLES)
_NEEDS_NFC = frozenset(("cp1258", "vni"))     # combining marks in the decoded text


def decode(raw: bytes, codec: str) -> str:
    """Decode `raw` with one of `CODECS` into NFC text (never fails: no byte is invalid)."""
    text, _ = codecs.charmap_decode(raw, "strict", _DECODE_TABLES[codec])
    if codec in _NEEDS_NFC:
        text = unicodedata.normalize("NFC", text)
    elif codec == "tcvn3":
        text = restore_h_font_case(text)
    return text


# --- TCVN3 "H" font case ---------------------------------------------------------------------
_TCVN3_LOWER = "".join(ch for ch in _TCVN3_HIGH if ch.islower())
_VN_UPPER = "A-Z" + "".join(sorted({ch for ch in _TCVN3_HIGH + _VISCII_HIGH if ch.isupper()}
                                   | {ch.upper() for ch in _TCVN3_LOWER}))
_CASED = f"[{_VN_UPPER}{_TCVN3_LOWER}]"
# A run of capitals and ABC lower-case letters holding both ("CéNG", "ñY"); it is upper-cased
# if it is a whole word with a capital after its first letter (so "Bé", "Hµ" stay "Bộ",
# "Hà": title case). The run starts with a capital or an ABC letter, so most positions fail
# at once: this keeps the pass at ~10 MB/s.
_H_WORD = re.compile(rf"[{_VN_UPPER}]{_CASED}*?[{_TCVN3_LOWER}]{_CASED}*"
                     rf"|[{_TCVN3_LOWER}]{_CASED}*?[{_VN_UPPER}]{_CASED}*")
# A word of ABC lower-case letters, or title-case, between two capitalised words ("Bé" in
# "TRƯỞNG Bé NỘI VỤ" is "BỘ").
_H_LONE = re.compile(rf"([{_VN_UPPER}]{{2}}[ ,] ?)([{_VN_UPPER}]?[{_TCVN3_LOWER}]+)"
                     rf"(?= ?[{_VN_UPPER}]{{2}})")


def restore_h_font_case(text: str) -> str:
    """Upper-case the words an H font (.VnTimeH) showed in capitals: "CéNG HßA" → "CỘNG HÒA"."""
    def whole_word_upper(match: re.Match) -> str:
        start, end = match.span()
        word = match.group(0)
        if ((start and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha())
                or not any(ch.isupper() for ch in word[1:])):
            return word
        return word.upper()

    text = _H_WORD.sub(whole_word_upper, text)
    return _H_LONE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


# --- Encoders (for tests and benchmarks) -----------------------------------------------------


def _inverse(table: str | dict[int, str]) -> dict[str, int]:
    """Character → byte for the one-character entries of a decoding table."""
    items = table.items() if isinstance(table, dict) else enumerate(table)
    inverse: dict[str, int] = {}
    for byte, char in items:
        if len(char) == 1:
            inverse.setdefault(char, byte)
    return inverse


_ENCODE = {codec: _inverse(table) for codec, table in _DECODE_TABLES.items()}
# ABC files hold ASCII, Windows-1252 punctuation (0x80–0xA0) and the VN3 letters only, no
# Latin-1 letters (a toned capital takes the lower-case byte, below).
_ENCODE["tcvn3"] = {char: byte for char, byte in _ENCODE["tcvn3"].items()
                    if byte <= 0xA0 or char.islower() or char in "ĂÂÊÔƠƯĐ"}
_TONES = _GRAVE + _ACUTE + _TILDE + _HOOK + _DOT
_VNI_MARK_BYTES = {marks: ord(ch.encode("cp1252")) for ch, marks in _VNI_MARKS.items()}
_VNI_SINGLE_BYTES = {letter: byte for byte, letter in _VNI_SINGLES.items()}


def encode(text: str, codec: str) -> bytes:
    """Encode text as a Vietnamese legacy file would hold it; unencodable characters → '?'.

    cp1258 uses a precomposed letter where the code page has one and a combining tone
    otherwise (as Windows does); tcvn3 writes toned capitals with the lower-case byte (the
    H-font convention of ABC files); vni writes base letter + mark byte.
    """
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        out += _encode_char(char, codec)
    return bytes(out)


def _encode_char(char: str, codec: str) -> bytes:
    """The bytes of one NFC character in `codec` ('?' if it has none)."""
    table = _ENCODE[codec]
    if char in table:
        return bytes([table[char]])
    if codec == "tcvn3" and char.lower() in table:
        return bytes([table[char.lower()]])
    nfd = unicodedata.normalize("NFD", char)
    tone = "".join(ch for ch in nfd if ch in _TONES)
    quality = unicodedata.normalize("NFC", "".join(ch for ch in nfd if ch not in _TONES))
    if codec == "cp1258" and quality in table and len(tone) == 1 and tone in table:
        return bytes([table[quality], table[tone]])
    if codec == "vni":
        return _encode_vni(char, nfd)
    return b"?"


def _encode_vni(char: str, nfd: str) -> bytes:
    """VNI bytes of one letter: a single byte, or base letter (or ơ/ư) + one mark byte."""
    upper = char.isupper()
    if char.lower() in _VNI_SINGLE_BYTES:
        return _cp1252_case(_VNI_SINGLE_BYTES[char.lower()], upper)
    base, marks = nfd[0], nfd[1:]
    tone = "".join(ch for ch in marks if ch in _TONES)
    # ơ/ư are one byte that keeps the horn; only the tone follows as a mark byte.
    toneless = unicodedata.normalize("NFC", base + "".join(ch for ch in marks if ch not in _TONES))
    if toneless.lower() in ("ơ", "ư"):
        prefix, marks = _cp1252_case(_VNI_SINGLE_BYTES[toneless.lower()], upper), tone
    elif base.isascii() and base.isalpha():
        prefix = base.encode("ascii")
    else:
        return char.encode("cp1252", errors="replace")
    if not marks:
        return prefix
    key = "".join(sorted(marks, key=lambda ch: ch not in _CIRC + _BREVE))  # quality mark first
    if key not in _VNI_MARK_BYTES:
        return b"?"
    return prefix + _cp1252_case(chr(_VNI_MARK_BYTES[key]), upper)


def _cp1252_case(char: str, upper: bool) -> bytes:
    """A cp1252 character as a byte, upper-cased if asked."""
    return (char.upper() if upper else char).encode("cp1252")
