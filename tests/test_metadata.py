"""Metadata extraction on the five seeds, Đắk Song register records, dantri and baomoi items.

Cleaned objects are built by hand as the cleaning stage would give them (chrome lines, the
page's date lines, source lines and the signature block taken out of the text).
"""
from pathlib import Path

import pytest

from vankien.ingest.metadata import extract_metadata, find_abbreviations, normalize_issuer
from vankien.ingest.model import Cleaned, Metadata, RawDocument

SEEDS = Path(__file__).parent / "data" / "seeds"


def _seed(name: str, title: str = "", drop: tuple[str, ...] = (), cut: str = "", **parts) -> Metadata:
    text = (SEEDS / name).read_text(encoding="utf-8")
    if cut:
        text = text[:text.index(cut)]
    lines = [l for l in text.split("\n") if l.strip() not in drop]
    raw = RawDocument(f"seeds/{name}", text, "text", "0" * 64)
    return extract_metadata(raw, Cleaned(text="\n".join(lines), title=title, **parts))


def _symbols(meta) -> list[str]:
    return [r.symbol for r in meta.references]


def test_seed_000_hai_duong_meeting():
    title = "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 55"
    meta = _seed("000_faee312784e05641.txt", title,
                 drop=("Chủ nhật, ngày 24/11/2024", title, "Thứ Bảy 26/02/2022 15:14",
                       "Xem với cỡ chữ", "Trần Linh", "CÁC BÀI VIẾT KHÁC:"),
                 date_lines=[("Chủ nhật, ngày 24/11/2024", "before-title"),
                             ("Thứ Bảy 26/02/2022 15:14", "after-title")],
                 byline="Trần Linh")
    assert meta.title == title
    assert (meta.date, meta.date_source) == ("2022-02-26", "article-line")
    assert (meta.province, meta.province_2025) == ("Hải Dương", "Hải Phòng")
    assert meta.doc_type == "hoi-nghi"
    assert _symbols(meta) == ["08-QC/TU", "03-QC/TU"]


def test_seed_000_page_date_alone_is_checked_against_body():
    """Only the chrome's 2024 date before the title: the body's dates are 2022, so it is
    rejected and the opening sentence's meeting date is used instead."""
    meta = _seed("000_faee312784e05641.txt", "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 55",
                 drop=("Chủ nhật, ngày 24/11/2024", "Thứ Bảy 26/02/2022 15:14"),
                 date_lines=[("Chủ nhật, ngày 24/11/2024", "before-title")])
    assert (meta.date, meta.date_source) == ("2022-02-25", "opening")


def test_seed_001_conclusion_notice():
    meta = _seed("001_54feb172a85c259a.txt", cut="Nơi nhận:",
                 signature="PHÓ BÍ THƯ\nkiêm\nTRƯỞNG BAN CHỈ ĐẠO\n\nDương Văn An")
    assert meta.title.startswith("THÔNG BÁO Ý KIẾN KẾT LUẬN CỦA ĐỒNG CHÍ DƯƠNG VĂN AN")
    assert (meta.date, meta.date_source) == ("2020-07-13", "opening")
    assert (meta.province, meta.province_2025) == ("unknown", "")
    assert meta.doc_type == "thong-bao-ket-luan"
    assert meta.signer == "Dương Văn An"
    assert meta.issuer == "Ban Chỉ đạo thực hiện quy chế dân chủ ở cơ sở của tỉnh"
    assert _symbols(meta) == ["217-QĐ/TW", "218-QĐ/TW", "45-KH/BCĐ"]
    assert meta.abbreviations["QCDC"] == "quy chế dân chủ"
    assert meta.abbreviations["Ban Chỉ đạo tỉnh"].startswith("Ban Chỉ đạo thực hiện quy chế dân chủ")


def test_seed_001_signer_from_title_without_signature():
    meta = _seed("001_54feb172a85c259a.txt", cut="Nơi nhận:")
    assert meta.signer == "Dương Văn An"


def test_seed_002_ha_tinh_news_about_a_directive():
    title = "Tiếp tục tăng cường, đổi mới công tác dân vận chính quyền trong tình hình mới"
    meta = _seed("002_dc6ece5c705b2664.txt", title, drop=(title,), source_lines=["(Baohatinh.vn)"])
    assert meta.date == ""                      # the page carries no date of its own
    assert (meta.outlet, meta.province, meta.province_2025) == ("Báo Hà Tĩnh", "Hà Tĩnh", "Hà Tĩnh")
    assert meta.doc_type == "tin-tuc"           # reports a chỉ thị, is not the chỉ thị
    assert _symbols(meta) == ["12-NQ/TU", "01-KL/TW", "05-CT/TW", "29-KL/TU", "1567-CV/TU",
                              "11-QĐi/TW", "657-QĐ/TU"]


def test_seed_003_ha_nam_seminar():
    title = "Tọa đàm “Nâng cao chất lượng thực hiện quy chế dân chủ ở cơ sở trên địa bàn tỉnh”"
    meta = _seed("003_aa0692512a3fbb4d.txt", title,
                 drop=("Thứ 5 Ngày 27/06/2019", title, "Nguồn Báo Hà Nam", "Các tin khác"),
                 date_lines=[("Thứ 5 Ngày 27/06/2019", "before-title")],
                 source_lines=["Nguồn Báo Hà Nam"])
    assert meta.date == "2019-06-27"
    assert (meta.outlet, meta.province, meta.province_2025) == ("Báo Hà Nam", "Hà Nam", "Ninh Bình")
    assert meta.doc_type == "hoi-nghi"
    assert _symbols(meta) == []
    assert meta.abbreviations == {"BCĐ": "Ban Chỉ đạo", "QCDC": "quy chế dân chủ",
                                  "TTHC": "thủ tục hành chính"}


def test_seed_004_kien_giang_portal():
    title = "Góp phần thực hiện thắng lợi các mục tiêu phát triển kinh tế, xã hội của tỉnh"
    meta = _seed("004_d472c7bf82f4cd97.txt", title,
                 drop=("Hoạt động của lãnh đạo tỉnh", "Xem với cỡ chữAA", title,
                       "(08:34 | 28/05/2019)", "QUỐC TRINH"),
                 date_lines=[("(08:34 | 28/05/2019)", "after-title")])
    assert meta.date == "2019-05-28"
    assert meta.outlet == "Cổng thông tin điện tử Kiên Giang"
    assert (meta.province, meta.province_2025) == ("Kiên Giang", "An Giang")
    assert meta.doc_type == "hoi-nghi"
    assert meta.abbreviations["NDVCQ"] == "Năm dân vận chính quyền"
    assert meta.abbreviations["BDVTU"] == "Ban Dân vận Tỉnh ủy"


def _record(text: str = "", **fields) -> Metadata:
    return extract_metadata(RawDocument("daksong/content/x.md", text, "frontmatter", "0" * 64,
                                        fields=fields), Cleaned(text=text))


def test_daksong_register_record_state_plan():
    title = ("Phương án Về việc định kỳ chuyển đổi vị trí công tác đối với Kế toán đơn vị sự nghiệp "
             "giáo dục theo Nghị định số 158/2007/NĐ-CP, ngày 27/10/2007 của Chính phủ")
    meta = _record(title=title, date="2020-05-28T03:32:00.000Z", trich_yeu=title,
                   issuer="UBND huyện Đắk Song", issued_date="27/05/2020", doc_number="02/PA-UBND",
                   category="van-ban-phap-luat.van-ban-cua-huyen")
    assert (meta.date, meta.date_source) == ("2020-05-27", "issued-field")
    assert (meta.doc_number, meta.doc_type) == ("02/PA-UBND", "phuong-an")
    assert (meta.province, meta.province_2025) == ("Đắk Nông", "Lâm Đồng")
    assert meta.abstract == title
    [ref] = meta.references
    assert (ref.symbol, ref.issuer_level, ref.date) == ("158/2007/NĐ-CP", "chinh-phu", "2007-10-27")


def test_daksong_resolution_issuer_case():
    meta = _record(title="Nghị quyết về việc thông qua Đồ án điều chỉnh quy hoạch chung thị trấn Đức An",
                   issuer="HỘI ĐỒNG NHÂN DÂN HUYỆN ĐẮK SONG", issued_date="12/03/2020",
                   doc_type="Nghị quyết")
    assert meta.issuer == "Hội đồng nhân dân huyện Đắk Song"
    assert (meta.doc_type, meta.date, meta.province) == ("nghi-quyet", "2020-03-12", "Đắk Nông")


def test_daksong_invitation_number_from_title():
    title = ("Giấy mời số 88/GM-UBND ngày 29/6/2016 của UBND huyện V/v Họp bàn biện pháp đẩy nhanh "
             "tiến độ thực hiện tiêu chí XDNTM xã Cư Knia năm 2016")
    meta = _record(title=title, description=title, date="13-09-2016",
                   url="https://daksong.daknong.gov.vn/giay-moi")
    assert (meta.doc_number, meta.doc_type) == ("88/GM-UBND", "giay-moi")
    assert (meta.date, meta.date_source) == ("2016-09-13", "field")
    assert meta.outlet.startswith("Trang Thông Tin Điện Tử huyện Đăk Song")
    assert meta.province == "Đắk Nông" and meta.references == []


def test_daksong_news_about_a_plan_is_news():
    meta = _record(title="Trung tâm GDNN-GDTX huyện Đắk Song lập kế hoạch phòng, chống dịch bệnh "
                         "viêm đường hô hấp cấp do chủng mới của Virus Corona (2019-nCoV)",
                   date="2020-02-16T00:05:00.000Z")
    assert (meta.doc_type, meta.date, meta.province) == ("tin-tuc", "2020-02-16", "Đắk Nông")


def _dantri(url: str, date: str, title: str, body: str) -> Metadata:
    return extract_metadata(RawDocument("dantri/x.txt", body, "header", "0" * 64,
                                        fields={"url": url, "date": date, "title": title}),
                            Cleaned(text=body))


def test_dantri_local_story_gets_its_province():
    meta = _dantri("https://dantri.com.vn/xa-hoi/ha-noi-thanh-nien-20-tuoi-dot-tu-trong-quan-game-20201218141249485.htm",
                   "20201218", "Hà Nội: Thanh niên 20 tuổi đột tử trong quán game",
                   "Sự việc xảy ra vào khoảng 10h sáng nay 18/12, tại một quán game online ở ngõ 36 "
                   "Giang Văn Minh, phường Kim Mã, quận Ba Đình, TP Hà Nội.\n\n\"Qua xác minh, nam "
                   "thanh niên tử vong quê ở tỉnh Hà Giang, sinh năm 2000.")
    assert (meta.date, meta.outlet, meta.province, meta.doc_type) == (
        "2020-12-18", "Dân trí", "Hà Nội", "tin-tuc")


def test_dantri_national_story_stays_unknown():
    meta = _dantri("https://dantri.com.vn/xa-hoi/nguoi-viet-co-the-di-du-lich-singapore-tu-810-20201001163601390.htm",
                   "20201001", "Người Việt có thể đi du lịch Singapore từ 8/10",
                   "Ngày 30/9, Singapore đã công bố quyết định mở cửa biên giới cho du khách Việt Nam "
                   "từ ngày 8/10.\n\nThông tin được đặt ra với người phát ngôn Bộ Ngoại giao tại cuộc "
                   "họp báo chiều 1/10.")
    assert (meta.province, meta.province_2025, meta.doc_type) == ("unknown", "", "tin-tuc")


def test_baomoi_row():
    meta = extract_metadata(
        RawDocument("baomoi/articles.csv", "Ít nhất 4 người tử vong, 3 người bị thương trong vụ cháy "
                    "tại xưởng tái chế phế liệu ở Hưng Yên xảy ra chiều 28/6.", "csv", "0" * 64, row=1,
                    fields={"title": "Hưng Yên: Hiện trường vụ cháy xưởng tái chế kim loại, 4 người chết",
                            "date": "2025-06-28T23:43:45+07:00", "author": "(Nguồn: TTXVN)",
                            "url": "https://baomoi.com/hung-yen-hien-truong-vu-chay-c52625163.epi"}),
        Cleaned(text=""))
    assert (meta.date, meta.outlet, meta.province, meta.province_2025) == (
        "2025-06-28", "Báo Mới", "Hưng Yên", "Hưng Yên")


def test_title_falls_back_to_first_line_and_is_trimmed():
    meta = _record(text="Dòng đầu " * 120 + "\n\nđoạn hai")
    assert meta.title.endswith("…") and len(meta.title) <= 401


@pytest.mark.parametrize("raw, expected", [
    ("HỘI ĐỒNG NHÂN DÂN HUYỆN ĐẮK SONG", "Hội đồng nhân dân huyện Đắk Song"),
    ("UBND HUYỆN ĐẮK SONG", "UBND huyện Đắk Song"),
    ("Ban Tuyên Giáo Huyện Ủy Đắk Song", "Ban Tuyên Giáo Huyện Ủy Đắk Song"),
])
def test_normalize_issuer(raw, expected):
    assert normalize_issuer(raw) == expected


def test_abbreviation_definitions():
    text = ("Ban Chỉ đạo thực hiện quy chế dân chủ cơ sở của tỉnh (gọi tắt là Ban Chỉ đạo tỉnh); "
            "“Năm dân vận chính quyền” (NDVCQ); Ủy ban nhân dân (UBND); xã (ảnh minh họa)")
    assert find_abbreviations(text) == {
        "Ban Chỉ đạo tỉnh": "Ban Chỉ đạo thực hiện quy chế dân chủ cơ sở của tỉnh",
        "NDVCQ": "Năm dân vận chính quyền", "UBND": "Ủy ban nhân dân"}
