"""The evidence a passage gives for a query (coverage), the cut-off rules, highlighting, and the
set-level evaluation metrics."""
from vankien.search.cutoffs import CUTOFFS, cutoffs_for, passes
from vankien.search.evaluate import set_metrics
from vankien.search.numbers import pattern
from vankien.search.present import highlight_spans
from vankien.search.query import parse_query
from vankien.search.relevance import query_units

# idf stand-in: rare words weigh more, as in the index ("khéo" is rarer than "dân")
IDF = {"s:dân": 0.2, "s:vận": 1.0, "s:khéo": 3.0, "b:dân_vận": 1.5, "b:vận_khéo": 4.0}


def _idf(terms):
    return [IDF.get(t, 1.0) for t in terms]


def test_coverage_weighs_rare_units_and_needs_adjacent_pairs():
    units = query_units(parse_query("dân vận khéo"), _idf)
    assert units.coverage("phong trào “Dân vận khéo” ở cơ sở") == 1.0
    partial = units.coverage("công tác dân vận chính quyền")          # no "khéo": most of the weight missing
    scattered = units.coverage("khéo léo vận động người dân")        # the words, not the phrase
    assert partial < 0.35 and scattered < 0.5
    assert units.coverage("dân vận. Khéo") < 1.0                      # a pair never spans punctuation


def test_abbreviation_and_expansion_cover_each_other():
    abbr = {"QCDC": {"quy chế dân chủ"}}
    units = query_units(parse_query("thực hiện QCDC", abbr), lambda ts: [1.0] * len(ts))
    assert units.coverage("thực hiện quy chế dân chủ ở cơ sở") > 0.75
    units = query_units(parse_query("quy chế dân chủ", abbr), lambda ts: [1.0] * len(ts))
    assert units.coverage("xây dựng QCDC") == 1.0


def test_unaccented_query_covers_on_folded_text():
    units = query_units(parse_query("dan van kheo"), lambda ts: [1.0] * len(ts))
    assert units.folded and units.coverage("Phong trào Dân vận khéo") == 1.0


def test_terms_absent_from_the_index_do_not_count():
    units = query_units(parse_query("dân vận xyzzy"), lambda ts: [0.0 if "xyzzy" in t else 1.0 for t in ts])
    assert units.coverage("công tác dân vận") == 1.0


def test_rules_any_of_minimums():
    rules = [{"coverage": 0.7}, {"similarity": 0.88}, {"coverage": 0.4, "similarity": 0.85}]
    assert passes(rules, 0.75, None) and passes(rules, 0.0, 0.9) and passes(rules, 0.5, 0.86)
    assert not passes(rules, 0.5, 0.84) and not passes(rules, 0.1, None)
    assert passes(None, 0.0, None)                                     # uncalibrated: no cut-off


def test_cutoff_table_has_a_documented_default():
    key, rules = cutoffs_for({"backend": "some-new-encoder", "model": "x"})
    assert key == "default" and rules is CUTOFFS["default"] and rules["dense"] is None
    assert all("similarity" not in r for r in rules["hybrid"])         # unknown scale: no similarity rule


def test_highlight_does_not_fold_an_accented_query():
    text = "trên địa bàn hành chính của tỉnh; ban hành quy chế"
    spans = highlight_spans(text, parse_query("ban hành").highlight_segments)
    assert [text[s:e] for s, e in spans] == ["ban hành"]
    spans = highlight_spans(text, parse_query("ban hanh").highlight_segments, folded=True)
    assert "bàn hành" in [text[s:e] for s, e in spans]                 # typed without marks: folded is all we have


def test_number_is_highlighted_whole():
    text = "thực hiện Chỉ thị số 05-CT/TW của Trung ương"
    q = parse_query("05-CT/TW", {"TW": {"Trung ương"}})
    spans = highlight_spans(text, q.highlight_segments, patterns=[pattern("05-CT/TW")])
    assert [text[s:e] for s, e in spans] == ["05-CT/TW"]


def test_set_metrics_count_copies_once_and_empty_sets_apart():
    relevant = {"a.txt": 2, "b.txt": 1, "c.txt": 2}
    docs = [{"id": 1, "source_path": "a.txt", "copy_group": 7}, {"id": 2, "source_path": "a-copy.txt", "copy_group": 7},
            {"id": 3, "source_path": "b.txt", "copy_group": 8}, {"id": 4, "source_path": "x.txt", "copy_group": 9}]
    m = set_metrics(docs, relevant)
    assert m["set_size"] == 3 and m["set_precision"] == 2 / 3 and m["set_recall"] == 2 / 3
    empty = set_metrics([], relevant)
    assert empty["set_precision"] is None and empty["set_recall"] == 0.0 and empty["set_size"] == 0

