"""Bytes → text: BOMs, UTF-8, declared charsets and legacy Vietnamese encodings by evidence."""
from __future__ import annotations

import codecs
import random
import shutil
import subprocess
import time
import unicodedata

import pytest

from vankien.ingest import legacy_vn
from vankien.ingest.encodings import DecodeError, declared_charset, decode_bytes
from vankien.ingest.vn_syllables import is_syllable

# Real paragraphs from the corpus (seeds/001_54feb172a85c259a.txt, dantri/news_society_057.txt).
PARAGRAPHS = [
    "Các cấp, ngành, địa phương đã quan tâm thực hiện công tác tiếp công dân, xử lý, giải "
    "quyết đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh của công dân. Tập trung chỉ đạo, "
    "kiểm tra, rà soát giải quyết các vụ việc khiếu nại tồn đọng, phức tạp, kéo dài, không để "
    "xảy ra “điểm nóng”.",
    "Công tác quán triệt, tuyên truyền, phổ biến các văn bản về quy chế dân chủ chưa sâu kỹ. "
    "Một số cấp ủy, chính quyền, doanh nghiệp và người đứng đầu chưa quan tâm đúng mức đến "
    "việc xây dựng và thực hiện QCDC; nhất là công tác kiểm tra, giám sát.",
    "Phát biểu khai mạc hội nghị, Bộ trưởng Bộ NN&PTNT Lê Minh Hoan cho biết, đây là lần đầu "
    "tiên ông chủ trì hội nghị ở ngoài địa phận Hà Nội trên cương vị Bộ trưởng Bộ NN&PTNT.",
]
TEXT = "\n\n".join(PARAGRAPHS)
HEADING = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
LEGACY = ("cp1258", "tcvn3", "vni", "viscii")
TITLES = [  # ~40 characters: a page title or one CSV cell
    "Tăng cường công tác dân vận ở cơ sở",
    "Quy chế dân chủ ở xã: kết quả năm 2023",
    "Hội nghị tổng kết phong trào thi đua",
]


@pytest.mark.parametrize("codec", LEGACY)
def test_each_legacy_encoding_round_trips_to_nfc(codec):
    """Corpus paragraphs in each encoding come back exactly, NFC, with what they came from."""
    text = HEADING + TEXT
    if codec == "viscii":           # VISCII has no curly quotes
        text = text.replace("“", '"').replace("”", '"')
    decoded = decode_bytes(legacy_vn.encode(text, codec))
    assert decoded.encoding == codec and decoded.converted_from == codec
    assert decoded.text == text and unicodedata.is_normalized("NFC", decoded.text)
    assert decoded.confidence > 0.95


def test_tcvn3_title_case_toned_capitals_come_back_lower_case():
    """ABC files store "Ủy" with the byte of "ủy" (.VnTimeH shows it capital): case is lost."""
    raw = legacy_vn.encode("Ủy ban nhân dân tỉnh Đắk Nông ban hành quyết định về dân vận", "tcvn3")
    assert raw.startswith(b"\xf1y ban")
    assert decode_bytes(raw).text == "ủy ban nhân dân tỉnh Đắk Nông ban hành quyết định về dân vận"


def test_known_legacy_spellings_decode():
    """Independent of our encoders: the well-known TCVN3 and VNI forms of a heading."""
    heading = "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert legacy_vn.decode("Céng hoµ x· héi chñ nghÜa ViÖt Nam".encode("cp1252"), "tcvn3") == heading
    assert legacy_vn.decode("Coäng hoaø xaõ hoäi chuû nghóa Vieät Nam".encode("cp1252"), "vni") == heading
    assert legacy_vn.decode("CéNG HßA".encode("cp1252"), "tcvn3") == "CỘNG HÒA"


@pytest.mark.parametrize("charmap, codec", [("VISCII", "viscii"), ("TCVN5712-1", "tcvn3")])
def test_tables_agree_with_glibc_iconv(charmap, codec):
    """Every byte decodes as the GNU C library's charmap says (TCVN3: its VN3 letters)."""
    if shutil.which("iconv") is None:
        pytest.skip("iconv not installed")
    for byte in range(0x80, 0x100) if codec == "tcvn3" else range(1, 0x100):
        run = subprocess.run(["iconv", "-f", charmap, "-t", "UTF-8"], input=bytes([byte]),
                             capture_output=True, check=False)
        if run.returncode:
            pytest.skip(f"iconv has no {charmap}")
        ref = run.stdout.decode("utf-8")
        ours = legacy_vn.decode(bytes([byte]), codec)
        if codec == "tcvn3" and not (ref.islower() or ref in "ĂÂÊÔƠƯĐ"):
            continue        # VN1 capitals and combining marks: not in ABC files (documented)
        assert ours == ref, f"{charmap} byte 0x{byte:02x}: {ours!r} != {ref!r}"


@pytest.mark.parametrize("codec", LEGACY)
@pytest.mark.parametrize("title", TITLES)
def test_forty_character_title_is_detected(codec, title):
    """A title alone carries enough evidence in every encoding."""
    decoded = decode_bytes(legacy_vn.encode(title, codec))
    assert (decoded.encoding, decoded.text) == (codec, title)


def test_html_declared_windows_1258_is_used():
    """<meta charset="windows-1258"> is taken when the text reads as Vietnamese."""
    page = f'<html><head><meta charset="windows-1258"><title>Dân vận</title></head><body><p>{TEXT}</p></body></html>'
    raw = legacy_vn.encode(page, "cp1258")
    assert declared_charset(raw) == "windows-1258"
    decoded = decode_bytes(raw)
    assert decoded.encoding == "cp1258" and decoded.text == page and decoded.confidence == 1.0


def test_html_with_wrong_declared_charset_is_detected():
    """A TCVN3 page that claims windows-1258 (common on old portals) is read as TCVN3."""
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            f"</head><body><p>{PARAGRAPHS[1]}</p></body></html>")
    decoded = decode_bytes(legacy_vn.encode(page, "tcvn3"))
    assert decoded.encoding == "tcvn3" and decoded.text == page


def test_declared_charset_forms():
    """meta charset, http-equiv content and the XML declaration, in the first 4 kB only."""
    assert declared_charset(b"<meta charset='VISCII'>") == "viscii"
    assert declared_charset(b'<?xml version="1.0" encoding="x-viet-vni"?><a/>') == "x-viet-vni"
    assert declared_charset(b" " * 5000 + b'<meta charset="tcvn3">') == ""


def test_unicode_forms():
    """UTF-8 with and without BOM, UTF-16 LE/BE and UTF-32 by BOM."""
    assert decode_bytes("Dân vận".encode("utf-8")).encoding == "utf-8"
    assert decode_bytes("\ufeffDân vận".encode("utf-8")).text == "Dân vận"
    for codec, name in (("utf-16", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32", "utf-32")):
        raw = "\ufeffDân vận".encode(codec) if codec.endswith("be") else "Dân vận".encode(codec)
        decoded = decode_bytes(raw)
        assert (decoded.text, decoded.encoding, decoded.converted_from) == ("Dân vận", name, "")


def test_short_viscii_that_happens_to_be_valid_utf8_is_read_as_viscii():
    """"Trưởng phường Đồng Định" in VISCII is also valid UTF-8 (of Cyrillic/N'Ko letters)."""
    raw = legacy_vn.encode("Trưởng phường Đồng Định", "viscii")
    raw.decode("utf-8")     # the trap: strict UTF-8 accepts it
    decoded = decode_bytes(raw)
    assert (decoded.encoding, decoded.text) == ("viscii", "Trưởng phường Đồng Định")


def test_western_cp1252_text_is_accepted():
    """A French or English page in Windows-1252 is not Vietnamese, and it is clearly Western."""
    text = ("Le comité a présenté le résumé de la réunion. Les élèves ont déjà reçu une "
            "réponse à leur pétition, et le café du coin a fêté son anniversaire.")
    decoded = decode_bytes(text.encode("cp1252"))
    assert (decoded.encoding, decoded.converted_from, decoded.text) == ("cp1252", "cp1252", text)


def test_unaccented_vietnamese_with_windows_quotes_is_accepted():
    """Only punctuation is non-ASCII and every plausible codec reads it the same."""
    text = "Hoi nghi “Dan van kheo” cua tinh da dien ra tai xa Nam Dong."
    assert decode_bytes(text.encode("cp1252")).text == text


def test_lossy_or_too_short_legacy_text_is_an_error_not_a_guess():
    """'Dân chủ cơ sở' in cp1258 with '?' replacements reads as Vietnamese in two codecs."""
    with pytest.raises(DecodeError, match="cannot determine the text encoding"):
        decode_bytes("Dân chủ cơ sở".encode("cp1258", errors="replace"))


def test_binary_random_and_empty_inputs_are_errors():
    """NUL bytes → binary; random bytes → undetermined; nothing or blanks → empty file."""
    rng = random.Random(7)
    with pytest.raises(DecodeError, match="binary"):
        decode_bytes(bytes([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D]) + bytes(rng.randrange(256) for _ in range(500)))
    for _ in range(20):
        noise = bytes(rng.randrange(1, 256) for _ in range(2000))
        with pytest.raises(DecodeError, match="cannot determine"):
            decode_bytes(noise)
    for empty in (b"", b"  \n\t\n"):
        with pytest.raises(DecodeError, match="empty file"):
            decode_bytes(empty)


def test_bad_utf16_after_bom_is_an_error():
    """A BOM promises UTF-16; a torn last code unit breaks the promise."""
    with pytest.raises(DecodeError, match="UTF-16"):
        decode_bytes(codecs.BOM_UTF16_LE + "Dân".encode("utf-16-le") + b"\x00\xd8")


def test_big_file_costs_one_linear_pass():
    """4 MB of TCVN3 (the slowest codec) decodes well inside a budget linear code meets."""
    raw = legacy_vn.encode((TEXT + "\n") * 6000, "tcvn3")
    assert len(raw) > 4_000_000
    start = time.perf_counter()
    decoded = decode_bytes(raw)
    assert decoded.encoding == "tcvn3"
    assert time.perf_counter() - start < 10     # ~0.5 s when linear


@pytest.mark.parametrize("word", ["người", "được", "quốc", "khuya", "nguyễn", "giữa", "gìn",
                                  "quỳnh", "nghiêng", "thuở", "xoong", "hoà", "hòa", "đắk"])
def test_valid_syllables(word):
    """Onset + rhyme + one tone, with the spelling rules of Vietnamese."""
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["céng", "ka", "ghá", "ngí", "at", "àt", "tỏc", "dầǹ", "vieät",
                                  "x·", "héi", "chñ", "ngè", "quu"])
def test_invalid_syllables(word):
    """Mojibake and misspellings fail: c before e, k before a, untoned stop finals, …"""
    assert not is_syllable(word)
