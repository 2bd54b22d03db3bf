"""The `serve` command: the web site and JSON API."""
from __future__ import annotations

from pathlib import Path

import click

from vankien.i18n import pick, t

from . import cli


@cli.command(help=pick("""Chạy trang web và API JSON (waitress; máy chủ phát triển của Flask chỉ khi có --debug).

\b
Ví dụ:
  vankien serve --port 8080
  vankien --kb kb serve --ingest-if-empty corpus/sample""",
"""Serve the web site and JSON API (waitress; the Flask dev server only with --debug).

\b
Examples:
  vankien serve --port 8080
  vankien --kb kb serve --ingest-if-empty corpus/sample"""))
@click.option("--host", default="127.0.0.1", show_default=True, help=pick("Địa chỉ lắng nghe.", "Address to listen on."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help=pick("Cổng.", "Port."))
@click.option("--ingest-if-empty", "seed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help=pick("Nếu kho chưa có văn bản nào, nhập thư mục này trước (lần chạy đầu).",
                        "If the knowledge base has no documents, ingest this folder first (first run)."))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help=pick("Số luồng của máy chủ WSGI.", "Worker threads of the WSGI server."))
@click.option("--read-only", is_flag=True,
              help=pick("Không có bộ sưu tập và theo dõi (cho bản sao công khai): không ghi gì.",
                        "No collections or followed searches (for a public mirror): nothing is written."))
@click.option("--userdata", type=click.Path(dir_okay=False, path_type=Path), envvar="VANKIEN_USERDATA", default=None,
              help=pick("Tệp dữ liệu người dùng (mặc định <kb>.userdata.sqlite cạnh thư mục kho).",
                        "User database (default <kb>.userdata.sqlite beside the knowledge base)."))
@click.option("--debug", is_flag=True, help=pick("Máy chủ phát triển của Flask (không dùng khi chạy thật).",
                                                 "Flask's development server with reloader (never in production)."))
@click.pass_context
def serve(ctx, host, port, seed_dir, threads, read_only, userdata, debug) -> None:  # noqa: D103 - help above
    kb_dir = ctx.obj["kb"]
    prepare_knowledge_base(ctx, kb_dir, seed_dir)
    from vankien.web import create_app
    app = create_app({"KB_DIR": str(kb_dir), "READ_ONLY": read_only, "USERDATA": str(userdata or "")})
    click.echo(t("serve.url", host=host, port=port, kb=kb_dir))
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress
    waitress.serve(app, host=host, port=port, threads=threads, ident="vankien")


def prepare_knowledge_base(ctx, kb_dir: Path, seed_dir: Path | None) -> None:
    """First run: ingest the seed folder into an empty knowledge base; a knowledge base with
    documents but no published index (ingest interrupted before indexing) is indexed instead —
    a user's documents are never mixed with the sample."""
    if not seed_dir:
        return
    from .cmd_ingest import build, ingest
    state = knowledge_base_state(kb_dir, seed_dir)
    if state in ("empty", "seeding"):
        click.echo(t("serve.seeding", kb=kb_dir, seed=seed_dir), err=True)
        ctx.invoke(ingest, paths=(seed_dir,), manifest=None, columns=(), no_index=False, encoder=None,
                   max_seconds=None, max_file_mb=None, keep_comments=False, workers=None, ray_address=None,
                   as_json=False,
                   quiet=False)
    elif state == "unindexed":
        click.echo(t("serve.indexing", kb=kb_dir), err=True)
        build(kb_dir, None, progress=True)


def knowledge_base_state(kb_dir: Path, seed_dir: Path) -> str:
    """"empty" (no documents), "seeding" (a first run from this seed folder did not finish),
    "unindexed" (documents not all published) or "ready"."""
    from vankien.ingest import store
    if not (Path(kb_dir) / store.DB_NAME).exists():
        return "empty"
    conn = store.connect(kb_dir)
    try:
        if conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0:
            store.set_meta(conn, "seed", str(Path(seed_dir).resolve()))   # remembered in case this run stops
            return "empty"
        if store.get_meta(conn, "seed") == str(Path(seed_dir).resolve()) and not store.current_generation(conn):
            return "seeding"
        return "ready" if store.current_generation(conn) and not store.has_pending(conn) else "unindexed"
    finally:
        conn.close()
