"""A generated hostile corpus mixed with good files, for the reliability suite and its benchmark.

`build(root)` writes the files and returns what must come of them: every good input with
the title (and date) it must keep as its own document, and every bad input that must be
reported with one error line. Real Vietnamese text comes from the test samples.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
SEED = (DATA / "seeds" / "003_aa0692512a3fbb4d.txt").read_text(encoding="utf-8")
SEED_TITLE = "Tọa đàm “Nâng cao chất lượng thực hiện quy chế dân chủ ở cơ sở trên địa bàn tỉnh”"
BODY = ("Ủy ban nhân dân huyện thông báo lịch tiếp công dân định kỳ của Chủ tịch UBND huyện tại Trụ sở tiếp"
        " công dân huyện, từ 7 giờ 30 phút. Công dân đến đúng giờ, mang theo giấy tờ tùy thân. ") * 3


@dataclass
class Expected:
    """What the ingest of the hostile corpus must produce."""

    good: dict[str, dict] = field(default_factory=dict)     # source key → fields the document must have
    bad: set[str] = field(default_factory=set)              # source keys that must be reported


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def build(root: Path, max_file_mb: float) -> Expected:
    """Write the corpus under `root`; files over `max_file_mb` are among the bad ones."""
    exp = Expected()
    # good files, several shapes
    _write(root / "good/seed.txt", SEED)
    exp.good["good/seed.txt"] = {}
    for folder, seed, title in (("a", "000_faee312784e05641.txt", "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 55"),
                                ("b", "003_aa0692512a3fbb4d.txt", SEED_TITLE)):
        _write(root / folder / "quang-tri.txt", (DATA / "seeds" / seed).read_bytes())  # same name, two folders
        exp.good[f"{folder}/quang-tri.txt"] = {"title": title}
    rows = [{"title": f"Lịch tiếp công dân tháng {m}", "date": d, "url": f"https://huyen.vn/lich-{m}", "content": BODY}
            for m, d in ((1, "2020-07-13"), (2, "2021-01-02"))]                # same body, own title/date/URL
    _write(root / "rows.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{not json\n")
    for i, r in enumerate(rows, start=1):
        exp.good[f"rows.jsonl#{i}"] = {"title": r["title"], "date": r["date"], "url": r["url"]}
    exp.bad.add("rows.jsonl#3")
    _write(root / "news.csv", 'title,content\n"Tin một","Nội dung tin một về dân vận."\n'
                              '"Tin hỏng,"chưa đóng ngoặc\n"Tin ba","Nội dung tin ba về quy chế dân chủ."\n')
    exp.good["news.csv#1"] = {"title": "Tin một"}
    exp.good["news.csv#3"] = {"title": "Tin ba"}        # the rows after a broken one still count
    exp.bad.add("news.csv#2")
    _write(root / "page.html", "<!DOCTYPE html><html><head><title>x</title></head><body><article><h1>Trang đầy đủ"
                               "</h1><p>" + SEED.replace("\n", "</p><p>") + "</p></article></body></html>")
    exp.good["page.html"] = {}
    # legacy encodings of real Vietnamese text, each converted to Unicode with its own title
    from vankien.ingest.legacy_vn import encode
    for codec in ("cp1258", "tcvn3", "vni", "viscii"):
        title = f"Hội nghị dân vận khéo năm 2020 ({codec})"
        text = f"{title}\n\n" + SEED.split("\n\n", 2)[-1][:1500]
        raw = encode(text, codec)
        _write(root / f"legacy/{codec}.txt", raw)
        exp.good[f"legacy/{codec}.txt"] = {"title": title}
    # long but legitimate: one 1 MB line of real sentences (no newline at all)
    _write(root / "one-line.txt", "Một dòng rất dài. " + (SEED.replace("\n", " ") + " ") * (2**20 // len(SEED)))
    exp.good["one-line.txt"] = {}
    # bad files
    _write(root / "bad/binary.dat", bytes(range(256)) * 64)
    _write(root / "bad/nul.txt", "Văn bản\x00có NUL".encode("utf-8"))
    _write(root / "bad/empty.txt", b"")
    _write(root / "bad/huge.txt", ("Dân vận khéo. " * 300_000)[: int((max_file_mb + 0.5) * 2**20)])
    _write(root / "bad/front-matter.md", '---json\n{"title": "hỏng", \n---\nNội dung')
    _write(root / "bad/truncated.html", "<!DOCTYPE html><html><body><div class=")
    exp.bad |= {"bad/binary.dat", "bad/nul.txt", "bad/empty.txt", "bad/huge.txt", "bad/front-matter.md",
                "bad/truncated.html"}
    # crafted to make naive regexes backtrack (26 empty comments before the doctype; a 100 kB header line)
    _write(root / "crafted/comments.html", "<!---->" * 26 + "<div><p>" + SEED[:400] + "</p><p>Đoạn hai.</p>"
           "<p>Đoạn ba.</p></div>")
    exp.good["crafted/comments.html"] = {}
    _write(root / "crafted/header.txt", "# title = " + "a " * 50_000 + "\n# url = x\n\nNội dung.")
    exp.good["crafted/header.txt"] = {}
    _write(root / "crafted/token.txt", "Tiêu đề\n\n" + "x" * 40_000 + "\n\n" + SEED)
    exp.good["crafted/token.txt"] = {}
    return exp
