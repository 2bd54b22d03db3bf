"""Relevance cut-offs per encoder and mode, as data. Fitted by bench/calibrate_cutoff.py on
the judged dev queries (../shared/eval/dev.jsonl and eval/dev-extra.jsonl); see README
"Measured" for the figures. Do not edit by hand: re-run the script and paste its output.

A passage is in the result set when it meets any one rule of its mode; a rule is a set
of minimums on the passage's evidence (search/relevance.py):
- "coverage": share of the query's idf-weighted units in the passage (0–1),
- "similarity": the encoder's cosine between query and passage.

Keys: an encoder fingerprint (one exact model), else the manifest's "model", else its
"backend", else "default". The default knows nothing of an unknown encoder's similarity
scale, so there dense evidence ranks but never admits a passage on its own, and dense mode
has no cut-off (the response says so).
"""
from __future__ import annotations

CUTOFFS: dict[str, dict] = {
    # bench/calibrate_cutoff.py --kb build/kb-shared ../shared/eval/dev.jsonl eval/dev-extra.jsonl
    "multilingual-e5-small-q4/original": {
        "lexical": [{"coverage": 0.2}],
        "dense": [{"similarity": 0.855}],
        "hybrid": [{"coverage": 0.7}, {"similarity": 0.9}, {"coverage": 0.2, "similarity": 0.85}],
        "fitted": "bench/calibrate_cutoff.py on dev.jsonl, dev-extra.jsonl: max mean set F1, recall@10 of the raw ranking kept (slack 0.0)",
    },
    # An encoder never calibrated: its similarity scale is unknown, so only the lexical
    # branches of the fit above apply (hybrid: its coverage-only rule), and dense has none.
    "default": {
        "lexical": [{"coverage": 0.2}],
        "hybrid": [{"coverage": 0.7}],
        "dense": None,
        "fitted": "the coverage-only rules of the multilingual-e5-small-q4/original fit; no similarity rule",
    },
}


def cutoffs_for(encoder_info: dict) -> tuple[str, dict]:
    """(key used, rules by mode) for a generation's encoder."""
    from .encoders import info_fingerprint
    for key in (info_fingerprint(encoder_info), encoder_info.get("model", ""), encoder_info.get("backend", "")):
        if key and key in CUTOFFS:
            return key, CUTOFFS[key]
    return "default", CUTOFFS["default"]


def passes(rules: list[dict] | None, coverage: float, similarity: float | None) -> bool:
    """True if the evidence meets any rule (None rules: no cut-off, everything passes)."""
    if rules is None:
        return True
    for rule in rules:
        if coverage < rule.get("coverage", 0.0):
            continue
        if "similarity" in rule and (similarity is None or similarity < rule["similarity"]):
            continue
        return True
    return False
