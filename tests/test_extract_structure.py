"""Structure of the main text (ingest/main_text.py through the reader): headings, lists,
tables, an official document's header table, image captions, the lead, reader comments.

The pages are small HTML built around real text (seed 001, a provincial notice) where a
structure is tested that the real pages in tests/data do not show.
"""
from pathlib import Path

from vankien.ingest.pipeline import prepare
from vankien.ingest.read_html import read_html

SEED = (Path(__file__).parent / "data" / "seeds" / "001_54feb172a85c259a.txt").read_text(encoding="utf-8")
PARAGRAPHS = [p.strip() for p in SEED.split("\n\n") if p.strip() and not p.startswith("-")][4:12]
BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def _page(head: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{head}</head><body>'
            '<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/tin">Tin tức</a></li></ul></nav>'
            f'{body}<footer>Bản quyền thuộc Cổng thông tin điện tử tỉnh</footer></body></html>')


def test_official_header_table_lines_and_header_date():
    """A two-column header table is read column by column, each line its own; its date
    line becomes issued_date, which the metadata step prefers; the page's date is kept."""
    header = ("<table><tr><td>TỈNH ỦY HÀ TĨNH<br>BAN CHỈ ĐẠO THỰC HIỆN QCDC<br>*</td>"
              "<td>ĐẢNG CỘNG SẢN VIỆT NAM</td></tr><tr><td>Số 15-TB/BCĐ</td>"
              "<td>Hà Tĩnh, ngày 20 tháng 7 năm 2020</td></tr></table>")
    html = _page('<meta property="article:published_time" content="2020-07-25T08:00:00+07:00">',
                 f'<div class="noidung">{header}<p>THÔNG BÁO</p>{BODY}</div>')
    doc = read_html("a.html", html, "h")
    assert doc.text.startswith("TỈNH ỦY HÀ TĨNH\nBAN CHỈ ĐẠO THỰC HIỆN QCDC\nSố 15-TB/BCĐ\n"
                               "ĐẢNG CỘNG SẢN VIỆT NAM\nHà Tĩnh, ngày 20 tháng 7 năm 2020")
    assert (doc.fields["date"], doc.fields["issued_date"]) == ("2020-07-25", "2020-07-20")
    assert doc.provenance["issued_date_source"] == "document-header"
    meta = prepare(doc).meta
    assert (meta.date, meta.date_source) == ("2020-07-20", "issued-field")
    assert "Trang chủ" not in doc.text and "Bản quyền" not in doc.text


def test_headings_lists_tables_and_captions_stay_readable():
    """Headings are blocks, list items "- " lines (no double marker), table rows
    "cell | cell", and a figure's caption a block starting "[Ảnh] "."""
    extra = ("<h2>Kết quả thực hiện</h2><ul><li>Làm 5 km đường giao thông</li><li>- Xây 2 cầu</li></ul>"
             "<table><tr><th>Xã</th><th>Số hộ tham gia</th></tr><tr><td>Nam Bình</td><td>120</td></tr></table>"
             '<figure><img src="a.jpg"><figcaption>Đồng chí Dương Văn An phát biểu kết luận cuộc họp. '
             "Ảnh: Minh Anh</figcaption></figure>")
    doc = read_html("a.html", _page("<title>Kết luận</title>", f"<article>{BODY}{extra}{BODY}</article>"), "h")
    assert "\n\nKết quả thực hiện\n\n- Làm 5 km đường giao thông\n- Xây 2 cầu\n\n" in doc.text
    assert "\n\nXã | Số hộ tham gia\nNam Bình | 120\n\n" in doc.text
    assert "\n\n[Ảnh] Đồng chí Dương Văn An phát biểu kết luận cuộc họp. Ảnh: Minh Anh\n\n" in doc.text


def test_lead_outside_the_body_block_is_put_back_and_comments_are_optional():
    """VnExpress keeps its lead (p.description, the og:description) outside the body
    block; it is put in front. Reader comments are left out unless asked for."""
    lead = ("Ban Chỉ đạo thực hiện quy chế dân chủ ở cơ sở của tỉnh đánh giá kết quả 6 tháng đầu năm "
            "và triển khai nhiệm vụ trọng tâm 6 tháng cuối năm 2020.")
    comments = ('<div id="comments"><h3>Ý kiến bạn đọc</h3><ol class="commentlist">'
                '<li class="comment"><p>Kết luận rất sát thực tế ở cơ sở, mong được triển khai sớm.</p></li>'
                "</ol></div>")
    html = _page(f'<meta property="og:description" content="{lead}"><title>Kết luận</title>',
                 f'<h1 class="title-detail">Kết luận</h1><p class="description">{lead}</p>'
                 f'<article class="fck_detail">{BODY}</article>{comments}')
    doc = read_html("a.html", html, "h")
    assert doc.text.startswith(lead + "\n\n")
    assert doc.provenance["lead"] == "added"
    assert "Kết luận rất sát thực tế" not in doc.text
    kept = read_html("a.html", html, "h", keep_comments=True)
    assert "\n\n[Bình luận]\n\nKết luận rất sát thực tế ở cơ sở" in kept.text


def test_author_bio_in_a_description_box_is_not_taken_for_the_lead():
    """A "description" box that is not the page's description (an author bio) stays out."""
    bio = ("Nguyễn Văn A là phóng viên thường trú tại Hà Tĩnh, nhiều năm theo dõi công tác dân vận "
           "và xây dựng Đảng ở cơ sở.")
    html = _page('<meta name="description" content="Kết luận của Ban Chỉ đạo tỉnh."><title>Kết luận</title>',
                 f'<article>{BODY}</article><div class="author"><p class="description">{bio}</p></div>')
    doc = read_html("a.html", html, "h")
    assert not doc.text.startswith("Nguyễn Văn A")
    assert "lead" not in doc.provenance
