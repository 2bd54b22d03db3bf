"""Diacritic restoration learned from the knowledge base's own text."""
from vankien.search.diacritics import Restorer

CORPUS = [
    "Phong trào thi đua Dân vận khéo được triển khai.",
    "Công tác dân vận của chính quyền; dân vận khéo ở cơ sở.",
    "Vận động nhân dân tham gia; vận động quần chúng.",
    "Văn bản của Ủy ban nhân dân huyện Đắk Song. Văn bản chỉ đạo.",
    "Quy chế dân chủ ở cơ sở. Dẫn chứng cụ thể.",
]


def test_restores_from_corpus_pairs(tmp_path):
    r = Restorer.learn(CORPUS)
    assert r.restore("dan van kheo") == "dân vận khéo"
    assert r.restore("van ban cua UBND huyen Dak Song") == "văn bản của UBND huyện Đắk Song"
    assert r.restore("quy che dan chu, van dong") == "quy chế dân chủ, vận động"
    r.save(tmp_path)
    assert Restorer.load(tmp_path).restore("dan van kheo") == "dân vận khéo"


def test_unknown_words_are_kept_and_missing_table_is_harmless(tmp_path):
    assert Restorer.learn(CORPUS).restore("xyz dan") == "xyz dân"
    assert Restorer.load(tmp_path).restore("dan van") == "dan van"


def test_mixed_query_gets_only_its_unmarked_words_restored():
    from vankien.search.query import parse_query
    r = Restorer.learn(CORPUS)
    q = parse_query("văn bản của UBND huyen Dak Song", restore=r.restore)
    assert q.restored == "văn bản của UBND huyện Đắk Song"
    assert q.accented and q.terms.get("b:đắk_song") == 0.5      # exact forms of the guessed words, lower weight
    assert parse_query("văn bản của UBND huyện", restore=r.restore).restored == ""
