"""Fit the relevance cut-offs (search/cutoffs.py) on judged queries and print them.

    .venv/bin/python bench/calibrate_cutoff.py --kb build/kb-shared \
        ../shared/eval/dev.jsonl eval/dev-extra.jsonl

For every judged query that is not a document number (those are answered by citations),
each mode's raw candidates are gathered once with their evidence (coverage, similarity),
then every rule of a small grid is scored by the set-level F1 of the documents it keeps,
averaged over the queries of all files (each file weighing as much as the others, so the
39 original queries are not outvoted). A rule may not lower the mean recall@10 of the raw
ranking by more than `--slack`: the cut-off must answer better, not rank worse.

Rules tried per mode:
- lexical: coverage ≥ c
- dense: similarity ≥ s
- hybrid: coverage ≥ c  OR  similarity ≥ s  [OR  (coverage ≥ c2 AND similarity ≥ s2)]

The output is the dict to paste into CUTOFFS under the encoder's model name, with the
figures of the chosen rule and of its neighbours (how flat the optimum is).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from vankien.search.catalog import DocumentFilter
from vankien.search.cutoffs import passes
from vankien.search.evaluate import judge, load_queries, metrics, set_metrics
from vankien.search.service import SearchService

COVERAGE = [round(x, 2) for x in np.arange(0.10, 1.001, 0.05)]
SIMILARITY = [round(x, 3) for x in np.arange(0.830, 0.9201, 0.005)]


def candidates(svc: SearchService, query: str, mode: str) -> list[dict]:
    """Raw candidates of a query in rank order with their evidence and document."""
    gen = svc.snapshot()
    q = svc.parse(query, gen)
    got = svc._retrieve(q, None, mode, gen)
    pids = list(got.fused)
    coverage = svc.coverage(q, pids, gen) if mode != "dense" else {}
    docs = gen.doc_of(np.array(pids, dtype=np.int64)).tolist()
    return [{"pid": p, "doc": d, "coverage": coverage.get(p, 0.0), "similarity": got.dense.get(p)}
            for p, d in zip(pids, docs) if d >= 0]


def doc_table(svc: SearchService, doc_ids: set[int]) -> dict[int, dict]:
    """Document dicts (keys for judging, copy group) by id."""
    from vankien.search import catalog
    gen = svc.snapshot()
    docs = catalog.documents_by_ids(svc.conn, gen.number, sorted(doc_ids))
    pos = gen.docs.positions(np.array([d["id"] for d in docs], dtype=np.int64))
    return {d["id"]: {**d, "copy_group": int(gen.docs.group[p]) if p >= 0 else -d["id"]} for d, p in zip(docs, pos)}


def score(rules, cands: list[dict], docs: dict[int, dict], relevant: dict[str, int]) -> dict:
    """Top-10 and set metrics of the documents a rule keeps (rules None: the raw ranking)."""
    order = []
    for c in cands:
        if c["doc"] not in order and passes(rules, c["coverage"], c["similarity"]):
            order.append(c["doc"])
    ranked = [docs[d] for d in order if d in docs]
    return {**metrics(judge(ranked, relevant), relevant), **set_metrics(ranked, relevant)}


def rule_grid(mode: str):
    """Candidate rule lists of a mode."""
    if mode == "lexical":
        return [[{"coverage": c}] for c in COVERAGE]
    if mode == "dense":
        return [[{"similarity": s}] for s in SIMILARITY]
    grid = [[{"coverage": c}, {"similarity": s}] for c in COVERAGE for s in SIMILARITY]
    # an AND rule for passages with some of both (coverage c2 and similarity s2, each below the OR rules')
    grid += [[{"coverage": c}, {"similarity": s}, {"coverage": c2, "similarity": s2}]
             for c, s in itertools.product([x for x in COVERAGE if x >= 0.5][::2], [x for x in SIMILARITY if x >= 0.86][::2])
             for c2, s2 in itertools.product([0.1, 0.2, 0.3, 0.4], [0.84, 0.845, 0.85, 0.855, 0.86]) if c2 < c and s2 < s]
    return grid


def fit(svc: SearchService, files: list[Path], mode: str, slack: float) -> dict:
    """The best rule of a mode over the files' non-number queries, with its figures."""
    per_file = []
    for path in files:
        qs = [q for q in load_queries(path) if not svc.parse(q["query"]).numbers]
        data = [(q, candidates(svc, q["query"], mode)) for q in qs]
        docs = doc_table(svc, {c["doc"] for _, cands in data for c in cands})
        per_file.append((path, data, docs))

    def evaluate(rules) -> dict:
        out = {}
        for path, data, docs in per_file:
            rows = [score(rules, cands, docs, q["relevant"]) for q, cands in data]
            out[str(path)] = {k: float(np.mean([r[k] for r in rows])) for k in ("recall@10", "set_f1", "set_recall",
                                                                                 "set_size")}
            defined = [r["set_precision"] for r in rows if r["set_precision"] is not None]
            out[str(path)]["set_precision"] = float(np.mean(defined)) if defined else 0.0
        out["objective"] = float(np.mean([v["set_f1"] for k, v in out.items()]))
        return out

    raw = evaluate(None)
    names = [f for f in raw if f != "objective"]

    def loss(fig: dict) -> float:
        """How far recall@10 fell below the raw ranking's, beyond the slack (worst file)."""
        return max(0.0, max(raw[f]["recall@10"] - fig[f]["recall@10"] - slack for f in names))
    tried = [(rules, evaluate(rules)) for rules in rule_grid(mode)]
    # the smallest recall loss first (zero when the constraint holds), then the best F1
    best, best_fig = min(tried, key=lambda rf: (round(loss(rf[1]), 6), -rf[1]["objective"]))
    return {"mode": mode, "rules": best, "figures": best_fig, "raw": raw, "recall_loss": loss(best_fig)}


def main(argv=None) -> None:
    """Fit every mode and print the table entry (JSON) with its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--kb", default="build/kb-shared")
    ap.add_argument("--slack", type=float, default=0.0, help="allowed fall of mean recall@10 per file")
    ap.add_argument("--modes", default="lexical,dense,hybrid")
    args = ap.parse_args(argv)
    with SearchService.open(args.kb) as svc:
        info = svc.snapshot().encoder_info
        fits = {m: fit(svc, args.files, m, args.slack) for m in args.modes.split(",")}
    for m, f in fits.items():
        print(f"\n{m}: {json.dumps(f['rules'])}  (recall@10 loss beyond slack: {f['recall_loss']:.3f})",
              file=sys.stderr)
        for name in f["raw"]:
            if name == "objective":
                continue
            r, b = f["raw"][name], f["figures"][name]
            print(f"  {name}: raw recall@10 {r['recall@10']:.3f} set P {r['set_precision']:.3f} R {r['set_recall']:.3f}"
                  f" size {r['set_size']:.1f} → cut recall@10 {b['recall@10']:.3f} set P {b['set_precision']:.3f}"
                  f" R {b['set_recall']:.3f} F1 {b['set_f1']:.3f} size {b['set_size']:.1f}", file=sys.stderr)
    entry = {m: f["rules"] for m, f in fits.items()}
    entry["fitted"] = (f"bench/calibrate_cutoff.py on {', '.join(p.name for p in args.files)}: max mean set F1,"
                       f" recall@10 of the raw ranking kept (slack {args.slack})")
    print(json.dumps({info.get("model", info.get("backend", "")): entry}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
