"""clean_page on the five seeds and other real samples: content kept, chrome gone (trafilatura-style)."""
from pathlib import Path

import pytest

from vankien.ingest.clean import clean_page, is_caption, is_date_line, recase_heading

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"


def _clean_seed(number: str):
    """Clean the seed whose file name starts with `number`."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return clean_page(path.read_text(encoding="utf-8"))


# seed → (sentences that must stay, chrome that must go)
SEED_EXPECTATIONS = {
    "000": (
        ["Ngày 25/02/2022, đồng chí Phạm Xuân Thăng, Ủy viên Ban Chấp hành Trung ương Đảng",
         "Tại hội nghị, Ban Thường vụ Tỉnh ủy đã nghe Ban Dân vận Tỉnh ủy báo cáo sửa đổi",
         "Ban Thường vụ Tỉnh ủy yêu cầu Ủy ban nhân dân tỉnh cần có các giải pháp đồng bộ"],
        ["Chủ nhật, ngày 24/11/2024", "Thứ Bảy 26/02/2022 15:14", "Xem với cỡ chữ",
         "CÁC BÀI VIẾT KHÁC", "Trần Linh",
         "Đồng chí Phạm Xuân Thăng, Bí thư Tỉnh ủy chủ trì hội nghị lần thứ 55"],
    ),
    "001": (
        ["Ngày 13/7/2020, đồng chí Dương Văn An - Phó Bí thư Tỉnh ủy",
         "I. Đánh giá kết quả đạt được trong 6 tháng đầu năm 2020",
         "tăng cường kiểm tra, giám sát, chấn chỉnh về thực hiện QCDC",
         "⁽¹⁾ “Không gây phiền hà cho nhân dân và doanh nghiệp”",
         "9- Tổ chức đánh giá, xếp loại kết quả thực hiện quy chế dân chủ năm 2020./."],
        ["Nơi nhận", "Lưu Văn phòng Tỉnh ủy", "PHÓ BÍ THƯ", "THÔNG BÁO", "**"],
    ),
    "002": (
        ["Thay mặt Ban Thường vụ Tỉnh ủy, Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng",
         "1. Tập trung quán triệt, tuyên truyền và tổ chức thực hiện nghiêm túc",
         "7. Tăng cường kiểm tra, giám sát công tác dân vận",
         "Chỉ thị được quán triệt đến chi bộ đảng, đảng viên và phổ biến rộng rãi trong Nhân dân."],
        ["Đọc thêm", "Chan chứa ân tình với Đảng", "Kỹ sư Võ Quý Huân",
         "Đoàn Kiểm tra của Bộ Chính trị", "Thị xã Kỳ Anh khởi động", "(Baohatinh.vn)",
         "Bí thư Tỉnh ủy Hoàng Trung Dũng trò chuyện với các đại biểu",
         "Nhà văn hóa cộng đồng tránh lũ tại thôn Yên Mỹ"],
    ),
    "003": (
        ["Sáng 26/6, Tỉnh ủy tổ chức tọa đàm",
         "Việc thực hiện QCDC trên địa bàn tỉnh đạt được những kết quả tích cực.",
         "MTTQ, các tổ chức chính trị - xã hội tỉnh phát huy tốt vai trò giám sát"],
        ["Thứ 5 Ngày 27/06/2019", "Các đại biểu dự buổi tọa đàm.", "Nguồn Báo Hà Nam",
         "Các tin khác"],
    ),
    "004": (
        ["Hôm qua, 27-5, Ban Cán sự Đảng Ủy ban nhân dân (UBND) tỉnh phối hợp Ban Dân vận",
         "Tại hội nghị, Ban Cán sự Đảng UBND tỉnh và BDVTU ký kết kế hoạch phối hợp"],
        ["Cổng thông tin điện tử Kiên Giang", "Hoạt động của lãnh đạo tỉnh", "Xem với cỡ chữ",
         "(08:34 | 28/05/2019)", "QUỐC TRINH"],
    ),
}
SEED_TITLES = {
    "000": "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 55",
    "002": "Tiếp tục tăng cường, đổi mới công tác dân vận chính quyền trong tình hình mới",
    "003": "Tọa đàm “Nâng cao chất lượng thực hiện quy chế dân chủ ở cơ sở trên địa bàn tỉnh”",
    "004": "Góp phần thực hiện thắng lợi các mục tiêu phát triển kinh tế, xã hội của tỉnh",
}


@pytest.mark.parametrize("seed", sorted(SEED_EXPECTATIONS))
def test_seed_content_kept_and_chrome_removed(seed):
    """Every pinned content sentence survives; every pinned chrome string is gone."""
    must_have, must_not = SEED_EXPECTATIONS[seed]
    text = _clean_seed(seed).text
    for sentence in must_have:
        assert sentence in text, sentence
    for chrome in must_not:
        assert chrome not in text, chrome


@pytest.mark.parametrize("seed", sorted(SEED_TITLES))
def test_seed_title_found_and_not_in_text(seed):
    """The headline is Cleaned.title and no line of the text is the headline."""
    cleaned = _clean_seed(seed)
    assert cleaned.title == SEED_TITLES[seed]
    assert SEED_TITLES[seed] not in cleaned.text.split("\n")


def test_seed_000_dates_and_byline():
    """Site date before the title, article date after it; byline at the end."""
    cleaned = _clean_seed("000")
    assert cleaned.date_lines == [("Chủ nhật, ngày 24/11/2024", "before-title"),
                                  ("Thứ Bảy 26/02/2022 15:14", "after-title")]
    assert cleaned.byline == "Trần Linh"
    assert "CÁC BÀI VIẾT KHÁC:" in cleaned.removed


def test_seed_001_notice_heading_recipients_signature():
    """Upper-case heading block → sentence-case title; Nơi nhận and signature kept aside."""
    cleaned = _clean_seed("001")
    assert cleaned.title.startswith(
        "Thông báo ý kiến kết luận của đồng chí Dương Văn An - Phó Bí thư Tỉnh ủy, "
        "Trưởng Ban Chỉ đạo thực hiện quy chế dân chủ ở cơ sở của tỉnh tại cuộc họp")
    assert cleaned.title.endswith("6 tháng cuối năm 2020")
    assert cleaned.recipients.startswith("Nơi nhận:")
    assert "- Lưu Văn phòng Tỉnh ủy." in cleaned.recipients
    assert cleaned.signature == "PHÓ BÍ THƯ\nkiêm\nTRƯỞNG BAN CHỈ ĐẠO\nDương Văn An"
    assert cleaned.text.endswith("9- Tổ chức đánh giá, xếp loại kết quả thực hiện quy chế dân chủ năm 2020./.")
    assert cleaned.date_lines == []


def test_seed_001_broken_sentence_is_joined():
    """"…của người" / blank line / "lao động…" is one sentence again."""
    text = _clean_seed("001").text
    assert "viên chức, người lao động trong quá trình triển khai thực hiện nhiệm vụ." in text
    assert "\nlao động trong quá trình" not in text


def test_seed_002_related_list_and_title_repeats_gone():
    """Title repeats and the captions after them are removed; the lead source is kept aside."""
    cleaned = _clean_seed("002")
    assert cleaned.source_lines == ["(Baohatinh.vn)"]
    assert cleaned.text.startswith("Thay mặt Ban Thường vụ Tỉnh ủy")
    assert cleaned.text.count("Tiếp tục tăng cường, đổi mới công tác dân vận chính quyền") == 0


def test_seed_003_duplicate_lead_kept_once_and_source_line():
    """The lead sentence printed twice stays once; "Nguồn Báo Hà Nam" → source_lines."""
    cleaned = _clean_seed("003")
    assert cleaned.text.count("Sáng 26/6, Tỉnh ủy tổ chức tọa đàm") == 1
    assert cleaned.source_lines == ["Nguồn Báo Hà Nam"]
    assert cleaned.date_lines == [("Thứ 5 Ngày 27/06/2019", "before-title")]


def test_seed_004_portal_line_date_and_upper_case_byline():
    """Portal name → source_lines; section label dropped; "QUỐC TRINH" is the byline."""
    cleaned = _clean_seed("004")
    assert cleaned.source_lines == ["Cổng thông tin điện tử Kiên Giang"]
    assert "Hoạt động của lãnh đạo tỉnh" in cleaned.removed
    assert cleaned.date_lines == [("(08:34 | 28/05/2019)", "after-title")]
    assert cleaned.byline == "QUỐC TRINH"
    assert cleaned.signature == ""


def test_clean_is_harmless_on_clean_text():
    """Already-clean prose (no title, no chrome) comes back unchanged."""
    text = ("Ngày 10/02/2020, Trung tâm đã ban hành Kế hoạch số 01/KH-GDNN-GDTX.\n\n"
            "Nhằm mục đích nâng cao ý thức của cán bộ, giáo viên và học sinh.")
    cleaned = clean_page(text)
    assert cleaned.text == text
    assert (cleaned.title, cleaned.byline, cleaned.removed) == ("", "", [])


def test_title_hint_matches_split_heading():
    """A daksong body whose first two lines are the front-matter title: title, not text."""
    text = ("Đảng bộ quân sự huyện tổ chức\n\nhội nghị ra nghị quyết lãnh đạo nhiệm vụ 6 tháng "
            "cuối năm 2019\n\nNgày 6/8/2019, Đảng bộ quân sự huyện tổ chức hội nghị.\n\nKim Ngân")
    cleaned = clean_page(text, "Đảng bộ quân sự huyện tổ chức hội nghị ra nghị quyết lãnh đạo "
                               "nhiệm vụ 6 tháng cuối năm 2019")
    assert cleaned.text == "Ngày 6/8/2019, Đảng bộ quân sự huyện tổ chức hội nghị."
    assert cleaned.byline == "Kim Ngân"


def test_dantri_title_repeat_caption_and_dateline():
    """dantri: title line (hint) out; its repeat + caption out; "Dân trí" lead → source."""
    path = DATA / "dantri" / "news_society_005.txt"
    body = path.read_text(encoding="utf-8").split("\n", 3)[3]
    title = "Ngành tư pháp đón nhận Huân chương Lao động hạng Nhất"
    cleaned = clean_page(body, title)
    assert cleaned.title == title
    assert title not in cleaned.text
    assert "Chủ tịch Quốc hội Nguyễn Thị Kim Ngân trao Huân chương Lao động hạng Nhất cho ngành tư pháp." \
        not in cleaned.text
    assert "Sáng 1/11, thay mặt lãnh đạo Đảng và Nhà nước" in cleaned.text


def test_same_sentence_far_apart_is_kept():
    """Only adjacent repeats are dropped: a sentence repeated later is real content."""
    text = ("Sức gió mạnh nhất vùng gần tâm bão mạnh cấp 10-11, giật cấp 13.\n"
            "Trong 48 giờ tiếp theo, bão di chuyển theo hướng Tây.\n"
            "Sức gió mạnh nhất vùng gần tâm bão mạnh cấp 10-11, giật cấp 13.")
    assert clean_page(text).text == text


def test_first_line_ending_with_colon_is_not_a_title():
    """A lead-in line ending with ':' followed by short items is content, not a heading."""
    text = "Do đó, bạn nên tránh các thực phẩm sau:\nRượu\nUống rượu làm tăng nguy cơ ung thư."
    cleaned = clean_page(text)
    assert cleaned.title == ""
    assert cleaned.text == text


@pytest.mark.parametrize("line", ["Chủ nhật, ngày 24/11/2024", "Thứ Bảy 26/02/2022 15:14",
                                  "(08:34 | 28/05/2019)", "Thứ 5 Ngày 27/06/2019", "28/05/2020"])
def test_date_lines(line):
    """Standalone date lines in the shapes the corpus uses."""
    assert is_date_line(line)


def test_not_date_lines():
    """A sentence or a document place-date line is content."""
    assert not is_date_line("Ngày 25/02/2022, đồng chí Phạm Xuân Thăng chủ trì hội nghị.")
    assert not is_date_line("Đắk Song, ngày 05 tháng 3 năm 2020")


def test_captions():
    """Only sure captions: a subject + photo verb, one short sentence, no reported speech."""
    assert is_caption("Các đại biểu dự buổi tọa đàm.")
    assert is_caption("Đồng chí Phạm Xuân Thăng, Bí thư Tỉnh ủy chủ trì hội nghị lần thứ 55 của Ban Thường vụ Tỉnh ủy")
    assert not is_caption("Ông Quân cho biết, những dự án thủy điện nhỏ dưới 3MW là dừng.")
    assert not is_caption("Đồng chí Bí thư phát biểu, yêu cầu các ngành kiểm tra, xử lý nghiêm.")


def test_recase_heading_takes_names_from_body():
    """Upper-case heading words take the body's casing for runs found there."""
    body = "Ngày 13/7/2020, đồng chí Dương Văn An - Phó Bí thư Tỉnh ủy chủ trì họp."
    assert recase_heading("Ý KIẾN CỦA ĐỒNG CHÍ DƯƠNG VĂN AN - PHÓ BÍ THƯ TỈNH ỦY", body) == \
        "Ý kiến của đồng chí Dương Văn An - Phó Bí thư Tỉnh ủy"
