"""Result sets on the real sample knowledge base: the cut-off, documents with at most two
passages, counts over the whole set, document numbers answered by the citation graph, the
province comparison and the province filters after the 2025 merger."""
import pytest

from vankien.search.filters import FilterError, make_filter


def _paths(response):
    return {r["document"]["source_path"] for r in response["results"]}


def test_result_set_is_smaller_than_the_raw_ranking(service):
    cut = service.search("dân vận khéo", k=100)
    raw = service.search("dân vận khéo", k=100, cutoff=False)
    assert cut["cutoff"]["applied"] and not raw["cutoff"]["applied"]
    assert 0 < cut["total_passages"] < raw["total_passages"]
    assert "seeds/002_dc6ece5c705b2664.txt" in _paths(cut)      # the text about "Dân vận khéo" stays
    common = service.search("đối thoại với nhân dân", k=100)   # "nhân dân" alone is everywhere
    assert common["total_documents"] < service.search("đối thoại với nhân dân", k=100, cutoff=False)["total_documents"]


def test_nonsense_has_an_empty_result_set(service):
    r = service.search("xyzzy plugh", k=10)
    assert r["results"] == [] and r["total_documents"] == 0 and r["facets"]["province"] == {}


def test_documents_show_at_most_two_passages_and_say_how_many_more(service):
    r = service.search("dân vận", k=100)
    by_doc = {}
    for x in r["results"]:
        by_doc.setdefault(x["rank"], []).append(x)
    assert max(len(v) for v in by_doc.values()) <= 2
    ranks = [x["rank"] for x in r["results"]]
    assert ranks == sorted(ranks)                                   # a document's passages are together
    doc_rank, passages = max(by_doc.items(), key=lambda kv: kv[1][0]["more_in_document"])
    first = passages[0]
    assert first["more_in_document"] == len(first["matched_paragraphs"]) - len(passages) > 0
    marked = service.matching_paragraphs("dân vận", first["document"]["id"])
    assert marked == first["matched_paragraphs"]


def test_counts_are_documents_of_the_whole_set(service):
    r = service.search("dân vận", k=1)
    assert len({x["rank"] for x in r["results"]}) == 1             # one document on the page ...
    assert sum(r["facets"]["province"].values()) == r["total_documents"] > 1   # ... facets over all of them
    assert sum(r["facets"]["year"].values()) == r["total_documents"]


def test_number_query_is_answered_by_citations(service):
    r = service.search("05-CT/TW")
    assert _paths(r) == {"seeds/002_dc6ece5c705b2664.txt"} and r["total_documents"] == 1
    (n,) = r["numbers"]
    (card,) = n["cards"]
    assert n["exact"] and card["symbol"] == "05-CT/TW" and card["citing"] == 1
    assert card["dates"][0][0] == "2016-05-15" and card["issuers"][0][0] == "Bộ Chính trị"
    assert card["by_province"] == {"Hà Tĩnh": 1}
    top = r["results"][0]
    assert [top["text"][s:e] for s, e in top["highlights"] if "05" in top["text"][s:e]] == ["05-CT/TW"]
    assert r["parsed"]["accented"] and r["parsed"]["expansions"] == {}


@pytest.mark.parametrize("typed", ["Chỉ thị 05", "05/CT-TW", "chi thi so 5"])
def test_loosely_typed_numbers_resolve(service, typed):
    r = service.search(typed)
    assert r["numbers"][0]["symbols"] == ["05-CT/TW"] and not r["numbers"][0]["exact"]
    assert _paths(r) == {"seeds/002_dc6ece5c705b2664.txt"}


def test_number_with_words_still_answers_with_the_citing_documents(service):
    r = service.search("Kế hoạch 45-KH/BCĐ kiểm tra quy chế dân chủ năm 2020", mode="lexical")
    assert _paths(r) == {"seeds/001_54feb172a85c259a.txt"}


def test_unknown_number_is_an_empty_answer_that_says_so(service):
    r = service.search("99-CT/TW")
    assert r["results"] == [] and r["numbers"][0]["cards"] == [] and r["numbers"][0]["typed"] == "99-CT/TW"


def test_compare_counts_the_whole_set_with_shares(service):
    c = service.compare("dân vận")
    assert sum(p["documents"] for p in c["provinces"]) == c["total_documents"]
    for p in c["provinces"]:
        assert 0 < p["documents"] <= p["held"] and p["share"] == p["documents"] / p["held"]
        assert sum(p["by_year"].values()) == p["documents"]
        assert len({x["rank"] for x in p["results"]}) <= 5


def test_province_as_named_then_or_its_2025_unit(service):
    daksong = service.search("thông báo", make_filter(province="Đắk Nông"), k=100)
    assert daksong["results"] and {x["document"]["province"] for x in daksong["results"]} == {"Đắk Nông"}
    assert "thuộc Lâm Đồng" in daksong["filter_notes"][0]["text"]
    unit = service.search("thông báo", make_filter(province_2025="Lâm Đồng"), k=100)
    assert _paths(unit) == _paths(daksong)                          # Đắk Nông documents, under the new unit
    assert "gồm cả Đắk Nông, Bình Thuận" in unit["filter_notes"][0]["text"]
    assert service.search("thông báo", make_filter(province="Lâm Đồng"), k=100)["results"] == []


def test_a_district_is_not_a_province():
    with pytest.raises(FilterError, match="huyện.*Đắk Nông"):
        make_filter(province="Đắk Song")
    with pytest.raises(FilterError, match="không phải tên tỉnh"):
        make_filter(province="Atlantis")
