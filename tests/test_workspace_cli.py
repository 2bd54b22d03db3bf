"""The workspace commands: collections, collection new/add/show/export, on the sample knowledge base."""
import csv
import io
import json

import pytest
from click.testing import CliRunner
from docx import Document

from vankien.cli import cli
from vankien.i18n import set_language
from vankien.workspace.footnotes import footnote_texts

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def vietnamese():
    set_language("vi")
    yield
    set_language("vi")


@pytest.fixture
def run(kb_dir, tmp_path):
    """`vankien --kb <sample> …` with a user database of the test's own."""
    runner = CliRunner()
    userdata = tmp_path / "u.sqlite"

    def invoke(*args, lang=()):
        return runner.invoke(cli, [*lang, "--kb", str(kb_dir), *args], env={"VANKIEN_USERDATA": str(userdata)})
    invoke.userdata = userdata
    return invoke


def test_create_add_show_and_export_a_collection(run, tmp_path):
    listed = run("collections", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output) == {"collections": []}
    assert not run.userdata.exists()                        # listing writes nothing

    created = run("collection", "new", "Tập huấn dân vận", "--description", "Bài 1", "--json")
    assert created.exit_code == 0, created.output
    cid = json.loads(created.output)["id"]
    found = json.loads(run("search", "đối thoại với nhân dân", "--json", "-k", "3").output)["results"]
    first, second = found[0], found[1]
    added = run("collection", "add", str(cid), str(first["paragraph_id"]), "--note", "ví dụ hay")
    assert added.exit_code == 0 and f"Đã thêm đoạn {first['paragraph']}" in added.output
    again = run("collection", "add", str(cid), str(first["paragraph_id"]))
    assert again.exit_code == 0 and "không thêm lần nữa" in again.output
    as_json = json.loads(run("collection", "add", str(cid), str(second["paragraph_id"]), "--json").output)
    assert as_json["added"] is True and as_json["item"]["citation"] == second["citation"]

    shown = run("collection", "show", str(cid))
    assert shown.exit_code == 0 and first["citation"] in shown.output and "Ghi chú: ví dụ hay" in shown.output
    entries = json.loads(run("collection", "show", str(cid), "--json").output)["entries"]
    assert [e["paragraph_id"] for e in entries] == [first["paragraph_id"], second["paragraph_id"]]
    assert entries[0]["source"]["state"] == "current"
    table = run("collections")
    assert "Tập huấn dân vận" in table.output and "2 đoạn" in table.output

    docx = tmp_path / "tai-lieu.docx"
    assert run("collection", "export", str(cid), "--docx", str(docx)).exit_code == 0
    notes = footnote_texts(Document(str(docx)))
    assert [n for n in notes.values() if first["citation"] in n]
    out_csv, out_json, out_html = tmp_path / "a.csv", tmp_path / "a.json", tmp_path / "a.html"
    for flag, path in (("--csv", out_csv), ("--json", out_json), ("--html", out_html)):
        assert run("collection", "export", str(cid), flag, str(path)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows[0]["note"] == "ví dụ hay" and rows[0]["permalink"].startswith("/documents/")
    assert json.loads(out_json.read_text(encoding="utf-8"))["collection"]["description"] == "Bài 1"
    assert "<style>" in out_html.read_text(encoding="utf-8")


def test_errors_are_one_line(run, tmp_path):
    assert run("collection", "new", "Một").exit_code == 0
    for args in (("collection", "add", "9", "1"), ("collection", "add", "1", "999999999"),
                 ("collection", "new", "x" * 201), ("collection", "show", "7")):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Lỗi: ") and len(result.output.strip().splitlines()) == 1
    none = run("collection", "export", "1")
    two = run("collection", "export", "1", "--csv", str(tmp_path / "a"), "--json", str(tmp_path / "b"))
    assert none.exit_code == two.exit_code == 2 and "--docx" in none.output
    english = run("collection", "new", "Two", lang=("--lang", "en"))
    assert english.exit_code == 0 and english.output.startswith("Created collection")
