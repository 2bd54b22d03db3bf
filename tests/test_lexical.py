"""BM25 over Vietnamese: exact forms first, folded forms for unaccented queries, bigrams, numbers."""
import numpy as np

from vankien.search.lexical import LexicalIndex
from vankien.search.query import parse_query
from vankien.search.tokenize import symbols, term_counts

TEXTS = {
    1: "Phong trào thi đua Dân vận khéo được triển khai sâu rộng ở cơ sở.",
    2: "Đường giao thông nông thôn được mở rộng; dương liễu trồng hai bên.",
    3: "Thực hiện Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị.",
    4: "Vận động nhân dân khéo léo, dân chủ, công khai.",
    5: "Quy chế dân chủ ở cơ sở (QCDC) được thực hiện nghiêm.",
}


def _index():
    return LexicalIndex.build(TEXTS.keys(), TEXTS.values())


def _top(index, query, n=1):
    scores = index.scores(parse_query(query).terms)
    order = np.argsort(-scores)[:n]
    return [int(index.row_ids[i]) for i in order if scores[i] > 0]


def test_terms_have_both_forms_bigrams_and_numbers():
    terms = term_counts("Dân vận khéo theo Chỉ thị 05-CT/TW.")
    assert {"s:dân", "f:dan", "b:dân_vận", "fb:dan_van", "n:05-ct/tw"} <= set(terms)
    assert "b:khéo_theo" in terms and "b:tw_." not in terms
    assert symbols("Nghị định số 158/2007/NĐ-CP và Quy định 11-QĐi/TW") == ["158/2007/nđ-cp", "11-qđi/tw"]


def test_unaccented_query_finds_accented_text():
    assert _top(_index(), "dan van kheo") == [1]


def test_accented_query_prefers_exact_forms_over_folded_collisions():
    # "đường" and "dương" fold to different words, but "duong" matches both folded
    assert _top(_index(), "đường giao thông") == [2]
    index = LexicalIndex.build([1, 2], ["Đường làng sạch đẹp.", "Dương liễu xanh tươi."])
    assert _top(index, "đường") == [1]


def test_bigrams_reward_the_multi_syllable_word():
    # paragraph 1 has "dân vận" as a word; paragraph 4 has "vận động nhân dân": same syllables
    assert _top(_index(), "dân vận", n=2)[0] == 1


def test_document_number_matches_exactly():
    assert _top(_index(), "05-CT/TW") == [3]
    assert _top(_index(), "05-ct/tw") == [3]


def test_save_load_round_trip(tmp_path):
    index = _index()
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    q = parse_query("quy chế dân chủ").terms
    assert np.allclose(loaded.scores(q), index.scores(q))
    assert LexicalIndex.exists(tmp_path)


def test_empty_index_scores_nothing():
    index = LexicalIndex.build([], [])
    assert len(index.scores(parse_query("dân vận").terms)) == 0
