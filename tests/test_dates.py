"""Vietnamese and machine date formats found in the corpus."""
import pytest

from vankien.ingest.dates import find_dates, make_date, parse_date


@pytest.mark.parametrize("text, iso", [
    ("26/02/2022", "2022-02-26"),
    ("26-02-2022", "2022-02-26"),
    ("ngày 25 tháng 02 năm 2022", "2022-02-25"),
    ("Hải Dương, ngày 5 tháng 3 năm 2020", "2020-03-05"),
    ("Thứ Bảy 26/02/2022 15:14", "2022-02-26"),
    ("(08:34 | 28/05/2019)", "2019-05-28"),
    ("Thứ 5 Ngày 27/06/2019", "2019-06-27"),
    ("Chủ nhật, ngày 24/11/2024", "2024-11-24"),
    ("2020-02-24T06:00:00.000Z", "2020-02-24"),
    ("2025-06-28T23:43:45+07:00", "2025-06-28"),   # local calendar date kept, no UTC shift
    ("13-09-2016", "2016-09-13"),
    ("08-02-2018 10:23:33", "2018-02-08"),
    ("20210427", "2021-04-27"),
    ("28/05/2020 10:00:00", "2020-05-28"),
    ("29/6/2021", "2021-06-29"),
])
def test_parse_date_formats(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", [
    "", "31/02/2020", "29/02/2021", "13/13/2020", "20211331", "158/2007/NĐ-CP", "Sáng 26/6", "05-CT/TW",
])
def test_parse_date_rejects_impossible_or_partial(text):
    assert parse_date(text) is None


def test_leap_day_accepted():
    assert make_date(2020, 2, 29) == "2020-02-29"
    assert make_date(2021, 2, 29) is None


def test_find_dates_in_order():
    text = "Kế hoạch số 45-KH/BCĐ, ngày 28/02/2020 … ngày 13 tháng 7 năm 2020"
    assert find_dates(text) == ["2020-02-28", "2020-07-13"]
