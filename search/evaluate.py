"""Document-level retrieval evaluation (recall@10, MRR@10, nDCG@10) from graded judgments.

Query file format (one JSON object per line), as in ../shared/eval/dev.jsonl:
{"id", "group", "kind", "query", "relevant": {"<document key>": grade}}. A document key is
the document's URL when its source has one, else its source path relative to the ingested
root. Documents are ranked by their best passage.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from vankien.errors import VankienError

from .service import SearchService

CUTOFF = 10


def load_queries(path: Path) -> list[dict]:
    """Read a JSONL query file; a malformed line raises ValueError naming the line."""
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


def evaluate(service: SearchService, queries: list[dict], modes=("lexical", "dense", "hybrid")) -> dict:
    """Per-mode mean metrics, per-kind breakdown, unaccented/accented MRR ratio and per-query rows."""
    report = {"queries": len(queries), "modes": {}}
    for mode in modes:
        rows = []
        for q in queries:
            docs = service.rank_documents(q["query"], mode=mode, limit=CUTOFF)
            m = metrics(judge(docs, q["relevant"]), q["relevant"])
            rows.append({"id": q.get("id"), "kind": q.get("kind", ""), "group": q.get("group"), **m})
        report["modes"][mode] = {"mean": _mean(rows), "by_kind": _by_kind(rows),
                                 "unaccented_ratio": _unaccented_ratio(rows), "per_query": rows}
    return report


def _mean(rows: list[dict]) -> dict[str, float]:
    keys = ("recall@10", "mrr@10", "ndcg@10")
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0 for k in keys}


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


def format_report(report: dict) -> str:
    """A plain-text table of the report."""
    lines = [f"{report['queries']} queries; document-level, cutoff {CUTOFF}",
             f"{'mode':8} {'recall@10':>10} {'MRR@10':>8} {'nDCG@10':>8} {'unacc/acc MRR':>14}"]
    for mode, r in report["modes"].items():
        m = r["mean"]
        ratio = r["unaccented_ratio"]
        lines.append(f"{mode:8} {m['recall@10']:>10.3f} {m['mrr@10']:>8.3f} {m['ndcg@10']:>8.3f} "
                     f"{ratio if ratio is not None else '—':>14}")
    for mode, r in report["modes"].items():
        lines.append(f"\n{mode} by kind:")
        for kind, m in r["by_kind"].items():
            lines.append(f"  {kind:12} n={m['n']:<3} recall@10 {m['recall@10']:.3f}  MRR@10 {m['mrr@10']:.3f}"
                         f"  nDCG@10 {m['ndcg@10']:.3f}")
    return "\n".join(lines)
