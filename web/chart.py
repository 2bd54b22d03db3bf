"""Layout of the province × year timeline: a grid of shaded cells, drawn as inline SVG by a
template (so every label goes through Jinja's escaping). Rows are provinces, columns years,
the shade and the number in a cell are the count of matching passages."""
from __future__ import annotations

LABEL_W = 170       # room for the longest province names ("Thành phố Hồ Chí Minh" is abbreviated)
CELL_W, CELL_H, GAP = 46, 28, 3
TOP = 26            # year labels
RIGHT = 50          # row totals
# Light-to-dark blues: readable numbers on every shade (dark text on the first three).
SHADES = ("#eef3fb", "#cfdcf2", "#a9c1e8", "#6f97d6", "#3a6fc0", "#1f4f99")
MAX_LABEL = 24


def timeline(counts: dict[str, dict[str, int]]) -> dict | None:
    """Geometry for the SVG grid from {province: {year: count}}; None if nothing to draw."""
    years = sorted({y for per in counts.values() for y in per})
    if not years:
        return None
    years = _year_span(years)
    provinces = sorted(counts, key=lambda p: (p == "unknown", -sum(counts[p].values()), p))
    peak = max(c for per in counts.values() for c in per.values())
    rows = [_row(i, name, counts[name], years, peak) for i, name in enumerate(provinces)]
    width = LABEL_W + len(years) * (CELL_W + GAP) + RIGHT
    height = TOP + len(rows) * (CELL_H + GAP) + 4
    cols = [{"x": LABEL_W + j * (CELL_W + GAP) + CELL_W / 2, "label": y} for j, y in enumerate(years)]
    return {"width": width, "height": height, "rows": rows, "cols": cols, "top": TOP,
            "total_x": width - RIGHT + 8, "label_x": LABEL_W - 8, "peak": peak}


def _year_span(years: list[str]) -> list[str]:
    """Every year from first to last (a gap is information too); 'unknown' goes last."""
    known = [int(y) for y in years if y.isdigit()]
    span = [str(y) for y in range(min(known), max(known) + 1)] if known else []
    return span + [y for y in years if not y.isdigit()]


def _row(i: int, name: str, per_year: dict[str, int], years: list[str], peak: int) -> dict:
    y = TOP + i * (CELL_H + GAP)
    cells = []
    for j, year in enumerate(years):
        n = per_year.get(year, 0)
        level = _level(n, peak)
        cells.append({"x": LABEL_W + j * (CELL_W + GAP), "count": n, "year": year,
                      "fill": SHADES[level] if n else "#f7f7f7", "dark": level >= 3})
    label = name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"
    return {"y": y, "h": CELL_H, "w": CELL_W, "name": name, "label": label, "cells": cells,
            "total": sum(per_year.values()), "text_y": y + CELL_H / 2 + 5}


def _level(n: int, peak: int) -> int:
    if n <= 0 or peak <= 0:
        return 0
    return min(len(SHADES) - 1, 1 + (n * (len(SHADES) - 2)) // peak)
