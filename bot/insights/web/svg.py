"""Small server-side SVG charts: vertical bars (grouped or stacked), horizontal bars and lines.

Each chart is an accessible image (``role="img"``, a ``<title>`` and a ``<desc>`` it is labelled
by); each bar and point carries its own ``<title>`` (a tooltip, and read out by screen readers).
No script and no external reference, so the page works offline and under the app's CSP. The
numbers are always in a table beside the chart too. (Hand-rolled: pygal 3.1.3 embeds an inline
script in every chart, which the CSP blocks, random ids and ~16 kB a chart, and no ARIA role.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito: told apart by people with any common colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 26, 46
HBAR_ROW, HBAR_LEFT = 20, 200


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per category; None: nothing to draw


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-t" '
        f'aria-describedby="{cid}-d">',
        f'<title id="{cid}-t">{escape(title)}</title>',
        f'<desc id="{cid}-d">{escape(description)}</desc>',
        f'<text x="{width - RIGHT}" y="15" font-size="12" font-weight="600" text-anchor="end">'
        f"{escape(title)}</text>",
    ]


def _legend(series: Sequence[Series], parts: list[str]) -> None:
    x = LEFT
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="15" font-size="11">{escape(s.name)}</text>')
        x += 24 + 7 * len(s.name)


def _axes(top: float, unit: str, categories: Sequence[str], parts: list[str]) -> float:
    """Grid lines, the y scale and the category labels; the plot's height."""
    plot = HEIGHT - TOP - BOTTOM
    for k in range(5):
        value = top * k / 4
        y = TOP + plot - plot * k / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{_number(value)}</text>"
        )
    parts.append(f'<text x="4" y="{TOP - 6}" font-size="10">{escape(unit)}</text>' if unit else "")
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    every = max(1, math.ceil(len(categories) * 38 / (WIDTH - LEFT - RIGHT)))
    for n, category in enumerate(categories):
        if n % every:
            continue
        x = LEFT + step * (n + 0.5)
        y = HEIGHT - BOTTOM + 14
        parts.append(
            f'<text x="{x:.1f}" y="{y}" font-size="10" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {y})">{escape(category[:18])}</text>'
        )
    return plot


def bars(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    stacked: bool = False,
) -> str:
    """Vertical bars, one group (or stack) per category."""
    parts = _open(chart_id, title, description, WIDTH, HEIGHT)
    if stacked:
        totals = [sum(s.values[n] or 0 for s in series) for n in range(len(categories))]
        top = _nice_max(max(totals, default=0))
    else:
        top = _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    plot = _axes(top, unit, categories, parts)
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    width = step * 0.8 / (1 if stacked else max(len(series), 1))
    for n, category in enumerate(categories):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[n]
            if value is None:
                continue
            height = plot * value / top
            x = LEFT + step * n + step * 0.1 + (0 if stacked else width * k)
            y = TOP + plot - height - (plot * base / top if stacked else 0)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(category)}, '
                f"{escape(s.name)}: {_number(value)} {escape(unit)}</title></rect>"
            )
            if stacked:
                base += value
    _legend(series, parts)
    parts.append("</svg>")
    return "".join(parts)


def lines(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
) -> str:
    """A line per series over the categories (months); a gap where a value is None."""
    parts = _open(chart_id, title, description, WIDTH, HEIGHT)
    top = _nice_max(max((v or 0 for s in series for v in s.values), default=0))
    plot = _axes(top, unit, categories, parts)
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        dots: list[str] = []
        for n, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x = LEFT + step * (n + 0.5)
            y = TOP + plot - plot * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            dots.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(categories[n])}, {escape(s.name)}: {_number(value)} {escape(unit)}"
                "</title></circle>"
            )
        dash = ' stroke-dasharray="5 3"' if k % 2 else ""
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        parts.extend(dots)
    _legend(series, parts)
    parts.append("</svg>")
    return "".join(parts)


def hbars(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str = "",
) -> str:
    """One horizontal bar per label (a ranking: the longest, the noisiest)."""
    height = TOP + HBAR_ROW * max(len(labels), 1) + 8
    parts = _open(chart_id, title, description, WIDTH, height)
    top = _nice_max(max(values, default=0))
    span = WIDTH - HBAR_LEFT - RIGHT - 40
    parts.append(f'<text x="{HBAR_LEFT}" y="14" font-size="10">{escape(unit)}</text>')
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + HBAR_ROW * n
        length = span * value / top
        parts.append(
            f'<text x="{HBAR_LEFT - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{escape(label[:32])}</text>"
            f'<rect x="{HBAR_LEFT}" y="{y + 3}" width="{length:.1f}" height="{HBAR_ROW - 6}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {_number(value)} {escape(unit)}'
            "</title></rect>"
            f'<text x="{HBAR_LEFT + length + 4:.1f}" y="{y + 13}" font-size="10">'
            f"{_number(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
