"""Embedding on Ray: a real two-node Ray cluster on loopback, started and stopped by the test.

The head (127.0.0.2) and a worker node (127.0.0.3) have one CPU each, token authentication
and their own temp folder; `vankien index --ray ADDRESS` embeds on them in a subprocess. A
run killed after its first committed batch resumes from the cache, and every vector equals
the in-process run's. Loopback addresses other than 127.0.0.1 are used because Ray turns
"127.0.0.1" into the machine's network address; all of 127.0.0.0/8 is loopback on Linux.
"""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from vankien.ingest import pipeline, store
from vankien.search.indexer import build_indexes

pytestmark = pytest.mark.slow
HEAD_IP, WORKER_IP = "127.0.0.2", "127.0.0.3"
RAY = Path(sys.executable).with_name("ray")


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _ray_env() -> dict:
    """Every process of the test cluster shares one fresh token (nothing read from ~/.ray)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    return {**env, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
            "RAY_USAGE_STATS_ENABLED": "0"}


def _start_node(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """`ray start … --block` in its own session, so the test can stop exactly what it started."""
    return subprocess.Popen([str(RAY), "start", "--block", "--disable-usage-stats", *args], env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop_node(proc: subprocess.Popen) -> None:
    """SIGTERM the node's session (ray drains and stops its processes), SIGKILL what is left."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            pass
    out = subprocess.run(["ps", "-eo", "pid=,sid=,pgid="], capture_output=True, text=True).stdout
    for line in out.splitlines():
        pid, sid, pgid = map(int, line.split())
        if proc.pid in (sid, pgid) and pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.wait(timeout=10)


def _wait_for_cpus(address: str, env: dict, cpus: int, timeout: float = 120) -> None:
    code = ("import ray, sys, time\n"
            f"ray.init(address={address!r}, logging_level='ERROR')\n"
            f"end = time.time() + {timeout}\n"
            f"while ray.cluster_resources().get('CPU', 0) < {cpus} and time.time() < end:\n"
            "    time.sleep(0.5)\n"
            "print(int(ray.cluster_resources().get('CPU', 0)))\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout + 60)
    assert out.stdout.strip() == str(cpus), out.stderr[-2000:]


@pytest.fixture(scope="module")
def ray_cluster():
    """(address, env) of a running head + worker cluster, one CPU each; stopped afterwards."""
    pytest.importorskip("ray", reason="the ray extra: pip install 'vankien[ray]'")
    temp = Path(tempfile.mkdtemp(prefix="vkray"))       # short: Ray's socket paths must fit 107 bytes
    env = _ray_env()
    port = _free_port(HEAD_IP)
    address = f"{HEAD_IP}:{port}"
    common = ["--num-cpus=1", f"--temp-dir={temp}", "--object-store-memory=100000000"]
    nodes = [_start_node(["--head", f"--port={port}", f"--node-ip-address={HEAD_IP}", "--include-dashboard=false",
                          *common], env, temp / "head.log")]
    try:
        deadline = time.monotonic() + 120
        while not re.search("Ray runtime started", (temp / "head.log").read_text(errors="replace")):
            assert nodes[0].poll() is None and time.monotonic() < deadline, (temp / "head.log").read_text()
            time.sleep(0.5)
        nodes.append(_start_node([f"--address={address}", f"--node-ip-address={WORKER_IP}", *common],
                                 env, temp / "worker.log"))
        _wait_for_cpus(address, env, 2)
        yield address, env
    finally:
        for node in reversed(nodes):
            _stop_node(node)
        shutil.rmtree(temp, ignore_errors=True)


def _vankien(kb: Path, *args: str, env: dict, fault: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vankien", "--lang", "en", "--kb", str(kb), *args],
                          env={**env, "VANKIEN_FAULT": fault}, capture_output=True, text=True, timeout=900)


def _vectors(kb: Path) -> dict[str, np.ndarray]:
    conn = store.connect(kb)
    try:
        return {h: np.frombuffer(v, dtype=np.float32) for h, v in
                conn.execute("SELECT content_hash, vector FROM embeddings")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    data = Path(__file__).parent / "data"
    shutil.copytree(data / "seeds", root / "seeds")
    shutil.copytree(data / "dantri", root / "dantri")
    return root


@pytest.fixture(scope="module")
def local_vectors(tmp_path_factory, corpus, encoder):
    """The reference: the same paragraphs embedded in this process."""
    kb = tmp_path_factory.mktemp("local") / "kb"
    pipeline.run([corpus], kb, progress=False)
    build_indexes(kb, encoder=encoder, progress=False)
    return _vectors(kb)


def test_ray_run_killed_midway_resumes_and_equals_the_local_run(ray_cluster, corpus, local_vectors, tmp_path):
    address, env = ray_cluster
    kb = tmp_path / "kb"
    ingested = _vankien(kb, "ingest", str(corpus), "--no-index", "-q", env=env)
    assert ingested.returncode == 0, ingested.stderr
    total = len(local_vectors)
    assert total > 64                                   # more than two batches of 32

    killed = _vankien(kb, "index", f"--ray={address}", "-q", env=env, fault="embed.batch@1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    done = len(_vectors(kb))
    assert 0 < done < total                              # the first batch was committed, then the driver died

    resumed = _vankien(kb, "ingest", str(corpus), "-q", f"--ray={address}", env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{total - done} embedded now" in resumed.stdout, resumed.stdout
    ray_vectors = _vectors(kb)
    assert ray_vectors.keys() == local_vectors.keys()
    cosines = [float(ray_vectors[h] @ local_vectors[h]) for h in local_vectors]
    assert min(cosines) >= 0.9999

    searched = _vankien(kb, "search", "dân vận khéo", "--json", env=env)
    assert searched.returncode == 0 and '"results"' in searched.stdout


def test_ray_alone_starts_a_private_local_instance(tmp_path, data_dir, local_vectors):
    pytest.importorskip("ray", reason="the ray extra: pip install 'vankien[ray]'")
    kb = tmp_path / "kb"
    root = tmp_path / "c"
    shutil.copytree(data_dir / "seeds", root / "seeds")
    temp = Path(tempfile.mkdtemp(prefix="vkray"))       # the instance's session files go here
    try:
        result = _vankien(kb, "ingest", str(root), "-q", "--ray", env={**_ray_env(), "RAY_TMPDIR": str(temp)})
        raylet_log = "".join(p.read_text(errors="replace") for p in temp.glob("ray/session_*/logs/raylet.out"))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "node_manager address: 127.0.0.1:" in raylet_log      # a private instance stays on loopback
    vectors = _vectors(kb)
    assert vectors and all(float(v @ local_vectors[h]) >= 0.9999 for h, v in vectors.items())


def test_without_ray_the_option_is_a_clear_error(tmp_path, data_dir):
    # `import ray` fails in the child exactly as it does where the extra is not installed
    code = "import sys; sys.modules['ray'] = None; from vankien.cli import main; main()"
    kb = tmp_path / "kb"
    result = subprocess.run([sys.executable, "-c", code, "--lang", "en", "--kb", str(kb), "ingest",
                             str(data_dir / "xss"), "--ray"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "pip install 'vankien[ray]'" in result.stderr and "Traceback" not in result.stderr
    assert not (kb / "kb.sqlite").exists()               # refused before the ingest started


def test_an_address_nobody_listens_on_is_a_clear_error(tmp_path, data_dir):
    pytest.importorskip("ray", reason="the ray extra: pip install 'vankien[ray]'")
    kb = tmp_path / "kb"
    assert _vankien(kb, "ingest", str(data_dir / "xss"), "--no-index", "-q", env=_ray_env()).returncode == 0
    result = _vankien(kb, "index", f"--ray={HEAD_IP}:{_free_port(HEAD_IP)}", "-q", env=_ray_env())
    assert result.returncode == 1
    assert "cannot connect to the Ray cluster" in result.stderr and "Traceback" not in result.stderr


def test_a_path_after_ray_is_not_taken_for_an_address(tmp_path, data_dir):
    result = subprocess.run([sys.executable, "-m", "vankien", "--lang", "en", "--kb", str(tmp_path / "kb"),
                             "ingest", "--ray", str(data_dir / "xss")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "is not a Ray address" in result.stderr and "--ray=ADDRESS" in result.stderr
