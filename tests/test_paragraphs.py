"""Paragraph splitting: exact spans, sensible sizes, headings carried, one-line sentences merged."""
from vankien.ingest.normalize import normalize_text
from vankien.ingest.paragraphs import MAX_CHARS, is_heading, passage_text, split_paragraphs


def _check_spans(text, units):
    for u in units:
        assert text[u.start:u.end] == u.text
    assert [u.ordinal for u in units] == list(range(1, len(units) + 1))


def test_seed_notice_sections_and_sizes(data_dir):
    text = normalize_text((data_dir / "seeds/001_54feb172a85c259a.txt").read_text(encoding="utf-8"))
    units = split_paragraphs(text)
    _check_spans(text, units)
    assert all(len(u.text) <= MAX_CHARS for u in units)
    task = next(u for u in units if "Liên đoàn Lao động tỉnh phối hợp" in u.text)
    assert task.heading.startswith("II. Một số nhiệm vụ trọng tâm 6 tháng cuối năm 2020")
    first = next(u for u in units if "Trong 6 tháng đầu năm 2020, các cấp" in u.text)
    assert first.heading.startswith("I. Đánh giá kết quả đạt được")


def test_one_sentence_per_line_is_merged(data_dir):
    lines = (data_dir / "dantri/news_society_001.txt").read_text(encoding="utf-8").splitlines()
    text = normalize_text("\n".join(line for line in lines if not line.startswith("#")))
    units = split_paragraphs(text)
    _check_spans(text, units)
    assert len(units) < len(text.splitlines())
    assert all(len(u.text) >= 100 for u in units[:-1])


def test_overlong_block_split_at_sentences():
    sentence = "Cấp ủy, chính quyền các cấp tiếp tục thực hiện tốt quy chế dân chủ ở cơ sở. "
    text = (sentence * 60).strip()
    units = split_paragraphs(text)
    _check_spans(text, units)
    assert len(units) > 2
    assert all(len(u.text) <= MAX_CHARS for u in units)
    assert all(u.text.endswith(".") for u in units)


def test_heading_detection():
    assert is_heading("II. Một số nhiệm vụ trọng tâm 6 tháng cuối năm 2020")
    assert is_heading("NHỮNG KẾT QUẢ ĐẠT ĐƯỢC")
    assert not is_heading("Ngày 13/7/2020, đồng chí Dương Văn An chủ trì họp.")


def test_passage_text_gives_context():
    text = "1. Tập trung quán triệt, tuyên truyền."
    unit = split_paragraphs(text)[0]
    assert passage_text("Chỉ thị về công tác dân vận", unit).startswith("Chỉ thị về công tác dân vận")
