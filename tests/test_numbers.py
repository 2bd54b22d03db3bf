"""Document numbers in queries: what counts as one, loose spellings, whole-number matching."""
import pytest

from vankien.search.numbers import find_mentions, loose_key, pattern, short_form_pattern
from vankien.search.query import parse_query


@pytest.mark.parametrize("typed,symbol", [
    ("05-CT/TW", "05-CT/TW"), ("05/CT-TW", "05/CT-TW"), ("05 - CT/TW", "05-CT/TW"),
    ("158/2007/ND-CP", "158/2007/NĐ-CP"), ("11-QDi/TW", "11-QĐi/TW"), ("45-KH/BCD", "45-KH/BCĐ"),
])
def test_whole_numbers_are_found_and_canonical(typed, symbol):
    (m,) = find_mentions(f"văn bản {typed} nói gì")
    assert m.symbol == symbol and m.raw == typed and not m.kind


@pytest.mark.parametrize("text", ["30/4/2021 bắn pháo hoa", "Covid-19", "5G/LTE", "tăng 15-20%", "Đại hội XIII"])
def test_dates_and_other_tokens_are_not_numbers(text):
    assert find_mentions(text) == []


def test_kind_and_bare_number_with_or_without_marks():
    (m,) = find_mentions("Chỉ thị 05 về học tập")
    assert (m.kind, m.number, m.symbol) == ("Chỉ thị", "05", "")
    (m,) = find_mentions("chi thi so 5")
    assert (m.kind, m.number) == ("Chỉ thị", "5")
    # the kind word in front of a whole number is not a second mention
    assert [x.symbol for x in find_mentions("Chỉ thị số 05-CT/TW ngày 15/5/2016")] == ["05-CT/TW"]


def test_loose_key_ignores_separators_zeros_and_marks():
    assert loose_key("05/CT-TW") == loose_key("5-CT/TW") == loose_key("05-CT/TƯ") == ("5", "ct", "tw")
    assert loose_key("158/2007/ND-CP") == loose_key("158/2007/NĐ-CP")
    assert loose_key("03-QC/TU") != loose_key("03-QC/TW")       # Tỉnh ủy is not Trung ương


def test_pattern_finds_the_number_however_written():
    text = "theo Chỉ thị số 05-CT/TƯ; xem 5/ct-tw và 05 - CT/TW, không phải 105-CT/TW hay 05-CT/TWA"
    assert pattern("05-CT/TW").findall(text) == ["05-CT/TƯ", "5/ct-tw", "05 - CT/TW"]
    assert pattern("158/2007/NĐ-CP").search("Nghị định 158/2007/NĐ - CP ngày 27/10/2007")


def test_short_form_pattern():
    p = short_form_pattern("05-CT/TW", "chỉ thị")
    assert p.search("thực hiện Chỉ thị số 05 của Bộ Chính trị")
    assert not p.search("Chỉ thị số 05-CT/TW") and not p.search("Chỉ thị 051")


def test_number_parts_are_not_words_abbreviations_or_unaccented():
    q = parse_query("05-CT/TW", {"CT": {"Chỉ thị"}, "TW": {"Trung ương"}})
    assert q.expansions == {}                   # CT is not expanded to "Chỉ thị", TW not to "Trung ương"
    assert q.accented                           # no "typed without diacritics" warning for a number
    assert not any(t.startswith(("s:", "b:", "f:", "fb:")) for t in q.terms)
    assert q.highlight_segments == []
    q = parse_query("Kế hoạch 45-KH/BCĐ kiểm tra", {"KH": {"kế hoạch"}})
    assert q.words_text == "Kế hoạch kiểm tra" and "b:kế_hoạch" in q.terms
