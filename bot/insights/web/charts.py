"""The ``/insights`` page's sections: for each, its charts (SVG) and the table of its numbers,
from which its CSV is written too, so the chart, the table and the CSV always agree.

Durations are in minutes (one decimal), shares in percent (one decimal)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from bot.insights.domain import mttx, noise
from bot.insights.domain.mttx import SEVERITIES, Grouping, MttxRow
from bot.insights.domain.stats import Summary
from bot.insights.history import History
from bot.insights.web.svg import Series, bars, hbars, lines

TOP_ROWS = 15  # the rankings' charts show this many; their tables and CSVs show all


@dataclass(frozen=True)
class Section:
    slug: str  # /insights/<slug>.csv
    title: str
    about: str
    charts: list[str]
    headers: list[str]
    rows: list[list[str]]


def minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def _value(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _median(summary: Summary | None) -> float | None:
    return _value(summary.median) if summary else None


def _p90(summary: Summary | None) -> float | None:
    return _value(summary.p90) if summary else None


MTTX_HEADERS = [
    "Incidents",
    "MTTA median (min)",
    "MTTA p90 (min)",
    "MTTM median (min)",
    "MTTM p90 (min)",
    "MTTR median (min)",
    "MTTR p90 (min)",
]
_METRICS = (
    ("mtta", "Time to acknowledge"),
    ("mttm", "Time to mitigate"),
    ("mttr", "Time to resolve"),
)
_BY = {"month": "Month", "service": "Service", "severity": "Severity"}


def _mttx(history: History, grouping: Grouping) -> Section:
    rows: list[MttxRow] = mttx.mttx_of(history.clocks, grouping)
    groups = [r.group for r in rows]
    charts = []
    for metric, name in _METRICS:
        summaries = [getattr(r, metric) for r in rows]
        series = [
            Series("median", [_median(s) for s in summaries]),
            Series("p90", [_p90(s) for s in summaries]),
        ]
        chart_id = f"mttx-{grouping}-{metric}"
        title = f"{metric.upper()} by {grouping}"
        about = f"{name} (minutes from the declaration), median and p90, by {grouping}"
        draw = lines if grouping == "month" else bars
        charts.append(draw(chart_id, title, about, groups, series, "min"))
    table = [
        [
            r.group,
            str(r.incidents),
            *(
                cell
                for s in (r.mtta, r.mttm, r.mttr)
                for cell in (minutes(s.median if s else None), minutes(s.p90 if s else None))
            ),
        ]
        for r in rows
    ]
    return Section(
        f"mttx-{grouping}",
        f"MTTA, MTTM and MTTR by {grouping}",
        "Minutes from the declaration to the acknowledgement, mitigation and resolution: median "
        "and 90th percentile over the incidents that reached each.",
        charts,
        [_BY[grouping], *MTTX_HEADERS],
        table,
    )


def _severity(history: History) -> Section:
    months = mttx.severity_of(history.clocks)
    categories = [m.month for m in months]
    series = [Series(s, [float(m.counts.get(s, 0)) for m in months]) for s in SEVERITIES]
    chart = bars(
        "severity-month",
        "Incidents by severity per month",
        "Incidents declared each month, stacked by severity",
        categories,
        series,
        "incidents",
        stacked=True,
    )
    rows = [[m.month, *(str(m.counts.get(s, 0)) for s in SEVERITIES), str(m.total)] for m in months]
    return Section(
        "severity-month",
        "Incidents by severity",
        "Incidents declared each month (UTC), by severity.",
        [chart],
        ["Month", *SEVERITIES, "Total"],
        rows,
    )


def _detect(history: History) -> Section:
    months = mttx.detect_of(history.clocks)
    categories = [m.month for m in months]
    series = [
        Series("median", [_median(m.detect) for m in months]),
        Series("p90", [_p90(m.detect) for m in months]),
    ]
    chart = lines(
        "detect-month",
        "Time to detect by month",
        "Minutes from detection to declaration, median and p90, by month",
        categories,
        series,
        "min",
    )
    rows = [
        [
            m.month,
            str(m.detect.count if m.detect else 0),
            minutes(m.detect.median if m.detect else None),
            minutes(m.detect.p90 if m.detect else None),
        ]
        for m in months
    ]
    return Section(
        "detect-month",
        "Time to detect",
        "Minutes from detection (when the alert that opened the incident started) to the "
        "declaration, over the incidents whose detection time is known.",
        [chart],
        ["Month", "Incidents with a detection time", "Median (min)", "p90 (min)"],
        rows,
    )


def _longest(history: History) -> Section:
    found = mttx.longest(history.longest)
    chart = hbars(
        "longest",
        "Longest incidents",
        "The resolved incidents that took longest from declaration to resolution, in minutes",
        [f"#{i.number} {i.title}" for i in found],
        [round(i.seconds / 60, 1) for i in found],
        "minutes",
    )
    rows = [
        [
            str(i.number),
            i.title,
            i.severity,
            i.service or "",
            i.declared_at.strftime("%Y-%m-%d %H:%M"),
            minutes(i.seconds),
        ]
        for i in found
    ]
    return Section(
        "longest",
        "Longest incidents",
        f"The {mttx.LONGEST} resolved incidents that took longest from declaration to resolution.",
        [chart],
        [
            "Incident",
            "Title",
            "Severity",
            "Service",
            "Declared (UTC)",
            "Declared to resolved (min)",
        ],
        rows,
    )


def _followups(history: History) -> Section:
    months = history.followups
    chart = bars(
        "followups",
        "Follow-up completion by month",
        "Action items of each month's incidents, done and still open",
        [m.month for m in months],
        [
            Series("done", [float(m.done) for m in months]),
            Series("open", [float(m.total - m.done) for m in months]),
        ],
        "action items",
        stacked=True,
    )
    rows = [[m.month, str(m.total), str(m.done), percent(m.share)] for m in months]
    return Section(
        "followups",
        "Follow-up completion",
        "Action items of the incidents declared each month, and how many are done.",
        [chart],
        ["Month", "Action items", "Done", "Done (%)"],
        rows,
    )


def _alert_counts(history: History, per: str) -> Section:
    per_rule = per == "rule"
    per_rule_counts = noise.rank(history.alert_counts)
    found = per_rule_counts if per_rule else noise.per_service(per_rule_counts)
    shown = found[:TOP_ROWS]
    labels = [f"{r.name} ({r.service})" if per_rule else r.name for r in shown]
    chart = hbars(
        f"alerts-{per}",
        f"Alerts per {per}",
        f"The {len(shown)} {per}s with the most alerts",
        labels,
        [float(r.alerts) for r in shown],
        "alerts",
    )
    rows = [
        [
            *([r.name, r.service] if per_rule else [r.name]),
            str(r.alerts),
            str(r.opened),
            percent(r.share),
        ]
        for r in found
    ]
    return Section(
        f"alerts-{per}",
        f"Alerts per {per}",
        "Alert firings, and the share that opened (or joined) an incident; a low share is noise.",
        [chart],
        [
            *(["Rule", "Service"] if per_rule else ["Service"]),
            "Alerts",
            "Opened an incident",
            "Share (%)",
        ],
        rows,
    )


def _flapping(history: History) -> Section:
    found = noise.ranked_flapping(history.flapping)
    hours = noise.FLAP_WINDOW.total_seconds() / 3600
    shown = found[:TOP_ROWS]
    chart = hbars(
        "flapping",
        "Flapping alerts",
        f"Alerts that fired and resolved {noise.FLAP_FIRINGS} times or more within {hours:g} h",
        [f"{f.rule} ({f.service})" for f in shown],
        [float(f.most_in_window) for f in shown],
        f"firings within {hours:g} h",
    )
    rows = [
        [
            f.rule,
            f.service,
            f.fingerprint,
            str(f.firings),
            str(f.most_in_window),
            f.first_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for f in found
    ]
    return Section(
        "flapping",
        "Flapping alerts",
        f"The same alert fired and resolved at least {noise.FLAP_FIRINGS} times within "
        f"{hours:g} hours.",
        [chart],
        ["Rule", "Service", "Fingerprint", "Firings", f"Most within {hours:g} h", "From (UTC)"],
        rows,
    )


def _night(history: History) -> Section:
    found = noise.night_pages_of(history.pages, history.rules)
    shown = [r for r in found if r.unacknowledged][:TOP_ROWS]
    chart = hbars(
        "night-pages",
        "Night pages never acknowledged",
        "Alert rules whose incidents paged someone at night and nobody acknowledged",
        [f"{r.rule} ({r.service})" for r in shown],
        [float(r.unacknowledged) for r in shown],
        "pages",
    )
    rows = [[r.rule, r.service, str(r.night), str(r.unacknowledged)] for r in found]
    return Section(
        "night-pages",
        "Night pages never acknowledged",
        f"Pages of alert-opened incidents that started between {noise.NIGHT_START}:00 and "
        f"{noise.NIGHT_END:02d}:00 in the zone of someone they paged, and how many nobody "
        "acknowledged.",
        [chart],
        ["Rule", "Service", "Pages at night", "Never acknowledged"],
        rows,
    )


BUILDERS: dict[str, Callable[[History], Section]] = {
    "mttx-month": lambda h: _mttx(h, "month"),
    "mttx-service": lambda h: _mttx(h, "service"),
    "mttx-severity": lambda h: _mttx(h, "severity"),
    "severity-month": _severity,
    "detect-month": _detect,
    "longest": _longest,
    "followups": _followups,
    "alerts-rule": lambda h: _alert_counts(h, "rule"),
    "alerts-service": lambda h: _alert_counts(h, "service"),
    "flapping": _flapping,
    "night-pages": _night,
}


def sections(history: History) -> list[Section]:
    return [build(history) for build in BUILDERS.values()]


def csv_text(section: Section) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(section.headers)
    for row in section.rows:
        # A cell a spreadsheet would run as a formula is kept as text.
        writer.writerow(["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return out.getvalue()
