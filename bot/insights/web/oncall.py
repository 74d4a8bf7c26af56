"""The on-call load as sections like the ``/insights`` page's others (a chart, its table, its
CSV): hours on call per person split by the part of the week, pages and acknowledgements per
person, and each schedule's fairness. ``warroom report`` prints the same tables."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy.orm import Session as DbSession

from bot.config.model import Config
from bot.insights import history
from bot.insights.domain import oncall_load as load
from bot.insights.domain.oncall_load import OnCallLoad, PersonLoad
from bot.insights.domain.scope import Scope
from bot.insights.oncall_history import load_oncall
from bot.insights.web.charts import Section, minutes
from bot.insights.web.svg import Series, bars

Names = Callable[[str], str]


def hours(value: float) -> str:
    return f"{value:.1f}"


def _hours(figures: OnCallLoad, name: Names) -> Section:
    people = [p for p in figures.people if p.hours.total > 0]
    labels = [name(p.person) for p in people]
    parts: tuple[tuple[str, Callable[[PersonLoad], float]], ...] = (
        ("business hours", lambda p: p.hours.business),
        ("evenings", lambda p: p.hours.evening),
        ("nights", lambda p: p.hours.night),
        ("weekends", lambda p: p.hours.weekend),
    )
    chart = bars(
        "oncall-hours",
        "Hours on call per person",
        "Hours on call per person, stacked by business hours, evenings, nights and weekends "
        "in each person's own time zone",
        labels,
        [Series(title, [round(part(p), 1) for p in people]) for title, part in parts],
        "h",
        stacked=True,
    )
    rows = [
        [
            name(p.person),
            p.zone,
            hours(p.hours.total),
            hours(p.hours.business),
            hours(p.hours.evening),
            hours(p.hours.night),
            hours(p.hours.weekend),
        ]
        for p in people
    ]
    return Section(
        "oncall-hours",
        "Hours on call per person",
        f"Hours on call (final shifts, overrides included) in each person's own time zone: "
        f"business hours Monday to Friday {load.BUSINESS_STARTS:02d}:00-{load.EVENING_STARTS}:00, "
        f"evenings {load.EVENING_STARTS}:00-{load.NIGHT_STARTS}:00, nights "
        f"{load.NIGHT_STARTS}:00-{load.BUSINESS_STARTS:02d}:00, weekends all of Saturday and "
        "Sunday.",
        [chart],
        ["Person", "Zone", "Hours", "Business", "Evenings", "Nights", "Weekends"],
        rows,
    )


def _pages(figures: OnCallLoad, name: Names) -> Section:
    people = [p for p in figures.people if p.pages]
    chart = bars(
        "oncall-pages",
        "Pages per person",
        f"Pages that reached each person, and how many of them at night "
        f"({load.NIGHT_STARTS}:00-{load.BUSINESS_STARTS:02d}:00 in their zone)",
        [name(p.person) for p in people],
        [
            Series("pages", [float(p.pages) for p in people]),
            Series("at night", [float(p.night_pages) for p in people]),
        ],
        "pages",
    )
    rows = [
        [
            name(p.person),
            str(p.pages),
            str(p.night_pages),
            str(p.acknowledged.count if p.acknowledged else 0),
            minutes(p.acknowledged.median if p.acknowledged else None),
            minutes(p.acknowledged.p90 if p.acknowledged else None),
        ]
        for p in people
    ]
    return Section(
        "oncall-pages",
        "Pages and acknowledgements per person",
        f"Pages that reached each person, those at night ({load.NIGHT_STARTS}:00-"
        f"{load.BUSINESS_STARTS:02d}:00 in their zone), and the minutes from a page reaching "
        "them to their own acknowledgement (median and 90th percentile).",
        [chart],
        [
            "Person",
            "Pages",
            "Night pages",
            "Acknowledged",
            "Ack median (min)",
            "Ack p90 (min)",
        ],
        rows,
    )


def _fairness(figures: OnCallLoad) -> Section:
    spread = figures.fairness
    chart = bars(
        "oncall-fairness",
        "Hours on call per schedule: most and fewest",
        "For each schedule, the most and the fewest hours one of its people was on call",
        [f.schedule for f in spread],
        [
            Series("most", [round(f.most_hours, 1) for f in spread]),
            Series("fewest", [round(f.fewest_hours, 1) for f in spread]),
        ],
        "h",
    )
    rows = [
        [
            f.schedule,
            str(f.people),
            hours(f.most_hours),
            hours(f.fewest_hours),
            "" if f.ratio is None else f"{f.ratio:.2f}",
            f"{f.variation:.2f}",
        ]
        for f in spread
    ]
    return Section(
        "oncall-fairness",
        "Fairness across each schedule",
        "How evenly each schedule's hours were shared: the most and the fewest hours one person "
        "had, their ratio, and the coefficient of variation (standard deviation over the mean; "
        "0 is perfectly even).",
        [chart],
        ["Schedule", "People", "Most hours", "Fewest hours", "Most / fewest", "Variation"],
        rows,
    )


def oncall_sections(figures: OnCallLoad, name: Names = str) -> list[Section]:
    return [_hours(figures, name), _pages(figures, name), _fairness(figures)]


# The on-call sections of a scope, leaving out the pages of the ``hidden`` private incidents.
OnCallSections = Callable[[DbSession, Scope, Collection[int]], list[Section]]


def oncall_reader(
    config: Callable[[], Config],
    zone_of: Callable[[str], str | None],
    name_of: Callable[[str], str | None],
) -> OnCallSections:
    """The ``/insights`` page's on-call sections: the config's schedules (as in force now) and
    the database's overrides and pages; a person's zone from ``users.yaml``, else ``zone_of``
    (their Slack profile's); a person's name from ``users.yaml``, else ``name_of``."""

    def read(session: DbSession, scope: Scope, hidden: Collection[int]) -> list[Section]:
        current = config()
        since, until = history.bounds(scope)
        found = load_oncall(
            session,
            current,
            since,
            until,
            service=scope.service or None,
            hidden=hidden,
            zone_of=zone_of,
        )
        figures = load.load(found.shifts, found.pages, since, until, found.zones, found.members)

        def name(ref: str) -> str:
            user = current.user(ref)
            return user.name if user else name_of(ref) or ref

        return oncall_sections(figures, name)

    return read
