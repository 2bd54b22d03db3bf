"""The `vankien` command: thin, documented, clean errors."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vankien import cli as vankien

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(vankien.cli, list(args), catch_exceptions=False)
    return invoke


@pytest.mark.parametrize("name", sorted(vankien.cli.commands))
def test_every_command_has_help_and_is_in_the_readme(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert vankien.cli.commands[name].help
    assert f"vankien {name}" in README


def test_ingest_summary_and_documents_json(run, tmp_path, data_dir):
    kb = tmp_path / "kb"
    result = run("--kb", str(kb), "ingest", str(data_dir / "seeds"), "--no-index", "-q")
    assert result.exit_code == 0
    assert re.search(r"documents: 5 added, 0 updated, 0 unchanged, 0 duplicate, 0 failed; \d+ paragraphs", result.output)
    again = run("--kb", str(kb), "ingest", str(data_dir / "seeds"), "--no-index", "-q", "--json")
    assert json.loads(again.output)["unchanged"] == 5
    docs = json.loads(run("--kb", str(kb), "documents", "--json", "--province", "Hải Dương").output)
    assert [d["source_path"] for d in docs] == ["000_faee312784e05641.txt"]   # relative to the ingested root
    assert docs[0]["date"] == "2022-02-26" and docs[0]["date_display"] == "26/02/2022"
    one = json.loads(run("--kb", str(kb), "document", str(docs[0]["id"]), "--json").output)
    assert {r["symbol"] for r in one["references"]} == {"08-QC/TU", "03-QC/TU"}
    assert one["paragraphs"] and one["sources"][0]["source_path"] == "000_faee312784e05641.txt"
    listing = run("--kb", str(kb), "documents", "--type", "thong-bao-ket-luan")
    assert "Thông báo ý kiến kết luận" in listing.output


def test_bad_inputs_are_listed_and_counted(run, tmp_path, data_dir):
    result = CliRunner().invoke(
        vankien.cli, ["--kb", str(tmp_path / "kb"), "ingest", str(data_dir / "bad"), "--no-index", "-q"])
    assert result.exit_code == 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) >= 5
    assert re.search(r"(\d+) failed", result.stdout).group(1) == str(len(errors))


def test_library_errors_are_one_line(run, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(vankien.cli, ["--kb", str(tmp_path / "none"), "search", "dân vận"])
    assert missing.exit_code == 1 and "no knowledge base" in missing.stderr and "Traceback" not in missing.stderr
    bad_date = runner.invoke(vankien.cli, ["--kb", str(tmp_path / "none"), "documents", "--from", "31/02/2020"])
    assert bad_date.exit_code == 1 and "không hiểu ngày" in bad_date.stderr
    bad_col = runner.invoke(vankien.cli, ["--kb", str(tmp_path), "ingest", str(tmp_path), "--column", "oops"])
    assert bad_col.exit_code == 2 and "FIELD=COLUMN" in bad_col.stderr


def test_search_command_on_a_real_kb(kb_dir):
    runner = CliRunner()
    out = runner.invoke(vankien.cli, ["--kb", str(kb_dir), "search", "dan van kheo", "-k", "3", "--json"])
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["parsed"]["accented"] is False and len(data["results"]) == 3
    empty = runner.invoke(vankien.cli, ["--kb", str(kb_dir), "search", "  ?? "])
    assert empty.exit_code == 1 and "Hãy nhập từ khóa" in empty.stderr
