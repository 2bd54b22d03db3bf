"""Retrieval evaluation from graded judgments: the top of the ranking (recall@10, MRR@10,
nDCG@10) and the whole result set (set-level precision, recall and size).

Query file format (one JSON object per line), as in ../shared/eval/dev.jsonl:
{"id", "group", "kind", "query", "relevant": {"<document key>": grade}}. A document key is
the document's URL when its source has one, else its source path relative to the ingested
root. Grades: 2 what the user wants, 1 partly relevant; unlisted documents count as not
relevant.

- Top-10 metrics rank documents by their best passage, one entry per document, within
  the result set the user is shown (with `cutoff=False`, the raw ranking).
- Set-level metrics judge every document of the result set, linked copies (same content
  or URL) as one: precision = judged-relevant share of the set's documents, recall =
  share of the relevant keys the set covers, size = documents in the set. The precision
  of an empty set is not defined: such queries are counted (`empty`), not averaged.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from vankien.errors import VankienError

from .service import SearchService

CUTOFF = 10
TOP_KEYS = ("recall@10", "mrr@10", "ndcg@10")
SET_KEYS = ("set_precision", "set_recall", "set_f1", "set_size")


def load_queries(path: Path) -> list[dict]:
    """Read a JSONL query file; a malformed line raises VankienError naming the line."""
    queries = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
            q["query"], q["relevant"]  # noqa: B018 - required keys
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise VankienError(f"{path}:{n}: not a query record ({exc})") from None
        queries.append(q)
    return queries


def document_keys(doc: dict) -> set[str]:
    """Every key a judgment may use for this document: URLs and source paths of all its sources."""
    keys = {doc.get("url", ""), doc.get("doc_key", ""), doc.get("source_path", "")}
    for s in doc.get("sources", []):
        keys.update((s.get("url", ""), s.get("source_path", "")))
        if s.get("row"):
            keys.add(f"{s['source_path']}#{s['row']}")
    return {k for k in keys if k}


def judge(ranked_docs: list[dict], relevant: dict[str, int]) -> list[int]:
    """Grade of each ranked document (0 when not judged); a judged key counts once."""
    grades, used = [], set()
    for doc in ranked_docs:
        hits = [k for k in document_keys(doc) if k in relevant and k not in used]
        used.update(hits)
        grades.append(max((relevant[k] for k in hits), default=0))
    return grades


def metrics(grades: list[int], relevant: dict[str, int], cutoff: int = CUTOFF) -> dict[str, float]:
    """recall@cutoff, MRR@cutoff and nDCG@cutoff (gain 2^grade − 1) for one query."""
    top = grades[:cutoff]
    n_rel = sum(1 for g in relevant.values() if g > 0)
    recall = sum(1 for g in top if g > 0) / n_rel if n_rel else 0.0
    mrr = next((1.0 / i for i, g in enumerate(top, start=1) if g > 0), 0.0)
    dcg = sum((2 ** g - 1) / math.log2(i + 1) for i, g in enumerate(top, start=1))
    ideal = sorted(relevant.values(), reverse=True)[:cutoff]
    idcg = sum((2 ** g - 1) / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return {"recall@10": recall, "mrr@10": mrr, "ndcg@10": dcg / idcg if idcg else 0.0}


def set_metrics(result_docs: list[dict], relevant: dict[str, int]) -> dict[str, float | None]:
    """Precision, recall, F1 and size of a whole result set (linked copies as one document)."""
    wanted = {k for k, g in relevant.items() if g > 0}
    groups: dict[object, set[str]] = {}
    for doc in result_docs:
        groups.setdefault(doc.get("copy_group", doc.get("id")), set()).update(document_keys(doc))
    hits = [keys & wanted for keys in groups.values()]
    size = len(groups)
    covered = set().union(*hits) if hits else set()
    precision = sum(1 for h in hits if h) / size if size else None
    recall = len(covered) / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return {"set_precision": precision, "set_recall": recall, "set_f1": f1, "set_size": size}


def evaluate_query(service: SearchService, q: dict, mode: str, *, cutoff: bool = True) -> dict:
    """Every metric of one judged query in one mode."""
    docs = service.result_documents(q["query"], mode=mode, cutoff=cutoff)
    row = {"id": q.get("id"), "kind": q.get("kind", ""), "group": q.get("group"),
           **metrics(judge(docs, q["relevant"]), q["relevant"]), **set_metrics(docs, q["relevant"])}
    return row


def evaluate(service: SearchService, queries: list[dict], modes=("lexical", "dense", "hybrid"), *,
             cutoff: bool = True) -> dict:
    """Per-mode mean metrics, per-kind breakdown, unaccented/accented MRR ratio and per-query rows."""
    report = {"queries": len(queries), "cutoff": cutoff, "modes": {}}
    for mode in modes:
        rows = [evaluate_query(service, q, mode, cutoff=cutoff) for q in queries]
        report["modes"][mode] = {"mean": _mean(rows), "by_kind": _by_kind(rows),
                                 "unaccented_ratio": _unaccented_ratio(rows), "per_query": rows}
    return report


def evaluate_files(service: SearchService, paths: list[Path], modes=("lexical", "dense", "hybrid"), *,
                   cutoff: bool = True) -> dict[str, dict]:
    """One report per query file (so an added set never blurs the original one)."""
    return {str(p): evaluate(service, load_queries(p), modes, cutoff=cutoff) for p in paths}


def _mean(rows: list[dict]) -> dict[str, float]:
    out = {k: round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0 for k in TOP_KEYS}
    defined = [r["set_precision"] for r in rows if r["set_precision"] is not None]
    out["set_precision"] = round(sum(defined) / len(defined), 4) if defined else None
    for k in ("set_recall", "set_f1", "set_size"):
        out[k] = round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0
    out["empty"] = sum(1 for r in rows if r["set_size"] == 0)
    return out


def _by_kind(rows: list[dict]) -> dict[str, dict]:
    kinds = defaultdict(list)
    for r in rows:
        kinds[r["kind"]].append(r)
    return {k: {"n": len(v), **_mean(v)} for k, v in sorted(kinds.items())}


def _unaccented_ratio(rows: list[dict]) -> float | None:
    """MRR of unaccented queries divided by the MRR of their accented twins (same group)."""
    twins = defaultdict(dict)
    for r in rows:
        twins[r["group"]]["u" if r["kind"] == "unaccented" else "a"] = r["mrr@10"]
    pairs = [(t["u"], t["a"]) for t in twins.values() if "u" in t and "a" in t]
    accented = sum(a for _, a in pairs)
    return round(sum(u for u, _ in pairs) / accented, 4) if accented else None


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_report(report: dict, title: str = "") -> str:
    """A plain-text table of one file's report."""
    what = "result set (calibrated cut-off)" if report.get("cutoff", True) else "raw ranking (no cut-off)"
    lines = [f"{title + ': ' if title else ''}{report['queries']} queries; document-level, top {CUTOFF} and {what}",
             f"{'mode':8} {'recall@10':>10} {'MRR@10':>8} {'nDCG@10':>8} {'set P':>7} {'set R':>7} {'set F1':>7}"
             f" {'set size':>9} {'empty':>6} {'unacc/acc MRR':>14}"]
    for mode, r in report["modes"].items():
        m = r["mean"]
        ratio = r["unaccented_ratio"]
        lines.append(f"{mode:8} {m['recall@10']:>10.3f} {m['mrr@10']:>8.3f} {m['ndcg@10']:>8.3f} "
                     f"{_fmt(m['set_precision']):>7} {m['set_recall']:>7.3f} {m['set_f1']:>7.3f} {m['set_size']:>9.1f}"
                     f" {m['empty']:>6} {ratio if ratio is not None else '—':>14}")
    for mode, r in report["modes"].items():
        lines.append(f"\n{mode} by kind:")
        for kind, m in r["by_kind"].items():
            lines.append(f"  {kind:12} n={m['n']:<3} recall@10 {m['recall@10']:.3f}  MRR@10 {m['mrr@10']:.3f}"
                         f"  nDCG@10 {m['ndcg@10']:.3f}  set P {_fmt(m['set_precision'])} R {m['set_recall']:.3f}"
                         f" size {m['set_size']:.1f}")
    return "\n".join(lines)
