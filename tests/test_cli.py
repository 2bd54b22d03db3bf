"""The `vankien` command: thin, documented, one language, clean errors."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vankien.cli import cli
from vankien.i18n import set_language

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def vietnamese():
    """Every test starts in the default language (a test may switch to English)."""
    set_language("vi")
    yield
    set_language("vi")


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)
    return invoke


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert cli.commands[name].help
    assert f"vankien {name}" in README


def test_ingest_summary_documents_json_and_rendering(run, tmp_path, data_dir, encoder):
    kb = tmp_path / "kb"
    result = run("--kb", str(kb), "ingest", str(data_dir / "seeds"), "--no-index", "-q")
    assert result.exit_code == 0
    assert re.search(r"văn bản: 5 thêm mới, 0 cập nhật, 0 không đổi, 0 chuyển chỗ \(0 là bản sao của văn bản khác\),"
                     r" 0 lỗi; \d+ đoạn", result.output)
    pending = run("--kb", str(kb), "documents", "--json")
    assert json.loads(pending.output)["total"] == 0 and json.loads(pending.output)["pending"] == 5
    assert "chưa lập chỉ mục" in run("--kb", str(kb), "documents").stderr
    from vankien.search.indexer import build_indexes
    build_indexes(kb, encoder=encoder, progress=False)
    again = run("--kb", str(kb), "ingest", str(data_dir / "seeds"), "--no-index", "-q", "--json")
    assert json.loads(again.output)["unchanged"] == 5
    data = json.loads(run("--kb", str(kb), "documents", "--json", "--province", "Hải Dương").output)
    docs = data["documents"]
    assert data["total"] == 1
    assert [d["source_path"] for d in docs] == ["000_faee312784e05641.txt"]   # relative to the ingested root
    assert docs[0]["date"] == "2022-02-26" and docs[0]["date_display"] == "26/02/2022"
    one = json.loads(run("--kb", str(kb), "document", str(docs[0]["id"]), "--json").output)
    assert {r["symbol"] for r in one["references"]} == {"08-QC/TU", "03-QC/TU"}
    assert one["paragraphs"] and one["sources"][0]["source_path"] == "000_faee312784e05641.txt"
    listing = run("--kb", str(kb), "documents", "--type", "thong-bao-ket-luan")
    assert "Thông báo ý kiến kết luận" in listing.output and "Thông báo kết luận" in listing.output   # label, not slug
    shown = run("--kb", str(kb), "document", str(docs[0]["id"])).output
    assert "Ngày: 26/02/2022" in shown and "Loại: Tin hội nghị" in shown and "2022-02-26" not in shown
    cut = run("--kb", str(kb), "documents", "--limit", "2")
    assert len(cut.stdout.strip().splitlines()) == 2 and "hiển thị 1–2 trong 5 văn bản" in cut.stderr
    assert json.loads(run("--kb", str(kb), "documents", "--limit", "2", "--json").output)["total"] == 5


def test_english_on_request(tmp_path, data_dir):
    out = CliRunner().invoke(cli, ["--lang", "en", "--kb", str(tmp_path / "kb"), "ingest", str(data_dir / "seeds"),
                                   "--no-index", "-q"])
    assert out.exit_code == 0 and "documents: 5 added" in out.stdout
    missing = CliRunner().invoke(cli, ["--lang", "en", "--kb", str(tmp_path / "none"), "search", "dân vận"])
    assert missing.stderr.startswith("Error: no knowledge base at")


def test_bad_inputs_are_listed_counted_and_exit_3(tmp_path, data_dir):
    result = CliRunner().invoke(cli, ["--kb", str(tmp_path / "kb"), "ingest", str(data_dir / "bad"),
                                      str(tmp_path / "missing"), "--no-index", "-q"])
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("lỗi: ")]
    assert len(errors) >= 6 and any("không có tệp hay thư mục này" in e for e in errors)
    assert any("tệp rỗng" in e for e in errors) and any("tệp ảnh hỏng" in e for e in errors)
    assert re.search(r"(\d+) lỗi", result.stdout).group(1) == str(len(errors))
    assert f"bỏ qua {len(errors)} đầu vào" in result.stderr


def test_library_errors_are_one_line_and_bugs_keep_their_traceback(tmp_path, monkeypatch):
    runner = CliRunner()
    missing = runner.invoke(cli, ["--kb", str(tmp_path / "none"), "search", "dân vận"])
    assert missing.exit_code == 1 and missing.stderr.startswith("Lỗi: không có kho dữ liệu")
    assert "Traceback" not in missing.stderr
    bad_date = runner.invoke(cli, ["--kb", str(tmp_path / "none"), "documents", "--from", "31/02/2020"])
    assert bad_date.exit_code == 1 and "không hiểu ngày" in bad_date.stderr
    bad_col = runner.invoke(cli, ["--kb", str(tmp_path), "ingest", str(tmp_path), "--column", "oops"])
    assert bad_col.exit_code == 2 and "TRƯỜNG=CỘT" in bad_col.stderr
    huge = runner.invoke(cli, ["--kb", str(tmp_path), "document", "99999999999999999999"])
    assert huge.exit_code == 2 and "Traceback" not in huge.stderr
    from vankien.search import service

    def broken(*args, **kwargs):
        raise ValueError("a real bug")
    monkeypatch.setattr(service.SearchService, "open", broken)
    bug = runner.invoke(cli, ["--kb", str(tmp_path), "search", "dân vận"])
    assert isinstance(bug.exception, ValueError)         # not flattened into a message


def test_search_and_status_commands_on_a_real_kb(kb_dir):
    runner = CliRunner()
    out = runner.invoke(cli, ["--kb", str(kb_dir), "search", "dan van kheo", "-k", "3", "--json"])
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["parsed"]["accented"] is False and len({r["rank"] for r in data["results"]}) == 3   # 3 documents
    empty = runner.invoke(cli, ["--kb", str(kb_dir), "search", "  ?? "])
    assert empty.exit_code == 1 and "Hãy nhập từ khóa" in empty.stderr
    status = runner.invoke(cli, ["--kb", str(kb_dir), "status", "--json"])
    info = json.loads(status.stdout)
    assert info["generation"] >= 1 and info["problem"] == "" and info["counts"]["documents"] > 10
