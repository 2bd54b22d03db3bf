"""Layout of the province × year timeline: a grid of shaded cells, drawn as inline SVG by a
template (so every label goes through Jinja's escaping). Rows are provinces, columns years;
the number in a cell is the count of matching documents, and the last column gives each
province's matching documents out of the documents the knowledge base holds for it.

Shades follow each province's *share* (matching ÷ held), not the raw count: a province whose
portal was crawled deeply would otherwise look busiest only because it has the most pages."""
from __future__ import annotations

LABEL_W = 170       # room for the longest province names ("Thành phố Hồ Chí Minh" is abbreviated)
CELL_W, CELL_H, GAP = 46, 28, 3
TOP = 26            # year labels
RIGHT = 120         # row totals and shares
# Light-to-dark blues: readable numbers on every shade (dark text on the first three).
SHADES = ("#eef3fb", "#cfdcf2", "#a9c1e8", "#6f97d6", "#3a6fc0", "#1f4f99")
MAX_LABEL = 24


def timeline(counts: dict[str, dict[str, int]], held: dict[str, tuple[int, int]] | None = None) -> dict | None:
    """Geometry for the SVG grid from {province: {year: documents}} and, per province,
    (matching documents, documents held); None if there is nothing to draw."""
    years = sorted({y for per in counts.values() for y in per})
    if not years:
        return None
    years = _year_span(years)
    held = held or {p: (sum(per.values()), 0) for p, per in counts.items()}
    provinces = sorted(counts, key=lambda p: (p == "unknown", -sum(counts[p].values()), p))
    rates = {p: _rate(counts[p], held.get(p, (0, 0))[1]) for p in provinces}
    peak = max(r for per in rates.values() for r in per.values()) if rates else 0
    rows = [_row(i, name, counts[name], rates[name], held.get(name, (0, 0)), years, peak)
            for i, name in enumerate(provinces)]
    width = LABEL_W + len(years) * (CELL_W + GAP) + RIGHT
    height = TOP + len(rows) * (CELL_H + GAP) + 4
    cols = [{"x": LABEL_W + j * (CELL_W + GAP) + CELL_W / 2, "label": y} for j, y in enumerate(years)]
    return {"width": width, "height": height, "rows": rows, "cols": cols, "top": TOP,
            "total_x": width - RIGHT + 8, "label_x": LABEL_W - 8, "peak": peak}


def _rate(per_year: dict[str, int], held: int) -> dict[str, float]:
    """Matching documents of each year as a share of the province's documents (raw counts when
    the number held is unknown)."""
    return {y: (n / held if held else float(n)) for y, n in per_year.items()}


def _year_span(years: list[str]) -> list[str]:
    """Every year from first to last (a gap is information too); 'unknown' goes last."""
    known = [int(y) for y in years if y.isdigit()]
    span = [str(y) for y in range(min(known), max(known) + 1)] if known else []
    return span + [y for y in years if not y.isdigit()]


def _row(i: int, name: str, per_year: dict[str, int], rates: dict[str, float], held: tuple[int, int],
         years: list[str], peak: float) -> dict:
    y = TOP + i * (CELL_H + GAP)
    cells = []
    for j, year in enumerate(years):
        n = per_year.get(year, 0)
        level = _level(rates.get(year, 0.0), peak)
        cells.append({"x": LABEL_W + j * (CELL_W + GAP), "count": n, "year": year,
                      "fill": SHADES[level] if n else "#f7f7f7", "dark": level >= 3})
    label = name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"
    found, total = held
    share = f"{found}/{total} ({100 * found / total:.0f}%)" if total else str(found)
    return {"y": y, "h": CELL_H, "w": CELL_W, "name": name, "label": label, "cells": cells,
            "total": sum(per_year.values()), "held": total, "share": share, "text_y": y + CELL_H / 2 + 5}


def _level(rate: float, peak: float) -> int:
    if rate <= 0 or peak <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + int(rate * (len(SHADES) - 2) / peak))
