"""``warroom report``'s content: the ``/insights`` page's tables (response times by month,
service and severity, incidents by severity, time to detect, the longest incidents, follow-ups,
alert noise) and the on-call load, for a scope, as Markdown, CSV or JSON.

The figures are the page's own (``bot/insights/web/charts.py`` over ``bot/insights/history.py``),
so the terminal and the browser always agree. Private incidents are left out, with their action
items, alerts and pages, as the page leaves them out for someone in none of their channels.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.model import Config
from bot.incidents.rows import IncidentRow
from bot.insights import history
from bot.insights.domain import oncall_load
from bot.insights.domain.scope import Scope
from bot.insights.oncall_history import load_oncall
from bot.insights.sections import SLUGS
from bot.insights.web.charts import Section, csv_text, sections
from bot.insights.web.oncall import Names, oncall_sections

Format = Literal["md", "csv", "json"]
FORMATS: tuple[Format, ...] = ("md", "csv", "json")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Report:
    scope: Scope
    sections: list[Section]


def services(session: Session, config: Config | None) -> list[str]:
    """Every service a report may be scoped to: the config's and those incidents name."""
    named = session.scalars(select(IncidentRow.service).where(IncidentRow.service != "").distinct())
    configured = [s.name for s in config.services] if config else []
    return sorted({*configured, *(s for s in named if s)})


def build(
    session: Session, scope: Scope, config: Config | None, only: Sequence[str] = ()
) -> Report:
    """The report of ``scope``; ``config`` None leaves the on-call load out (no schedules)."""

    def zone_of(ref: str) -> str | None:
        user = config.user(ref) if config else None
        return user.time_zone if user else None

    hidden = history.hidden_private(session, ())
    found = history.load(session, scope, (), lambda ref: zone_of(ref) or "UTC")
    built = {s.slug: s for s in sections(found)}
    if config is not None:
        since, until = history.bounds(scope)
        oncall = load_oncall(
            session,
            config,
            since,
            until,
            service=scope.service or None,
            hidden=hidden,
            zone_of=zone_of,
        )
        figures = oncall_load.load(
            oncall.shifts, oncall.pages, since, until, oncall.zones, oncall.members
        )
        built |= {s.slug: s for s in oncall_sections(figures, _names(config))}
    chosen = [slug for slug in SLUGS if slug in built and (not only or slug in only)]
    return Report(scope, [built[slug] for slug in chosen])


def _names(config: Config) -> Names:
    def name(ref: str) -> str:
        user = config.user(ref)
        return user.name if user else ref

    return name


def render(report: Report, form: Format) -> str:
    if form == "json":
        return _json(report)
    if form == "csv":
        return "\r\n".join(_csv_block(s) for s in report.sections)
    return _markdown(report)


def _title(scope: Scope) -> str:
    service = f", service {scope.service}" if scope.service else ""
    return f"warroom report: {scope.since} to {scope.until} (UTC){service}"


def _markdown(report: Report) -> str:
    lines = [f"# {_title(report.scope)}", ""]
    lines.append("Private incidents are left out. Durations are in minutes unless marked.")
    for section in report.sections:
        lines += ["", f"## {section.title}", "", section.about, ""]
        if not section.rows:
            lines.append("Nothing in this range.")
            continue
        lines.append(_md_row(section.headers))
        lines.append("|" + "|".join(" --- " for _ in section.headers) + "|")
        lines += [_md_row(row) for row in section.rows]
    return "\n".join(lines) + "\n"


def _md_row(cells: Sequence[str]) -> str:
    escaped = (c.replace("|", "\\|").replace("\n", " ") for c in cells)
    return "| " + " | ".join(escaped) + " |"


def _csv_block(section: Section) -> str:
    """A section's table as the page's CSV, under a row naming it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([f"{section.slug}: {section.title}"])
    return out.getvalue() + csv_text(section)


def _json(report: Report) -> str:
    data = {
        "since": report.scope.since.isoformat(),
        "until": report.scope.until.isoformat(),
        "service": report.scope.service or None,
        "private_incidents": "left out",
        "sections": [
            {
                "slug": s.slug,
                "title": s.title,
                "about": s.about,
                "headers": s.headers,
                "rows": [[_value(cell) for cell in row] for row in s.rows],
            }
            for s in report.sections
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _value(cell: str) -> str | int | float | None:
    if cell == "":
        return None
    if _NUMBER.match(cell):
        return float(cell) if "." in cell else int(cell)
    return cell
