"""The administrative form of an official document, read from plain text of any reader."""
from pathlib import Path

import pytest

from vankien.ingest.admin_header import parse_admin_header
from vankien.ingest.read_pdf import read_pdf

import doc_samples

SEEDS = Path(__file__).parent / "data" / "seeds"

STATE_NOTICE = """ỦY BAN NHÂN DÂN
HUYỆN ĐẮK SONG
-------
Số: 02/PA-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Đắk Song, ngày 27 tháng 5 năm 2020

PHƯƠNG ÁN
Luân chuyển kế toán các xã, thị trấn trên địa bàn huyện
---------

Căn cứ Luật Kế toán số 88/2015/QH13 ngày 20 tháng 11 năm 2015;

Ủy ban nhân dân huyện xây dựng phương án luân chuyển kế toán như sau.

Nơi nhận:
- Thường trực Huyện ủy;
- Lưu: VT.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Văn Bình
"""

OFFICIAL_LETTER = """UBND TỈNH ĐẮK NÔNG
SỞ CÔNG THƯƠNG
Số: 1112/SCT-QLTM
V/v tăng cường kiểm tra thị trường dịp Tết
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Đắk Nông, ngày 25 tháng 8 năm 2020

Kính gửi: Ủy ban nhân dân các huyện, thành phố.

Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Công Thương đề nghị các đơn vị kiểm tra.
"""


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory) -> str:
    """Text of the generated notice PDF (seed 001 in the administrative layout)."""
    path = doc_samples.text_pdf(tmp_path_factory.mktemp("hdr") / "notice.pdf")
    return read_pdf(path.read_bytes(), "notice.pdf", "x").text


def test_seed_001_as_scraped_has_type_title_recipients_and_signer():
    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    header = parse_admin_header(text)
    assert header.doc_type == "THÔNG BÁO" and header.doc_type_label == "Thông báo"
    assert header.trich_yeu.startswith("Ý KIẾN KẾT LUẬN CỦA ĐỒNG CHÍ DƯƠNG VĂN AN - PHÓ BÍ THƯ TỈNH ỦY,")
    assert header.trich_yeu.endswith("triển khai nhiệm vụ trọng tâm 6 tháng cuối năm 2020")
    assert "**" not in header.title
    assert header.recipients[0] == "Thường trực Tỉnh ủy"
    assert header.recipients[-1] == "Lưu Văn phòng Tỉnh ủy"
    assert header.signer.name == "Dương Văn An"
    assert header.signer.position == "PHÓ BÍ THƯ kiêm TRƯỞNG BAN CHỈ ĐẠO"
    assert text[header.body_start:].startswith("Ngày 13/7/2020, đồng chí Dương Văn An")
    assert text[:header.body_end].rstrip().endswith("quy chế dân chủ năm 2020./.")
    # The scraped page has no header block: nothing is invented.
    assert header.issuer == header.number == header.date == header.place == ""


def test_generated_pdf_gives_every_part(pdf_text):
    header = parse_admin_header(pdf_text)
    assert header.issuer_lines == ["TỈNH ỦY HẢI DƯƠNG", "BAN CHỈ ĐẠO THỰC HIỆN", "QUY CHẾ DÂN CHỦ Ở CƠ SỞ"]
    assert header.issuer == "BAN CHỈ ĐẠO THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ TỈNH ỦY HẢI DƯƠNG"
    assert header.issuer_parent == "TỈNH ỦY HẢI DƯƠNG"
    assert (header.number, header.number_text) == ("210-TB/BCĐ", "Số 210-TB/BCĐ")
    assert header.form == "party"
    assert (header.place, header.date) == ("Hải Dương", "2020-07-13")
    assert header.date_text == "Hải Dương, ngày 13 tháng 7 năm 2020"
    assert header.title.startswith("THÔNG BÁO Ý KIẾN KẾT LUẬN CỦA ĐỒNG CHÍ DƯƠNG VĂN AN")
    assert "-----" not in header.title
    assert header.signer.authority == "T/M" and header.signer.on_behalf == "BAN CHỈ ĐẠO"
    assert header.signer.position == "PHÓ BÍ THƯ TỈNH ỦY kiêm TRƯỞNG BAN CHỈ ĐẠO"
    assert header.signer.name == "Dương Văn An"
    assert len(header.recipients) == 8
    assert pdf_text[header.body_start:].startswith("Ngày 13/7/2020,")
    assert pdf_text[header.body_end:].startswith("Nơi nhận:")
    fields = header.fields()
    assert fields["doc_number"] == "210-TB/BCĐ" and fields["issued_date"] == "2020-07-13"
    assert fields["doc_type"] == "Thông báo" and fields["signer"] == "Dương Văn An"


def test_state_form_with_deputy_signer():
    header = parse_admin_header(STATE_NOTICE)
    assert header.issuer == "ỦY BAN NHÂN DÂN HUYỆN ĐẮK SONG" and header.issuer_parent == ""
    assert header.number == "02/PA-UBND" and header.form == "state"
    assert (header.place, header.date) == ("Đắk Song", "2020-05-27")
    assert header.doc_type_label == "Phương án"
    assert header.trich_yeu == "Luân chuyển kế toán các xã, thị trấn trên địa bàn huyện"
    assert header.recipients == ["Thường trực Huyện ủy", "Lưu: VT"]
    assert (header.signer.authority, header.signer.on_behalf) == ("K/T", "CHỦ TỊCH")
    assert header.signer.position == "PHÓ CHỦ TỊCH" and header.signer.name == "Nguyễn Văn Bình"
    assert STATE_NOTICE[header.body_start:].startswith("Căn cứ Luật Kế toán")


def test_official_letter_subject_and_parent_body():
    header = parse_admin_header(OFFICIAL_LETTER)
    assert header.issuer == "SỞ CÔNG THƯƠNG TỈNH ĐẮK NÔNG"
    assert header.issuer_parent == "UBND TỈNH ĐẮK NÔNG"
    assert header.number == "1112/SCT-QLTM"
    assert header.doc_type_label == "Công văn"
    assert header.trich_yeu == "tăng cường kiểm tra thị trường dịp Tết"
    assert header.title == "tăng cường kiểm tra thị trường dịp Tết"
    assert header.date == "2020-08-25"


def test_two_columns_as_table_rows_are_read_column_by_column():
    text = ("TỈNH ỦY HẢI DƯƠNG | ĐẢNG CỘNG SẢN VIỆT NAM\n"
            "BAN THƯỜNG VỤ | Hải Dương, ngày 26 tháng 02 năm 2022\n"
            "Số 45-TB/TU\n\nTHÔNG BÁO\nKẾT LUẬN CỦA BAN THƯỜNG VỤ TỈNH ỦY\n\n"
            "Ngày 25/02/2022, Ban Thường vụ Tỉnh ủy họp.\n\n"
            "Nơi nhận: | T/M BAN THƯỜNG VỤ\n- Các đồng chí Tỉnh ủy viên, | PHÓ BÍ THƯ\n"
            "- Lưu VPTU. | Nguyễn Văn A\n")
    header = parse_admin_header(text)
    assert header.issuer == "BAN THƯỜNG VỤ TỈNH ỦY HẢI DƯƠNG"
    assert header.number == "45-TB/TU" and header.date == "2022-02-26"
    assert header.trich_yeu == "KẾT LUẬN CỦA BAN THƯỜNG VỤ TỈNH ỦY"
    assert header.recipients == ["Các đồng chí Tỉnh ủy viên", "Lưu VPTU"]
    assert header.signer.on_behalf == "BAN THƯỜNG VỤ" and header.signer.name == "Nguyễn Văn A"


@pytest.mark.parametrize("seed", ["000", "002", "003", "004"])
def test_news_pages_have_no_header(seed):
    text = next(SEEDS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    header = parse_admin_header(text)
    assert header.fields() == {}, header.fields()
    assert (header.body_start, header.body_end) == (0, len(text))


def test_weekday_chrome_is_not_a_place():
    header = parse_admin_header("Chủ nhật, ngày 24 tháng 11 năm 2024\n\nTin tức trong ngày.")
    assert header.place == "" and header.date == ""
