"""The package as a user installs it: a wheel, in a fresh virtualenv, under one `vankien` namespace."""
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".venv", ".git", "build", "kb", "*.egg-info", "__pycache__", "artifacts", ".pytest_cache")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the working tree (the build must not write into the repository)."""
    src = tmp_path_factory.mktemp("src") / "vankien"
    shutil.copytree(ROOT, src, ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    assert "Warning" not in build.stdout + build.stderr.replace("WARNING: Location", "")  # nothing to ignore
    return next(out.glob("vankien-*.whl"))


def test_wheel_holds_one_namespace_and_the_data_the_code_reads(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"vankien"}
    for needed in ("vankien/tables/abbreviations.csv", "vankien/tables/provinces.csv", "vankien/web/openapi.yaml",
                   "vankien/web/templates/search.html", "vankien/web/static/style.css", "vankien/cli/__init__.py",
                   "vankien/ingest/vn_syllable_freq.py"):
        assert needed in names, needed


def test_wheel_in_a_fresh_venv_ingests_searches_and_serves(wheel, tmp_path, data_dir):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True,
                             text=True, timeout=1200)
    assert install.returncode == 0, install.stderr
    py, exe = str(venv / "bin" / "python"), str(venv / "bin" / "vankien")
    work = tmp_path / "work"          # not the repository: nothing importable by accident
    work.mkdir()
    assert subprocess.run([py, "-c", "import ingest"], cwd=work, capture_output=True).returncode != 0
    assert subprocess.run([py, "-c", "import vankien.search.service, vankien.web"], cwd=work).returncode == 0
    kb = work / "kb"
    seed = data_dir / "seeds" / "000_faee312784e05641.txt"
    ingest = subprocess.run([exe, "--kb", str(kb), "ingest", str(seed), "-q"], cwd=work, capture_output=True,
                            text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    found = subprocess.run([exe, "--kb", str(kb), "search", "Ban Thường vụ Tỉnh ủy", "--json", "-k", "3"], cwd=work,
                           capture_output=True, text=True, timeout=300)
    assert json.loads(found.stdout)["results"][0]["document"]["province"] == "Hải Dương"
    port = _free_port()
    server = subprocess.Popen([exe, "--kb", str(kb), "serve", "--port", str(port)], cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/?q=" + urllib.parse.quote("dân vận"))
        assert status == 200 and "Hải Dương".encode() in body
    finally:
        server.terminate()
        server.wait(timeout=30)
