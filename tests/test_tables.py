"""Reference tables: completeness of the province map and the lookup helpers."""
import csv

from vankien.ingest import tables


def test_63_provinces_map_onto_34_units():
    names = {p.name for p in tables.provinces()}
    units = {u["name"] for u in tables.provinces_2025()}
    assert len(names) == 63 and len(units) == 34
    assert {p.province_2025 for p in tables.provinces()} == units
    merged = [n for u in tables.provinces_2025() for n in u["merged_from"].split(";")]
    assert sorted(merged) == sorted(names)
    assert sum(u["kind"] == "thanh-pho" for u in tables.provinces_2025()) == 6


def test_slugs_are_folded_names():
    for p in tables.provinces():
        assert p.slug == p.slug.lower() and " " not in p.slug and p.slug.isascii()


def test_province_2025_examples():
    assert tables.province_2025("Hải Dương") == "Hải Phòng"
    assert tables.province_2025("Đăk Nông") == "Lâm Đồng"
    assert tables.province_2025("Hà Nam") == "Ninh Bình"
    assert tables.province_2025("Kiên Giang") == "An Giang"
    assert tables.province_2025("Hà Tĩnh") == "Hà Tĩnh"
    assert tables.province_2025("Thừa Thiên - Huế") == "Huế"
    assert tables.province_2025("Atlantis") == ""


def test_province_by_alias():
    assert tables.province_by_alias("Đăk Nông") == "Đắk Nông"
    assert tables.province_by_alias("dak nong") == "Đắk Nông"
    assert tables.province_by_alias("TP.HCM") == "Thành phố Hồ Chí Minh"
    assert tables.province_by_alias("Sài Gòn") == "Thành phố Hồ Chí Minh"
    assert tables.province_by_alias("tỉnh Hà Tĩnh") == "Hà Tĩnh"
    assert tables.province_by_alias("Atlantis") is None


def test_find_provinces_counts_names_and_districts():
    text = ("Tỉnh ủy Hải Dương họp; huyện Đắk Song, tỉnh Đắk Nông; HẢI DƯƠNG; "
            "kỷ niệm chiến thắng Điện Biên Phủ; tư tưởng Hồ Chí Minh")
    assert tables.find_provinces(text) == [("Hải Dương", 2), ("Đắk Nông", 2)]


def test_find_provinces_longest_alias_wins():
    assert tables.find_provinces("tỉnh Thừa Thiên Huế") == [("Thừa Thiên Huế", 1)]


def test_outlets_by_domain_and_name():
    assert tables.outlet_by_domain("https://baohatinh.vn/a.html").name == "Báo Hà Tĩnh"
    assert tables.outlet_by_domain("www.baohanam.com.vn").province == "Hà Nam"
    assert tables.outlet_by_domain("daksong.daknong.gov.vn").name.startswith("Trang Thông Tin")
    assert tables.outlet_by_domain("https://dantri.com.vn/xa-hoi/x.htm").province == ""
    assert tables.outlet_by_domain("example.org") is None
    assert tables.outlet_by_name("(Baohatinh.vn)").name == "Báo Hà Tĩnh"
    assert tables.outlet_by_name("Nguồn Báo Hà Nam").name == "Báo Hà Nam"
    assert tables.outlet_by_name("Cổng thông tin điện tử Kiên Giang").province == "Kiên Giang"
    assert tables.outlet_by_name("Trần Linh") is None


def test_outlet_provinces_exist():
    names = {p.name for p in tables.provinces()}
    assert all(o.province in names for o in tables.outlets() if o.province)


def test_doc_types_cover_required_slugs():
    slugs = {t.slug for t in tables.doc_types()}
    assert {"thong-bao-ket-luan", "chi-thi", "ke-hoach", "quy-che", "quy-dinh", "huong-dan",
            "nghi-quyet", "bao-cao", "cong-van", "quyet-dinh", "thong-bao", "giay-moi",
            "phuong-an", "cong-dien", "to-trinh", "hoi-nghi", "tin-tuc"} <= slugs
    codes = {c for t in tables.doc_types() for c in t.symbols}
    assert {"CT", "KH", "QC", "QĐi", "KL", "NQ", "BC", "CV", "QĐ", "TB", "HD", "GM", "PA",
            "CĐ", "TTr"} <= codes


def test_abbreviations():
    rows = tables.abbreviations()
    assert len(rows) >= 60
    by = {a.abbr: a.expansion for a in rows}
    assert by["QCDC"] == "quy chế dân chủ" and by["NDVCQ"] == "Năm dân vận chính quyền"
    assert next(a for a in rows if a.abbr == "BCĐ").folded == "bcd"


def test_tables_dir_env_override(tmp_path, monkeypatch):
    with open(tmp_path / "doc_types.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["slug", "label", "symbols", "cues"], ["x", "X", "", ""]])
    monkeypatch.setenv("VANKIEN_TABLES", str(tmp_path))
    tables.doc_types.cache_clear()
    try:
        assert [t.slug for t in tables.doc_types()] == ["x"]
    finally:
        monkeypatch.delenv("VANKIEN_TABLES")
        tables.doc_types.cache_clear()
