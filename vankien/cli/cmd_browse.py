"""Commands that read a knowledge base: documents, document, search, eval, status."""
from __future__ import annotations

import json
from pathlib import Path

import click

from vankien.i18n import pick, t

from . import UserError, cli
from .common import echo_json, filter_options, filter_values, make_filter
from .render import render_document, render_documents, render_results, render_status


def _open(kb_dir: Path, **options):
    from vankien.search.service import SearchService
    return SearchService.open(kb_dir, **options)


@cli.command(help=pick("""Liệt kê văn bản (mới nhất trước) với siêu dữ liệu.

\b
Ví dụ:
  vankien documents --province "Hải Dương" --type hoi-nghi
  vankien documents --from 2020 --to 2020 --limit 20 --offset 20
  vankien documents --cites 05-CT/TW --json""",
"""List documents (newest first) with their metadata.

\b
Examples:
  vankien documents --province "Hải Dương" --type hoi-nghi
  vankien documents --from 2020 --to 2020 --limit 20 --offset 20
  vankien documents --cites 05-CT/TW --json"""))
@filter_options
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help=pick("Số văn bản tối đa hiển thị.", "Most documents shown."))
@click.option("--offset", default=0, type=click.IntRange(0), help=pick("Bỏ qua từng này văn bản đầu.",
                                                                       "Skip this many documents first."))
@click.option("--json", "as_json", is_flag=True,
              help=pick("Xuất JSON: {total, offset, limit, documents}.", "JSON output: {total, offset, limit, documents}."))
@click.pass_context
def documents(ctx, limit, offset, as_json, **kwargs) -> None:  # noqa: D103 - help above
    flt = make_filter(filter_values(kwargs))            # bad input first, before opening anything
    with _open(ctx.obj["kb"], load_indexes=False) as svc:
        docs = svc.documents(flt, limit=limit, offset=offset)
        total = svc.count_documents(flt)
        pending = svc.pending()
    if as_json:
        echo_json({"total": total, "offset": offset, "limit": limit, "pending": pending, "documents": docs})
        return
    click.echo(render_documents(docs))
    if offset or len(docs) < total:
        click.echo(t("documents.cut", first=offset + 1 if docs else offset, last=offset + len(docs), total=total,
                     next=offset + len(docs)), err=True)
    else:
        click.echo(t("documents.count", count=total), err=True)
    if pending:
        click.echo(t("documents.pending", count=pending), err=True)


@cli.command(help=pick("""Một văn bản: siêu dữ liệu, văn bản trích dẫn, các đoạn.

\b
Ví dụ:
  vankien document 12
  vankien document 12 --json""", """One document: metadata, cited documents, paragraphs.

\b
Examples:
  vankien document 12
  vankien document 12 --json"""))
@click.argument("doc_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON.", "JSON output."))
@click.pass_context
def document(ctx, doc_id, as_json) -> None:  # noqa: D103 - help above
    with _open(ctx.obj["kb"], load_indexes=False) as svc:
        doc = svc.document(doc_id)
    if doc is None:
        raise UserError(t("document.missing", doc_id=doc_id))
    if as_json:
        echo_json(doc)
        return
    click.echo(render_document(doc))


@cli.command(help=pick("""Tìm văn bản phù hợp; mỗi văn bản hiện tối đa 2 đoạn khớp, kèm trích dẫn nguồn.
Số hiệu (05-CT/TW, Chỉ thị 05) cho đúng các văn bản mang số đó hoặc trích dẫn nó.

\b
Ví dụ:
  vankien search "người đứng đầu cấp ủy đối thoại với nhân dân"
  vankien search "dan van kheo" --province "Hà Tĩnh" -k 5
  vankien search "Kế hoạch 45-KH/BCĐ" --json
  vankien search '"dân biết, dân bàn"' --from 2019 --to 2020 --sort date""",
"""Search documents; each shows up to 2 matching passages with their citations.
A document number (05-CT/TW, Chỉ thị 05) gives exactly the documents bearing or citing it.

\b
Examples:
  vankien search "người đứng đầu cấp ủy đối thoại với nhân dân"
  vankien search "dan van kheo" --province "Hà Tĩnh" -k 5
  vankien search "Kế hoạch 45-KH/BCĐ" --json
  vankien search '"dân biết, dân bàn"' --from 2019 --to 2020 --sort date"""))
@click.argument("query")
@filter_options
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100),
              help=pick("Số văn bản (tối đa 100).", "Number of documents (max 100)."))
@click.option("--offset", default=0, type=click.IntRange(0, 10_000),
              help=pick("Bỏ qua từng này kết quả (phân trang).", "Skip this many results (pagination)."))
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help=pick("Xếp theo mức liên quan hoặc ngày (mới nhất).", "Order by relevance or date (newest)."))
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid", show_default=True,
              help=pick("Cách tìm: kết hợp, theo từ, theo nghĩa.", "Retrieval: hybrid, lexical, dense."))
@click.option("--raw", is_flag=True, help=pick("Thứ hạng thô: mọi đoạn có liên quan dù ít, không cắt theo ngưỡng.",
                                               "Raw ranking: everything remotely related, no relevance cut-off."))
@click.option("--neighbors", default=0, type=click.IntRange(0, 3),
              help=pick("Hiện thêm N đoạn trước và sau mỗi đoạn.", "Also show N paragraphs before and after."))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON (lược đồ trong README.md).",
                                                           "JSON output (schema in README.md)."))
@click.pass_context
def search(ctx, query, k, offset, sort, mode, raw, neighbors, as_json, **kwargs) -> None:  # noqa: D103 - help above
    flt = make_filter(filter_values(kwargs))
    with _open(ctx.obj["kb"]) as svc:
        response = svc.search(query, flt, k=k, offset=offset, sort=sort, mode=mode, neighbors=neighbors,
                              cutoff=not raw)
    if as_json:
        echo_json(response)
        return
    click.echo(render_results(response))


@cli.command("eval", help=pick("""Đánh giá truy hồi trên bộ câu hỏi có chấm điểm (định dạng ../shared/eval/dev.jsonl):
recall@10, MRR@10, nDCG@10 của 10 văn bản đầu, và độ chính xác, độ phủ, kích thước của cả tập kết quả.
Mỗi tệp được báo cáo riêng.

\b
Ví dụ:
  vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl eval/dev-extra.jsonl
  vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl --raw --mode hybrid""",
"""Evaluate retrieval on graded queries (format of ../shared/eval/dev.jsonl): recall@10, MRR@10,
nDCG@10 of the top 10 documents, and precision, recall and size of the whole result set. Each
file is reported separately.

\b
Examples:
  vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl eval/dev-extra.jsonl
  vankien --kb build/kb-shared eval ../shared/eval/dev.jsonl --raw --mode hybrid"""))
@click.argument("queries", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", "modes", multiple=True, type=click.Choice(["lexical", "dense", "hybrid"]),
              help=pick("Các cách tìm cần đánh giá (mặc định cả ba).", "Modes to evaluate (default: all three)."))
@click.option("--raw", is_flag=True, help=pick("Đánh giá thứ hạng thô, không cắt theo ngưỡng liên quan.",
                                               "Evaluate the raw ranking, without the relevance cut-off."))
@click.option("--fusion", type=click.Choice(["normalized", "rrf"]), default="normalized", show_default=True,
              help=pick("Cách kết hợp điểm theo từ và theo nghĩa.", "How hybrid mode combines lexical and dense."))
@click.option("--no-bigrams", is_flag=True, help=pick("Tìm theo từ không dùng cặp âm tiết (để đo).",
                                                      "Lexical without syllable bigrams (to measure them)."))
@click.option("--doc-scoring", type=click.Choice(["best", "top3", "sum"]), default="best", show_default=True,
              help=pick("Điểm văn bản: đoạn tốt nhất, hoặc cộng các đoạn (để đo).",
                        "Document score: its best passage, or an aggregate of its passages (to measure)."))
@click.option("--title-boost", type=float, default=0.0, show_default=True,
              help=pick("Thưởng cho văn bản có tiêu đề/đoạn đầu khớp (để đo).",
                        "Bonus for documents whose title or lead matches (to measure)."))
@click.option("--prf", "prf_terms", type=click.IntRange(0, 50), default=0, show_default=True,
              help=pick("Mở rộng truy vấn bằng N cặp âm tiết từ các đoạn đầu (để đo).",
                        "Expand the query with N syllable pairs from its best passages (to measure)."))
@click.option("--reranker", type=click.Path(exists=True, file_okay=False), default=None,
              help=pick("Thư mục mô hình cross-encoder cục bộ để xếp lại (không bao giờ tải về).",
                        "Folder of a local cross-encoder model to rerank with (never downloaded)."))
@click.option("--json", "as_json", is_flag=True, help=pick("Báo cáo đầy đủ dạng JSON.", "Full report as JSON."))
@click.pass_context
def eval_command(ctx, queries, modes, raw, fusion, no_bigrams, doc_scoring, title_boost, prf_terms, reranker,
                 as_json) -> None:  # noqa: D103 - help above
    from vankien.search.evaluate import evaluate_files, format_report
    with _open(ctx.obj["kb"], fusion_method=fusion, use_bigrams=not no_bigrams, doc_scoring=doc_scoring,
               title_boost=title_boost, prf_terms=prf_terms, reranker=reranker) as svc:
        reports = evaluate_files(svc, list(queries), modes=modes or ("lexical", "dense", "hybrid"), cutoff=not raw)
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
        return
    click.echo("\n\n".join(format_report(r, title=name) for name, r in reports.items()))


@cli.command(help=pick("""Tình trạng kho: thế hệ chỉ mục, số văn bản, văn bản chờ lập chỉ mục, lỗi nhập gần nhất.

\b
Ví dụ:
  vankien status
  vankien status --json""", """Knowledge-base status: index generation, counts, pending documents, last ingest errors.

\b
Examples:
  vankien status
  vankien status --json"""))
@click.option("--json", "as_json", is_flag=True, help=pick("Xuất JSON.", "JSON output."))
@click.pass_context
def status(ctx, as_json) -> None:  # noqa: D103 - help above
    with _open(ctx.obj["kb"], load_indexes=False) as svc:
        info = svc.status()
    if as_json:
        echo_json(info)
        return
    click.echo(render_status(info))
