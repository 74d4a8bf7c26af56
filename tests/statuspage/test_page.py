"""The status page's core: component states from open customer-facing incidents, uptime over
90 days, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.incidents.domain.severity import Severity
from bot.statuspage.domain.page import HISTORY_DAYS, PublicIncident, PublicNote, build_page

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SERVICES = [("checkout-api", "The checkout API."), ("search", "")]


def incident(
    number: int,
    severity: Severity,
    started: timedelta,
    lasted: timedelta | None,
    components: tuple[str, ...] = ("checkout-api",),
) -> PublicIncident:
    start = NOW - started
    return PublicIncident(
        number=number,
        severity=severity,
        started_at=start,
        resolved_at=start + lasted if lasted is not None else None,
        components=components,
        updates=(PublicNote(start, "Investigating"),),
    )


def test_nothing_published_is_all_operational_with_full_uptime() -> None:
    page = build_page(SERVICES, [], NOW)
    assert page.overall == "operational"
    assert [c.state for c in page.components] == ["operational", "operational"]
    assert all(len(c.days) == HISTORY_DAYS for c in page.components)
    assert page.components[0].days[-1].day == NOW.date()
    assert page.components[0].uptime == 1.0


def test_the_worst_open_incident_sets_a_components_state() -> None:
    page = build_page(
        SERVICES,
        [
            incident(1, Severity.SEV3, timedelta(hours=1), None),
            incident(2, Severity.SEV1, timedelta(minutes=30), None, ("checkout-api", "search")),
            incident(3, Severity.SEV2, timedelta(days=3), timedelta(hours=1), ("search",)),
        ],
        NOW,
    )
    states = {c.name: c.state for c in page.components}
    assert states == {"checkout-api": "major outage", "search": "major outage"}
    assert page.overall == "major outage"
    assert [i.number for i in page.active] == [2, 1]
    assert [i.number for i in page.history] == [3]
    assert page.history[0].duration(NOW) == timedelta(hours=1)
    assert "search" in page.history[0].title


def test_outages_count_against_uptime_and_degraded_does_not() -> None:
    page = build_page(
        SERVICES,
        [
            incident(1, Severity.SEV2, timedelta(days=10), timedelta(hours=6)),
            incident(2, Severity.SEV3, timedelta(days=20), timedelta(hours=6)),
        ],
        NOW,
    )
    checkout = page.components[0]
    bad = {d.day: d.state for d in checkout.days if d.state != "operational"}
    assert bad == {
        (NOW - timedelta(days=10)).date(): "partial outage",
        (NOW - timedelta(days=20)).date(): "degraded performance",
    }
    assert checkout.uptime == 1 - 6 / (24 * HISTORY_DAYS)
    assert page.components[1].uptime == 1.0


def test_an_outage_over_midnight_is_split_between_the_days() -> None:
    start = timedelta(days=5, hours=14)  # 22:00 five days ago, for four hours
    page = build_page(SERVICES, [incident(1, Severity.SEV1, start, timedelta(hours=4))], NOW)
    down = [d.down for d in page.components[0].days if d.down]
    assert down == [timedelta(hours=2), timedelta(hours=2)]
