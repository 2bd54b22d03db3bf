"""No crafted input stalls ingest or search: every pattern applied to input text runs in linear time.

Each test builds an input that made the earlier code quadratic or worse (the comment gives
what it cost then) and checks two things: it finishes within a budget that catches a hang
or a quadratic blow-up (the linear code takes well under a second), and the output is still
sane (title bounded, units ≤ MAX_CHARS, values as expected). Inputs are generated here.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from vankien.ingest import normalize, references
from vankien.ingest.clean import clean_page, is_date_line, recase_heading
from vankien.ingest.dates import find_dates, parse_date
from vankien.ingest.metadata import extract_metadata, find_abbreviations
from vankien.ingest.model import RawDocument
from vankien.ingest.paragraphs import MAX_CHARS, split_paragraphs
from vankien.ingest.pipeline import prepare
from vankien.ingest.read_frontmatter import has_front_matter, read_front_matter_file
from vankien.ingest.read_tabular import sniff_delimiter
from vankien.ingest.read_text import is_header_format, read_header_file
from vankien.ingest.references import find_references, find_symbols
from vankien.search.present import highlight_spans
from vankien.search.query import MAX_QUERY_CHARS, parse_query
from vankien.search.tokenize import symbols, term_counts

BUDGET = 10.0   # seconds; the linear code needs ~1 s at most for each input below, the old code minutes
SEEDS = Path(__file__).parent / "data" / "seeds"


def timed(fn, *args, budget: float = BUDGET, **kwargs):
    """Run fn, fail if it takes longer than the budget, return its result."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    assert elapsed < budget, f"{fn.__name__} took {elapsed:.1f} s (budget {budget} s)"
    return result


def raw(text: str, fmt: str = "text", **fields) -> RawDocument:
    return RawDocument("crafted.txt", text, fmt, "0" * 64, fields=fields)


def assert_sane(prepared) -> None:
    """Title bounded, every unit an exact span of the clean text, none over MAX_CHARS."""
    assert len(prepared.meta.title) <= 401
    body = prepared.paragraphs[1:]
    assert all(len(p.text) <= MAX_CHARS for p in body)
    assert all(prepared.text[p.start:p.end] == p.text for p in body)


# --- clean_page: line patterns -------------------------------------------------------------

# Whitespace the normaliser keeps inside a line (form feed, information separator, U+2028).
ODD_SPACE = ["\x0c", "\x1c", "\u2028"]


@pytest.mark.parametrize("space", ODD_SPACE)
@pytest.mark.parametrize("prefix, is_date", [
    ("Chủ nhật", True), ("Cập nhật", True), ("ngày cập nhật:", True), ("(08:34", True),
    ("Thứ Bảy", True), ("Hôm nay", False),
])
def test_date_line_pattern_with_a_long_whitespace_run(prefix, is_date, space):
    """Adjacent `\\s*` in the date-line pattern were cubic: 3,000 spaces took 0.7 s, 100,000 forever."""
    assert not timed(is_date_line, prefix + space * 100_000 + "x")
    assert timed(is_date_line, prefix + space * 100_000 + "26/02/2022") == is_date


@pytest.mark.parametrize("line", [
    "Nguồn" + "\x0c" * 200_000 + "x",                       # source line: was quadratic
    "nhấn vào để xem" + "\x1c" * 200_000 + "x",             # chrome line: was quadratic
    "Đọc thêm" + "\x0c" * 200_000 + "x",
    "a" + "\u2028" * 200_000 + "a" + "\u2028" * 10 + "b",
])
def test_clean_page_line_patterns(line):
    """Long whitespace runs in chrome/source/stop-marker lines are scanned once."""
    out = timed(clean_page, "Tiêu đề bài viết\n\n" + line + "\n\nNội dung chính của bài viết.")
    assert "Nội dung chính của bài viết." in out.text


def test_long_token_in_a_notice_heading_recase():
    """A 500 kB token in a notice body: the word-core pattern was quadratic (40 kB: 20 s)."""
    token = "a" + "." * 500_000 + "a"
    out = timed(clean_page, "THÔNG BÁO\nKẾT LUẬN CỦA ĐỒNG CHÍ NGUYỄN VĂN A\n\nNgày 13/7/2020, " + token
                + " đồng chí Nguyễn Văn A phát biểu.")
    assert out.title == "Thông báo kết luận của đồng chí Nguyễn Văn A"


def test_recase_heading_on_a_body_repeating_a_heading_run():
    """The body scan was O(heading words × body words); now one pass over the body."""
    heading = " ".join(["DÂN VẬN KHÉO"] * 30 + ["XYZ"])
    body = "Dân Vận " * 300_000
    assert timed(recase_heading, heading, body).startswith("Dân Vận khéo Dân Vận khéo")


def test_broken_lines_joined_in_linear_time():
    """100k lower-case continuation lines: string concatenation and rescans were quadratic (80 kB: 72 s)."""
    out = timed(clean_page, "Mở đầu của bài viết.\n\nabc\n" + "xyz\n" * 100_000 + "Cuối.")
    assert out.text.startswith("Mở đầu của bài viết.\n\nabc xyz xyz")
    assert len(out.text.split("\n")) == 4


def test_many_date_lines_before_the_title():
    """Each page-top date line re-scanned the whole body for its latest date (quadratic)."""
    text = "01/01/2030\n" * 20_000 + "Tiêu đề bài viết\n\n" + "Ngày 2/3/2019 có nhiều việc. " * 10_000
    prepared = timed(prepare, raw(text))
    assert prepared.meta.date == "2019-03-02"     # page-top 2030 does not fit: the opening date
    assert_sane(prepared)


def test_long_title_hint_is_compared_once():
    """A 1 MB title field was re-keyed for every head line."""
    hint = "Tiêu đề " * 125_000
    out = timed(clean_page, "Dòng\n" * 3 + "Nội dung chính của bài viết, đủ dài để là thân bài.", hint)
    assert out.text.endswith("thân bài.")


# --- readers ----------------------------------------------------------------------------------

def test_header_line_with_a_long_spaced_value():
    """`# title = a<200k spaces>b`: `(.*?)\\s*$` was quadratic (100 kB header line: 80 s)."""
    text = "# url = https://dantri.com.vn/a.htm\n# title = a" + " " * 200_000 + "b\n\nThân bài."
    assert timed(is_header_format, text)
    doc = timed(read_header_file, "x.txt", text, "h")
    assert doc.fields["title"] == "a b"
    assert doc.text == "Thân bài."


def test_header_check_reads_two_lines_only():
    text = "# url = x\n# date = 2020-01-01\n" + "Một dòng.\n" * 1_000_000
    assert timed(is_header_format, text, budget=1.0)


def test_unclosed_json_front_matter():
    """`---json` and 1 MB without the closing `---`: not front matter, and quick to say so."""
    text = "---json\n" + '{"title": "x", "a": "' + "y" * 1_000_000
    assert not timed(has_front_matter, text)
    text = "---json\n" + "\n---x   " * 100_000
    assert not timed(has_front_matter, text)


def test_yaml_front_matter_with_a_long_spaced_value():
    """YAML `key: value` had the same quadratic `(.*?)\\s*$`."""
    text = "---\ntitle: a" + " " * 200_000 + "b\ndate: 2020-01-02\n---\nThân bài."
    assert timed(has_front_matter, text)
    doc = timed(read_front_matter_file, "x.md", text, "h")
    assert doc.fields == {"title": "a b", "date": "2020-01-02"}


def test_csv_sniffer_sees_a_bounded_header():
    """csv.Sniffer is quadratic in the line length (8 kB: 0.4 s; 200 kB: minutes)."""
    assert timed(sniff_delimiter, "'a;" * 70_000 + "\nx;y\n") == ";"
    assert sniff_delimiter("crawled_time|published_time|title|content\n1|2|3|4\n") == "|"


# --- metadata, references, dates ----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "(" * 10_000,
    "(gọi tắt là " * 20_000,
    "quy chế dân chủ (QCDC) " * 20_000,
    "(A" * 50_000,
])
def test_abbreviation_pattern(text):
    found = timed(find_abbreviations, text)
    assert all(len(k) <= 40 for k in found)


@pytest.mark.parametrize("text", [
    "Số 1-" * 50_000,
    "1-CT/TW" + "-TW" * 100_000 + "/",
    "Chỉ thị số " * 50_000,
    "Luật " + "a " * 200_000,
    "1/KH" + "-A1" * 100_000 + "a",
    "số 05-CT/TW của Ban " + "Ban " * 100_000,
    "1-1÷" * 100_000 + "中",
])
def test_reference_patterns(text):
    refs = timed(find_references, text)
    assert len(refs) <= len(text) // 5
    timed(find_symbols, text[:200_000])
    timed(symbols, text)


def test_issuer_stop_on_a_long_whitespace_run():
    """`\\s+khóa…` restarted its scan at every position of a whitespace run (40k: 14 s)."""
    text = "Tỉnh ủy" + " " * 200_000 + "x"
    assert timed(references._ISSUER_STOP.sub, "", text) == text


def test_references_still_found_in_a_long_text():
    text = "Thực hiện Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị. " + "Câu văn. " * 100_000
    refs = timed(find_references, text)
    assert [(r.symbol, r.date, r.issuer) for r in refs] == [("05-CT/TW", "2016-05-15", "Bộ Chính trị")]


@pytest.mark.parametrize("text", [
    "1/" * 100_000,
    "1" * 200_000,
    "12/12/" * 50_000,
    "2020-" * 50_000,
    "ngày 1 tháng 1 năm " * 20_000,
    "1 / 1 / " * 50_000,
])
def test_date_patterns(text):
    dates = timed(find_dates, text)
    assert len(dates) <= len(text) // 8
    timed(parse_date, text)


# --- normalisation and paragraphs ------------------------------------------------------------------

def test_normalize_in_pieces_equals_whole():
    """normalize_text on a big text works in pieces; the result must equal the one-piece result."""
    real = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    crafted = "hoà  thuý\x0c \n\n\n&amp;\u200b\n\u00a0\xad\n" * 50
    text = (real + crafted) * 3
    whole = normalize.normalize_text(text)
    saved = normalize._CHUNK_CHARS
    try:
        for size in (1, 7, 1000):
            normalize._CHUNK_CHARS = size
            assert normalize.normalize_text(text) == whole
    finally:
        normalize._CHUNK_CHARS = saved


@pytest.mark.parametrize("text", [
    " " * 1_000_000 + "a",
    "\x0c \x0c " * 250_000 + "a\n",
    "a\n \n" * 250_000,
    "\u00a0\u2003 " * 300_000,
])
def test_normalize_whitespace_runs(text):
    out = timed(normalize.normalize_text, text)
    assert "  " not in out and "\n\n\n" not in out


def test_huge_single_line_is_cut_at_sentence_ends():
    """A 1 MB one-line text: units at most MAX_CHARS, cut at sentence ends, count ∝ size."""
    text = ("Đây là một câu văn khá ngắn của bài. " * 27_000).strip()
    units = timed(split_paragraphs, text)
    assert len(text) / 1200 <= len(units) <= len(text) / 500
    assert all(len(u.text) <= MAX_CHARS and u.text.endswith(".") for u in units)
    assert all(text[u.start:u.end] == u.text for u in units)


@pytest.mark.parametrize("text", ["a" * 1_000_000, "ab " * 330_000 + "c", "Xin chào\n" * 110_000])
def test_degenerate_blocks_are_split_linearly(text):
    units = timed(split_paragraphs, text)
    assert 0 < len(units) <= len(text) / 500 + 1
    assert all(len(u.text) <= MAX_CHARS for u in units)
    if " " in text:
        assert all(not u.text.startswith(" ") and not u.text.endswith(" ") for u in units)


def test_many_short_sections():
    """Merging short section tails deleted from the middle of a list (quadratic in units)."""
    text = "I. MỤC ĐÍCH\n\nNgắn.\n\n" * 50_000
    units = timed(split_paragraphs, text)
    assert all(len(u.text) <= MAX_CHARS for u in units)
    assert len(units) < 50_000


def test_heading_then_long_block_stays_under_max_chars():
    text = "II. NHIỆM VỤ TRỌNG TÂM\n\n" + "Một câu rất dài về nhiệm vụ của các cấp ủy " * 40
    assert all(len(u.text) <= MAX_CHARS for u in split_paragraphs(text))


# --- whole pipeline ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Đây là một câu văn. " * 25_000,                            # 0.5 MB single line
    "Tiêu đề\n\nabc\n" + "xyz\n" * 100_000,                      # broken lines
    "THÔNG BÁO\nKẾT LUẬN\n\n" + "a" + "." * 500_000 + "a",       # notice with one long token
    "Chủ nhật" + "\x0c" * 100_000 + "\n\nNội dung.",               # odd whitespace
    "# a = " + "x" * 100_000,
    "(" * 100_000,
    "Số 1-" * 50_000,
    "1/" * 200_000,
])
def test_prepare_on_crafted_documents(text):
    assert_sane(timed(prepare, raw(text)))


def test_prepare_with_a_long_outlet_field_and_related_list():
    """Long candidates are not looked up as outlet names (that lookup is quadratic on them)."""
    text = "Tiêu đề\n\nNội dung bài viết.\n\nĐọc thêm\n\n" + "x" + "!" * 100_000 + "x"
    prepared = timed(prepare, raw(text, outlet="y" + "!" * 100_000 + "y"))
    assert_sane(prepared)


# --- search -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "dân vận " * 1250,                  # 10 000 characters
    '"' * 10_000,
    "“a" * 5000,
    "1-" * 5000,
    "QCDC " * 2000,
    "dân vận khéo " * 100_000,          # 1.3 MB
])
def test_long_queries(query):
    try:
        q = timed(parse_query, query, {"QCDC": {"quy chế dân chủ"}})
    except ValueError:
        return                          # a punctuation-only query is refused, quickly
    assert len(q.text) <= MAX_QUERY_CHARS


def test_highlight_and_term_counts_on_long_text():
    text = "dân vận khéo, " * 30_000
    spans = timed(highlight_spans, text, [["dân", "vận"]])
    assert len(spans) == 30_000
    assert timed(term_counts, text)["b:dân_vận"] == 30_000
