"""Citation parsing on real sentences from the seeds and the Đắk Song portal."""
import pytest

from vankien.ingest.references import canonical_symbol, find_references, find_symbols, issuer_level


def test_party_reference_with_date_and_issuer():
    [ref] = find_references("thực hiện Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị về đẩy mạnh")
    assert (ref.kind, ref.number, ref.symbol) == ("chỉ thị", "05", "05-CT/TW")
    assert (ref.issuer_level, ref.issuer, ref.date) == ("trung-uong", "Bộ Chính trị", "2016-05-15")
    assert ref.raw.startswith("Chỉ thị số 05-CT/TW")


def test_two_references_in_one_phrase():
    refs = find_references("Quyết định số 217-QĐ/TW, Quyết định số 218-QĐ/TW của Bộ Chính trị")
    assert [r.symbol for r in refs] == ["217-QĐ/TW", "218-QĐ/TW"]
    assert all(r.kind == "quyết định" for r in refs)


def test_nay_la_and_qdi():
    text = ("Quy chế số 08-QC/TU, nay là Quy chế số 03-QC/TU; Quy định số 11-QĐi/TW, ngày 18/2/2019; "
            "Kế hoạch số 45-KH/BCĐ, ngày 28/02/2020 của Ban Chỉ đạo tỉnh đảm bảo đúng thực chất")
    refs = {r.symbol: r for r in find_references(text)}
    assert list(refs) == ["08-QC/TU", "03-QC/TU", "11-QĐi/TW", "45-KH/BCĐ"]
    assert refs["11-QĐi/TW"].kind == "quy định" and refs["11-QĐi/TW"].date == "2019-02-18"
    assert refs["45-KH/BCĐ"].issuer_level == "ban-chi-dao"
    assert refs["45-KH/BCĐ"].issuer == "Ban Chỉ đạo tỉnh"
    assert refs["08-QC/TU"].issuer_level == "tinh"


@pytest.mark.parametrize("text, symbol, kind, level", [
    ("Nghị định số 158/2007/NĐ-CP, ngày 27/10/2007 của Chính phủ", "158/2007/NĐ-CP", "nghị định", "chinh-phu"),
    ("theo 02/PA-UBND", "02/PA-UBND", "phương án", "chinh-quyen-dia-phuong"),
    ("Nghị quyết 06/NQ-HĐND", "06/NQ-HĐND", "nghị quyết", "chinh-quyen-dia-phuong"),
    ("01/KH-GDNN-GDTX", "01/KH-GDNN-GDTX", "kế hoạch", ""),
    ("Công điện 03/CĐ-CT", "03/CĐ-CT", "công điện", ""),
    ("Thông báo số 81/TB-VPCP", "81/TB-VPCP", "thông báo", "chinh-phu"),
    ("Luật Tổ chức chính quyền địa phương số 77/2015/QH13", "77/2015/QH13", "luật", "quoc-hoi"),
    ("Quyết định số 26/2019/QĐ-TTg", "26/2019/QĐ-TTg", "quyết định", "thu-tuong"),
    ("Công văn số 1567-CV/TU, ngày 16/02/2023", "1567-CV/TU", "công văn", "tinh"),
    ("Kết luận số 29-KL/TU, ngày 22/7/2021", "29-KL/TU", "kết luận", "tinh"),
    ("Văn bản số 108/UBND-NV", "108/UBND-NV", "công văn", "chinh-quyen-dia-phuong"),
    ("Hướng dẫn số 02-HD/HU", "02-HD/HU", "hướng dẫn", "huyen"),
    ("Thông tư số 01/2020/TT-BNV", "01/2020/TT-BNV", "thông tư", "bo"),
])
def test_state_and_party_families(text, symbol, kind, level):
    [ref] = find_references(text)
    assert (ref.symbol, ref.kind, ref.issuer_level) == (symbol, kind, level)


def test_dedup_keeps_most_informative_and_excludes_own_number():
    text = ("theo Kết luận 01-KL/TW. Kết luận số 01-KL/TW, ngày 18/5/2021 của Bộ Chính trị. "
            "Phương án 02/PA-UBND này")
    refs = find_references(text, exclude="02/PA-UBND")
    assert len(refs) == 1 and refs[0].date == "2021-05-18" and refs[0].issuer == "Bộ Chính trị"


def test_no_false_positives_on_dates_and_abbreviations():
    assert find_references("Ngày 26/02/2022, KT-XH, COVID-19, giai đoạn 2021-2025, QCDC") == []


def test_seed_002_symbols(data_dir):
    text = (data_dir / "seeds" / "002_dc6ece5c705b2664.txt").read_text(encoding="utf-8")
    assert [r.symbol for r in find_references(text)] == [
        "12-NQ/TU", "01-KL/TW", "05-CT/TW", "29-KL/TU", "1567-CV/TU", "11-QĐi/TW", "657-QĐ/TU"]


@pytest.mark.parametrize("raw, canonical", [
    ("Số 01/2018/QĐ-UBND", "01/2018/QĐ-UBND"),
    ("1388/QD - UBND", "1388/QĐ-UBND"),
    ("298 - CV/BTGHU", "298-CV/BTGHU"),
    ("11-qđi/tw", "11-QĐi/TW"),
    ("20/NQ-HDND", "20/NQ-HĐND"),
    ("26/2019/qđ-ttg", "26/2019/QĐ-TTg"),
])
def test_canonical_symbol(raw, canonical):
    assert canonical_symbol(raw) == canonical


def test_find_symbols_in_queries():
    assert find_symbols("Kế hoạch 45-KH/BCĐ") == ["45-KH/BCĐ"]
    assert find_symbols("chỉ thị 05-ct/tw và 11-QĐi/TW") == ["05-CT/TW", "11-QĐi/TW"]
    assert find_symbols("công điện 03/CĐ-CT") == ["03/CĐ-CT"]
    assert find_symbols("dân vận khéo 2020") == []


def test_issuer_level_suffixes():
    assert issuer_level("01-NQ/ĐU") == "dang-uy"
    assert issuer_level("12/NQ-HĐND") == "chinh-quyen-dia-phuong"
    assert issuer_level("5-KH/BDVTU") == "tinh"
