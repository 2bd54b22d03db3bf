"""Score ingest's HTML extraction on folders of pages with expectations; print quality and pages/s.

Each PATH is recognised by what it holds (nothing third-party is vendored: point at local checkouts):

- a trafilatura checkout (`tests/realworld_tests.py` + `tests/cache/`): its real-world suite, read
  from the test file itself — per page, sentences that must appear in the main text and sentences
  that must not (the plain-text assertions of `test_extract`);
- an article-extraction-benchmark checkout (`ground-truth.json` + `html/*.html.gz`, ScrapingHub):
  golden article bodies, scored by word precision / recall / F1 (bag of lower-cased words, mean
  over pages);
- an htmldate checkout (`tests/eval_mediacloud_2020.json` + `tests/test_set/`): golden
  publication dates of news pages worldwide;
- any folder with an `expectations.json` (this repository's `tests/data/html`): per file
  `with` / `without` sentences and optionally `text`, `title`, `date`, `number`.

"ingest" runs the project's path (reader → clean → metadata, as `vankien ingest` does, without
embedding); "trafilatura" runs trafilatura alone with its defaults (text from `extract`, date from
its metadata) on the same bytes in the same run. Pages/s is pages per CPU-second of this process,
i.e. per core.

    .venv/bin/python bench/bench_extract.py /work/ext/trafilatura /work/ext/article-extraction-benchmark \
        /work/ext/htmldate tests/data/html [--extractor ingest,trafilatura] [--failures 5]
"""
from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from vankien.ingest.encodings import DecodeError, decode_bytes
from vankien.ingest.model import ReadError
from vankien.ingest.pipeline import prepare
from vankien.ingest.read_html import read_html
from vankien.ingest.readers import detect_format, read_single

_WORD = re.compile(r"\w+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


@dataclass
class Case:
    """One page and what is expected of it (any of the expectation fields may be empty)."""

    name: str
    path: Path | None
    raw: bytes
    url: str = ""
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    text: str | None = None
    title: str | None = None
    date: str | None = None
    number: str | None = None


@dataclass
class Output:
    """What an extractor gave for one page."""

    text: str
    title: str = ""
    date: str = ""
    number: str = ""
    note: str = ""


# ---------------------------------------------------------------- suites

def load_suites(path: Path) -> list[tuple[str, list[Case]]]:
    """(suite name, cases) for one PATH, by what the folder holds."""
    if (path / "tests" / "realworld_tests.py").exists():
        return [("realworld", list(_realworld(path / "tests"))),
                ("rw-titles", list(_realworld_titles(path / "tests")))]
    if (path / "ground-truth.json").exists():
        return [("golden-text", list(_golden_text(path)))]
    if (path / "tests" / "eval_mediacloud_2020.json").exists():
        suites = [("golden-date", list(_golden_dates(path / "tests", "eval_mediacloud_2020.json",
                                                     "test_set")))]
        if (path / "tests" / "eval").is_dir():
            suites.append(("date-bbaw", list(_golden_dates(path / "tests", "eval_default.json", "eval"))))
        return suites
    if (path / "expectations.json").exists():
        return [(path.name, list(_expectations(path)))]
    raise SystemExit(f"{path}: no realworld_tests.py, ground-truth.json, eval_mediacloud_2020.json "
                     "or expectations.json")


def _realworld(tests: Path) -> Iterator[Case]:
    """Pages and sentences of trafilatura's `test_extract`, as asserted on its plain-text output."""
    module = ast.parse((tests / "realworld_tests.py").read_text(encoding="utf-8"))
    files = _literal_assign(module, "MOCK_PAGES")
    test = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "test_extract")
    pages: dict[str, Case] = {}
    current: Case | None = None
    for node in _plain_text_statements(test.body):
        if isinstance(node, ast.Assign) and _assigns(node, "result"):
            url = ast.literal_eval(node.value.args[0])
            current = pages.setdefault(url, Case(files[url], tests / "cache" / files[url],
                                                 (tests / "cache" / files[url]).read_bytes(), url))
        elif isinstance(node, ast.Assert) and current is not None:
            sentence, present = _membership(node.test)
            if sentence is not None:
                (current.with_ if present else current.without).append(sentence)
    yield from pages.values()


def _realworld_titles(tests: Path) -> Iterator[Case]:
    """Pages of `test_pages` with the title it asserts (`metadata.title == "…"`)."""
    module = ast.parse((tests / "realworld_tests.py").read_text(encoding="utf-8"))
    files = _literal_assign(module, "MOCK_PAGES")
    test = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "test_pages")
    url = None
    for node in test.body:
        if isinstance(node, ast.Assign):
            urls = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                    and isinstance(c.value, str) and c.value in files]
            url = urls[0] if urls else None
        elif isinstance(node, ast.Assert) and url and ast.unparse(node.test).startswith("metadata.title =="):
            path = tests / "cache" / files[url]
            yield Case(files[url], path, path.read_bytes(), url, title=ast.literal_eval(node.test.comparators[0]))


def _literal_assign(module: ast.Module, name: str):
    for node in module.body:
        if isinstance(node, ast.Assign) and _assigns(node, name):
            return ast.literal_eval(node.value)
    raise SystemExit(f"realworld_tests.py: no {name}")


def _assigns(node: ast.Assign, name: str) -> bool:
    return isinstance(node.targets[0], ast.Name) and node.targets[0].id == name


def _plain_text_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements in order, entering `if` blocks that hold for plain-text output
    (`xmloutput is False`, `not formatting`, `formatting is False`)."""
    for node in body:
        if isinstance(node, ast.If):
            condition = ast.unparse(node.test)
            if condition in ("xmloutput is False", "not formatting", "formatting is False",
                             "not xmloutput"):
                yield from _plain_text_statements(node.body)
            else:
                yield from _plain_text_statements(node.orelse)
        else:
            yield node


def _membership(test: ast.expr) -> tuple[str | None, bool]:
    """("sentence", True) for `"s" in result`, (…, False) for `not in`; (None, …) otherwise."""
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Constant)
            and isinstance(test.comparators[0], ast.Name) and test.comparators[0].id == "result"):
        if isinstance(test.ops[0], ast.In):
            return test.left.value, True
        if isinstance(test.ops[0], ast.NotIn):
            return test.left.value, False
    return None, False


def _golden_text(root: Path) -> Iterator[Case]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        raw = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        yield Case(key[:12], None, raw, item.get("url", ""), text=item.get("articleBody", ""))


def _golden_dates(tests: Path, truth_file: str, folder: str) -> Iterator[Case]:
    """Pages with their annotated publication date (those whose file is present)."""
    truth = json.loads((tests / truth_file).read_text(encoding="utf-8"))
    for url, item in truth.items():
        path = tests / folder / item["file"]
        if not path.exists():
            continue
        # "nan": the annotators found no date on the page; the right answer is none.
        date = item["date"] if isinstance(item["date"], str) else ""
        yield Case(item["file"], path, path.read_bytes(), url, date=date)


def _expectations(folder: Path) -> Iterator[Case]:
    expected = json.loads((folder / "expectations.json").read_text(encoding="utf-8"))
    for name, item in expected.items():
        path = folder / name
        yield Case(name, path, path.read_bytes(), item.get("url", ""), item.get("with", []),
                   item.get("without", []), item.get("text"), item.get("title"), item.get("date"),
                   item.get("number"))


# ---------------------------------------------------------------- extractors

def run_ingest(case: Case, workdir: Path, keep_comments: bool = False) -> Output:
    """The project's path for one file: decode, detect the format, read (the HTML reader),
    clean and extract metadata — what `vankien ingest` stores, without embedding."""
    note = ""
    try:
        text = decode_bytes(case.raw).text
    except DecodeError:
        # Non-UTF-8 pages: ingest/encodings.py (another change) decodes them by their declared
        # charset; until then the bench does that here so that extraction is what is scored.
        text, note = _decode_declared(case.raw), "decoded by the bench"
    name = case.path.name if case.path else f"{case.name}.html"
    fmt = detect_format(Path(name).suffix.lower(), text)
    item = (read_html(name, text, "", keep_comments=keep_comments) if fmt == "html"
            else read_single(fmt, name, text, ""))
    if isinstance(item, ReadError):
        return Output("", note=f"read error: {item.reason}")
    prepared = prepare(item)
    meta = prepared.meta
    notes = [note] if note else []
    notes += [n.split(":")[0] for n in item.notes]
    return Output(prepared.text, meta.title, meta.date, meta.doc_number, note="; ".join(notes))


def run_ingest_comments(case: Case, workdir: Path) -> Output:
    """`run_ingest` with reader comments kept (read_html's keep_comments option)."""
    return run_ingest(case, workdir, keep_comments=True)


def run_trafilatura(case: Case, workdir: Path) -> Output:
    """trafilatura alone with its defaults (comments included, as its default is)."""
    import trafilatura
    result = trafilatura.extract(case.raw, output_format="json", with_metadata=True)
    if not result:
        return Output("")
    data = json.loads(result)
    # Its plain-text output is the main text followed by the comments (kept by default).
    text = "\n".join(t for t in (data.get("text"), data.get("comments")) if t)
    return Output(text, data.get("title") or "", data.get("date") or "")


def _decode_declared(raw: bytes) -> str:
    m = _CHARSET.search(raw[:4096])
    for encoding in ([m.group(1).decode("ascii")] if m else []) + ["cp1252"]:
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace")


EXTRACTORS: dict[str, Callable[[Case, Path], Output]] = {
    "ingest": run_ingest, "ingest+comments": run_ingest_comments, "trafilatura": run_trafilatura}


# ---------------------------------------------------------------- scoring

def word_prf(gold: str, pred: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of a prediction against a golden text."""
    g, p = Counter(_WORD.findall(gold.lower())), Counter(_WORD.findall(pred.lower()))
    common = sum((g & p).values())
    if not g and not p:
        return 1.0, 1.0, 1.0
    precision = common / sum(p.values()) if p else 0.0
    recall = common / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Score:
    """Totals of one extractor on one suite."""

    pages: int = 0
    cpu: float = 0.0
    with_total: int = 0
    with_found: int = 0
    without_total: int = 0
    without_absent: int = 0
    pages_right: int = 0
    missed_in_comments: int = 0
    prf: list[tuple[float, float, float]] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    fields: Counter = field(default_factory=Counter)
    field_totals: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def score_case(case: Case, out: Output, score: Score, comments: str) -> None:
    """Add one page's result to the totals (comments: the page's reader comments, if known)."""
    score.pages += 1
    for note in filter(None, out.note.split("; ")):
        score.notes[note] += 1
    problems = []
    found = [s for s in case.with_ if s in out.text]
    absent = [s for s in case.without if s not in out.text]
    score.with_total += len(case.with_)
    score.with_found += len(found)
    score.without_total += len(case.without)
    score.without_absent += len(absent)
    missed = [s for s in case.with_ if s not in found]
    score.missed_in_comments += sum(1 for s in missed if s in comments)
    problems += [f"missing {s!r}" for s in missed] + [f"kept {s!r}" for s in case.without if s not in absent]
    if case.with_ or case.without:
        score.pages_right += not problems
    if case.text is not None:
        score.prf.append(word_prf(case.text, out.text))
        if score.prf[-1][2] < 0.8:
            problems.append(f"F1 {score.prf[-1][2]:.2f}")
    if case.date is not None:
        score.dates.append(out.date == case.date)
        if out.date != case.date:
            problems.append(f"date {out.date or '-'} (expected {case.date})")
    for name in ("title", "number"):
        expected = getattr(case, name)
        if expected is not None:
            score.field_totals[name] += 1
            score.fields[name] += getattr(out, name) == expected
            if getattr(out, name) != expected:
                problems.append(f"{name} {getattr(out, name)!r}")
    if problems:
        score.failures.append(f"{case.name}: " + "; ".join(problems[:4]) + (f" {out.note}" if out.note else ""))


def report(suite: str, name: str, score: Score, failures: int) -> None:
    """Print one extractor's figures on one suite."""
    rate = score.pages / score.cpu if score.cpu else 0.0
    parts = [f"{suite:<12} {name:<12} {score.pages:4d} pages  {rate:6.1f} pages/s per core"]
    if score.with_total or score.without_total:
        parts.append(f"must-have found {_pct(score.with_found, score.with_total)} "
                     f"({score.with_found}/{score.with_total})  must-not absent "
                     f"{_pct(score.without_absent, score.without_total)} "
                     f"({score.without_absent}/{score.without_total})  pages fully right "
                     f"{score.pages_right}/{score.pages}")
        if score.missed_in_comments:
            parts.append(f"missed must-haves found in reader comments: {score.missed_in_comments}")
    if score.prf:
        p, r, f = (statistics.mean(x[i] for x in score.prf) for i in range(3))
        parts.append(f"word P {p:.3f} R {r:.3f} F1 {f:.3f} (mean over pages), "
                     f"median F1 {statistics.median(x[2] for x in score.prf):.3f}")
    if score.dates:
        parts.append(f"date right {_pct(sum(score.dates), len(score.dates))} "
                     f"({sum(score.dates)}/{len(score.dates)})")
    for key, total in sorted(score.field_totals.items()):
        parts.append(f"{key} right {score.fields[key]}/{total}")
    if score.notes:
        parts.append("notes: " + ", ".join(f"{k} ×{v}" for k, v in score.notes.items()))
    print("\n    ".join(parts))
    for line in score.failures[:failures]:
        print(f"      ✗ {line[:300]}")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "  n/a"


def page_comments(case: Case) -> str:
    """The page's reader comments as trafilatura separates them ("" if none)."""
    import trafilatura
    doc = trafilatura.bare_extraction(case.raw, include_comments=True)
    return (doc.comments or "") if doc else ""


def main() -> None:
    """Run every extractor on every suite and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--extractor", default="ingest,trafilatura",
                        help="comma-separated: ingest, trafilatura (default both)")
    parser.add_argument("--failures", type=int, default=5, help="failing pages to list per run")
    args = parser.parse_args()
    names = [n.strip() for n in args.extractor.split(",") if n.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        for suite, cases in (s for path in args.paths for s in load_suites(path)):
            comments = {c.name: page_comments(c) for c in cases} if any(c.with_ for c in cases) else {}
            for name in names:
                score = Score()
                for case in cases:
                    started = time.process_time()
                    try:
                        out = EXTRACTORS[name](case, Path(tmp))
                    except Exception as exc:  # a crash is scored as an empty page and counted
                        out = Output("", note=f"crash: {type(exc).__name__}")
                    score.cpu += time.process_time() - started
                    score_case(case, out, score, comments.get(case.name, ""))
                report(suite, name, score, args.failures)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
