"""Workspace commands for those who script: collections (list, new, add, show, export), on the
same user database as the site (`<kb>.userdata.sqlite` beside the knowledge base, or
--userdata / VANKIEN_USERDATA)."""
from __future__ import annotations

from pathlib import Path

import click

from vankien.i18n import pick

from . import UserError, cli
from .common import echo_json

_USERDATA_HELP = pick("Tệp dữ liệu người dùng (mặc định <kb>.userdata.sqlite cạnh thư mục kho;"
                      " biến môi trường VANKIEN_USERDATA).",
                      "User database (default <kb>.userdata.sqlite beside the knowledge base;"
                      " env VANKIEN_USERDATA).")


def userdata_option(f):
    """The --userdata option of every workspace command."""
    return click.option("--userdata", type=click.Path(dir_okay=False, path_type=Path), envvar="VANKIEN_USERDATA",
                        default=None, help=_USERDATA_HELP)(f)


def _open(ctx, userdata: Path | None, *, create: bool):
    """The owner's collections in the user database (None: it does not exist and create is False)."""
    from vankien.workspace import db
    from vankien.workspace.collections import Collections
    conn = db.connect(db.userdata_path(ctx.obj["kb"], userdata), create=create)
    if conn is None:
        return None
    ctx.call_on_close(conn.close)
    return Collections(conn)


def _service(ctx, *, required: bool):
    """The knowledge base, opened for browsing (None when it is absent and not required)."""
    from vankien.search.service import SearchService
    try:
        return SearchService.open(ctx.obj["kb"], load_indexes=False)
    except FileNotFoundError:
        if required:
            raise
        return None


@cli.command(help=pick("""Liệt kê các bộ sưu tập (đoạn văn đã lưu, dùng chung với trang web).

\b
Ví dụ:
  vankien collections
  vankien collections --json""", """List the collections (kept passages, shared with the web site).

\b
Examples:
  vankien collections
  vankien collections --json"""))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON: {collections: [...]}.",
                                                           "JSON output: {collections: [...]}."))
@userdata_option
@click.pass_context
def collections(ctx, as_json, userdata) -> None:  # noqa: D103 - help above
    store = _open(ctx, userdata, create=False)
    found = store.list() if store else []
    if as_json:
        echo_json({"collections": found})
        return
    for c in found:
        count = f"{c['passages']:>4} {pick('đoạn', 'passages'):8}"
        click.echo(f"{c['id']:>5}  {count}  {c['updated_at'][:10]}  {c['name']}")
    click.echo(pick(f"{len(found)} bộ sưu tập", f"{len(found)} collection(s)"), err=True)


@cli.group(help=pick("""Một bộ sưu tập: tạo, thêm đoạn, xem, xuất (Word, CSV, JSON, HTML).

\b
Ví dụ:
  vankien collection new "Tập huấn Dân vận khéo" --description "Bài 1–3" --json
  vankien search "dân vận khéo" --json          # mỗi kết quả có paragraph_id
  vankien collection add 1 812 --note "Cách làm hay ở xã"
  vankien collection show 1
  vankien collection export 1 --docx tai-lieu.docx""",
"""One collection: create, add passages, show, export (Word, CSV, JSON, HTML).

\b
Examples:
  vankien collection new "Dân vận khéo training" --description "Lessons 1–3" --json
  vankien search "dân vận khéo" --json          # each result has a paragraph_id
  vankien collection add 1 812 --note "A good practice in a commune"
  vankien collection show 1
  vankien collection export 1 --docx handout.docx"""))
def collection() -> None:  # noqa: D103 - help above
    pass


@collection.command("new", help=pick("Tạo một bộ sưu tập trống; in bộ sưu tập mới (với --json: có trường id).",
                                     "Create an empty collection; prints it (with --json: including its id)."))
@click.argument("name")
@click.option("--description", default="", help=pick("Mô tả.", "Description."))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON.", "JSON output."))
@userdata_option
@click.pass_context
def collection_new(ctx, name, description, as_json, userdata) -> None:  # noqa: D103 - help above
    created = _open(ctx, userdata, create=True).create(name, description)
    if as_json:
        echo_json(created)
        return
    click.echo(pick(f"Đã tạo bộ sưu tập {created['id']}: {created['name']}",
                    f"Created collection {created['id']}: {created['name']}"))


@collection.command("add", help=pick("Thêm một đoạn (paragraph_id như 'vankien search --json' cho) vào bộ sưu tập ID;"
                                     " đoạn đã có thì không thêm lần nữa.",
                                     "Add a passage (a paragraph_id as 'vankien search --json' gives it) to"
                                     " collection ID; a passage already there is not added twice."))
@click.argument("collection_id", type=click.IntRange(1, 2**63 - 1))
@click.argument("paragraph_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--note", default="", help=pick("Ghi chú: vì sao chọn đoạn này.", "Note: why this example."))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON: {item, added}.", "JSON output: {item, added}."))
@userdata_option
@click.pass_context
def collection_add(ctx, collection_id, paragraph_id, note, as_json, userdata) -> None:  # noqa: D103 - help above
    from vankien.workspace.passages import snapshot_paragraph
    store = _open(ctx, userdata, create=True)
    store.get(collection_id)                        # an unknown collection before opening the kb
    with _service(ctx, required=True) as svc:
        passage = snapshot_paragraph(svc, paragraph_id)
    if passage is None:
        raise UserError(pick(f"kho không còn đoạn số {paragraph_id} (văn bản đã được nhập lại?): tìm lại để lấy số mới",
                             f"the knowledge base has no paragraph {paragraph_id} (document re-ingested?):"
                             " search again for its new id"))
    item, added = store.add_passage(collection_id, passage, note)
    if as_json:
        echo_json({"item": item, "added": added})
        return
    title = item["document"].get("title") or "—"
    click.echo(pick(f"Đã thêm đoạn {item['ordinal']} của «{title}» vào bộ sưu tập {collection_id}",
                    f"Added paragraph {item['ordinal']} of «{title}» to collection {collection_id}") if added else
               pick(f"Bộ sưu tập {collection_id} đã có đoạn này (mục {item['id']}): không thêm lần nữa",
                    f"Collection {collection_id} already holds this passage (item {item['id']}): not added again"))


@collection.command("show", help=pick("Một bộ sưu tập: các đoạn theo thứ tự, trích dẫn, ghi chú, nguồn có đổi không.",
                                      "One collection: passages in order, citations, notes, whether the source"
                                      " changed."))
@click.argument("collection_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON.", "JSON output."))
@userdata_option
@click.pass_context
def collection_show(ctx, collection_id, as_json, userdata) -> None:  # noqa: D103 - help above
    coll, entries, checks = _load(ctx, userdata, collection_id)
    if as_json:
        for e in entries:
            if e["id"] in checks:
                e["source"] = checks[e["id"]]
        echo_json({"collection": coll, "entries": entries})
        return
    click.echo(coll["name"])
    if coll["description"]:
        click.echo(coll["description"])
    number = 0
    for e in entries:
        if e["kind"] == "heading":
            click.echo(f"\n## {e['title']}")
            continue
        number += 1
        state = checks.get(e["id"], {})
        warn = f"  [{state['label']}]" if state.get("state") not in (None, "current", "unknown") else ""
        click.echo(f"\n{number}. {e['citation']}{warn}\n   {e['text']}")
        if e["note"]:
            click.echo(f"   {pick('Ghi chú', 'Note')}: {e['note']}")


def _load(ctx, userdata, collection_id):
    from vankien.workspace.passages import check_all
    store = _open(ctx, userdata, create=False)
    if store is None:
        raise UserError(pick(f"không có bộ sưu tập số {collection_id}", f"no collection {collection_id}"))
    coll, entries = store.get(collection_id), store.entries(collection_id)
    svc = _service(ctx, required=False)
    try:
        checks = check_all(svc, entries)
    finally:
        if svc is not None:
            svc.close()
    return coll, entries, checks


@collection.command("export", help=pick("""Xuất một bộ sưu tập: tài liệu Word (.docx) để in và sửa, CSV, JSON
hoặc trang HTML in được.

\b
Ví dụ:
  vankien collection export 1 --docx tai-lieu.docx
  vankien collection export 1 --csv doan-trich.csv""",
"""Export a collection: a Word handout (.docx) to print and edit, CSV, JSON or a printable HTML page.

\b
Examples:
  vankien collection export 1 --docx handout.docx
  vankien collection export 1 --csv passages.csv"""))
@click.argument("collection_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False, path_type=Path),
              help=pick("Ghi tài liệu Word vào tệp này.", "Write the Word handout to this file."))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help=pick("Ghi CSV (UTF-8 có BOM, Excel đọc được).", "Write CSV (UTF-8 with BOM, for Excel)."))
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help=pick("Ghi JSON.", "Write JSON."))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help=pick("Ghi trang HTML in được.", "Write a printable HTML page."))
@click.option("--base-url", default="", envvar="VANKIEN_BASE_URL",
              help=pick("Địa chỉ trang web, để liên kết tới đoạn văn là tuyệt đối (biến môi trường VANKIEN_BASE_URL).",
                        "The site's address, for absolute links to passages (env VANKIEN_BASE_URL)."))
@userdata_option
@click.pass_context
def collection_export(ctx, collection_id, docx_path, csv_path, json_path, html_path, base_url,
                      userdata) -> None:  # noqa: D103 - help above
    targets = [p for p in (docx_path, csv_path, json_path, html_path) if p]
    if len(targets) != 1:
        raise click.UsageError(pick("chọn đúng một trong --docx, --csv, --json, --html",
                                    "give exactly one of --docx, --csv, --json, --html"))
    from vankien.workspace import exports
    from vankien.workspace.handout import build_docx
    coll, entries, checks = _load(ctx, userdata, collection_id)
    if docx_path:
        body = build_docx(coll, entries, checks, site_url=base_url)
    elif csv_path:
        body = exports.to_csv(exports.rows(entries, checks, base_url))
    elif json_path:
        body = exports.to_json(coll, exports.rows(entries, checks, base_url))
    else:
        body = exports.print_html(coll, entries, checks, base_url=base_url).encode("utf-8")
    try:
        targets[0].write_bytes(body)
    except OSError as exc:
        raise UserError(pick(f"không ghi được {targets[0]}: {exc.strerror}",
                             f"cannot write {targets[0]}: {exc.strerror}")) from None
    click.echo(pick(f"Đã ghi {targets[0]} ({len(body)} byte)", f"Wrote {targets[0]} ({len(body)} bytes)"))
