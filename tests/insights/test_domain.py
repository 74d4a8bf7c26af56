"""The insights' pure core: response times, counts, follow-ups and alert noise from records
(bot/insights/domain), checked on small hand-made histories and by properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.insights.domain.mttx import (
    detect_by_month,
    followups_by_month,
    longest,
    months_between,
    mttx_by,
    severity_by_month,
)
from bot.insights.domain.noise import (
    alerts_per_rule,
    alerts_per_service,
    flapping,
    fullest_window,
    is_night,
    night_pages,
)
from bot.insights.domain.records import (
    ActionItemRecord,
    AlertRecord,
    IncidentRecord,
    PageRecord,
    Recipient,
)
from bot.insights.domain.stats import percentile, summarize

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def incident(
    number: int,
    *,
    at: datetime = T0,
    ack: int | None = None,
    mitigate: int | None = None,
    resolve: int | None = None,
    severity: str = "SEV2",
    service: str | None = "checkout",
    detected: int | None = None,
) -> IncidentRecord:
    def later(minutes: int | None) -> datetime | None:
        return None if minutes is None else at + minutes * MIN

    return IncidentRecord(
        number,
        severity,
        service,
        at,
        detected_at=None if detected is None else at - detected * MIN,
        acknowledged_at=later(ack),
        mitigated_at=later(mitigate),
        resolved_at=later(resolve),
        title=f"Incident {number}",
    )


def test_median_and_p90_interpolate_between_ranks() -> None:
    assert percentile([10.0], 0.9) == 10.0
    assert summarize([4.0, 1.0, 3.0, 2.0]) is not None
    summary = summarize([4.0, 1.0, 3.0, 2.0])
    assert summary is not None
    assert (summary.count, summary.median) == (4, 2.5)
    assert summary.p90 == 3.7  # rank 2.7: 3 + 0.7 x (4 - 3)
    assert summarize([]) is None


def test_mttx_by_month_counts_from_the_declaration_and_fills_empty_months() -> None:
    march = datetime(2026, 3, 2, tzinfo=UTC)
    rows = mttx_by(
        [
            incident(1, ack=2, mitigate=30, resolve=60),
            incident(2, ack=4, mitigate=50, resolve=100),
            incident(3, ack=6),  # still open
            incident(4, at=march, ack=10, resolve=20),
        ],
        "month",
    )
    assert [r.group for r in rows] == ["2026-01", "2026-02", "2026-03"]
    january, february, _ = rows
    assert january.incidents == 3
    assert january.mtta is not None
    assert january.mtta.median == 4 * 60
    assert january.mttm is not None
    assert (january.mttm.count, january.mttm.median) == (2, 40 * 60)
    assert january.mttr is not None
    assert january.mttr.p90 == 96 * 60  # 60 + 0.9 x (100 - 60)
    assert february.incidents == 0
    assert february.mttr is None


def test_mttx_by_severity_in_severity_order_and_by_service() -> None:
    records = [
        incident(1, severity="SEV3", ack=1),
        incident(2, severity="SEV1", ack=3, service=None),
        incident(3, severity="SEV1", ack=5),
    ]
    assert [r.group for r in mttx_by(records, "severity")] == ["SEV1", "SEV3"]
    services = {r.group: r.incidents for r in mttx_by(records, "service")}
    assert services == {"checkout": 2, "(no service)": 1}


def test_a_clock_before_the_declaration_counts_as_zero() -> None:
    (row,) = mttx_by([incident(1, ack=-5)], "month")
    assert row.mtta is not None
    assert row.mtta.median == 0


def test_counts_detection_longest_and_followups() -> None:
    records = [
        incident(1, severity="SEV1", resolve=300, detected=7),
        incident(2, severity="SEV1", resolve=30),
        incident(3, severity="SEV4", resolve=300, detected=3),
        incident(4, at=T0 + timedelta(days=40), resolve=None),
    ]
    counts = severity_by_month(records)
    assert [(c.month, c.counts["SEV1"], c.counts["SEV4"], c.total) for c in counts] == [
        ("2026-01", 2, 1, 3),
        ("2026-02", 0, 0, 1),
    ]
    detect = detect_by_month(records)
    assert detect[0].detect is not None
    assert detect[0].detect.median == 5 * 60
    assert detect[1].detect is None
    assert [(long.number, long.seconds) for long in longest(records, 2)] == [
        (1, 300 * 60),
        (3, 300 * 60),
    ]
    items = [
        ActionItemRecord(1, T0, T0),
        ActionItemRecord(1, T0),
        ActionItemRecord(4, T0, T0),
        ActionItemRecord(99, T0, T0),  # an incident not shown
    ]
    followups = followups_by_month(records, items)
    assert [(f.month, f.total, f.done, f.share) for f in followups] == [
        ("2026-01", 2, 1, 0.5),
        ("2026-02", 1, 1, 1.0),
    ]


def alert(
    rule: str, start: datetime, *, fingerprint: str = "f1", incident: int | None = None
) -> AlertRecord:
    return AlertRecord(rule, "search", fingerprint, start, start + 5 * MIN, incident)


def test_alerts_per_rule_and_service_with_the_share_that_opened_incidents() -> None:
    alerts = [
        alert("HighLatency", T0, incident=1),
        alert("HighLatency", T0),
        alert("HighLatency", T0),
        alert("DiskFull", T0, incident=2),
    ]
    (latency, disk) = alerts_per_rule(alerts)
    assert (latency.name, latency.alerts, latency.opened) == ("HighLatency", 3, 1)
    assert (disk.name, disk.share) == ("DiskFull", 1.0)
    (search,) = alerts_per_service(alerts)
    assert (search.name, search.alerts, search.opened, search.share) == ("search", 4, 2, 0.5)


def test_an_alert_flaps_when_it_fires_and_resolves_repeatedly_within_the_window() -> None:
    hour = timedelta(hours=1)
    alerts = [alert("Flappy", T0 + k * hour) for k in range(4)]  # 4 in 3 h
    alerts += [alert("Slow", T0 + k * 7 * hour, fingerprint="f2") for k in range(4)]
    alerts.append(AlertRecord("Stuck", "search", "f3", T0, None))  # never resolved
    (flap,) = flapping(alerts)
    assert (flap.rule, flap.firings, flap.most_in_window, flap.first_at) == ("Flappy", 4, 4, T0)


def test_night_pages_nobody_acknowledged_in_the_paged_persons_zone() -> None:
    late = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)  # 23:30 in London, 18:30 in New York
    london = (Recipient("U1", "Europe/London"),)
    new_york = (Recipient("U2", "America/New_York"),)
    alerts = [alert("HighLatency", late, incident=1), alert("HighLatency", late, incident=2)]
    pages = [
        PageRecord(1, "search", late, None, london),
        PageRecord(2, "search", late, late + MIN, london),
        PageRecord(2, "search", late, None, new_york),  # evening there: not at night
        PageRecord(3, "search", late, None, london),  # declared by hand: no alert rule
    ]
    (row,) = night_pages(pages, alerts)
    assert (row.rule, row.night, row.unacknowledged) == ("HighLatency", 2, 1)
    assert not is_night(datetime(2026, 7, 1, 5, 0, tzinfo=UTC), "Europe/Berlin")  # 07:00 CEST
    assert is_night(datetime(2026, 7, 1, 4, 59, tzinfo=UTC), "Europe/Berlin")
    assert is_night(datetime(2026, 7, 1, 4, 59, tzinfo=UTC), "Nowhere/Atlantis")  # read as UTC


durations = st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1)


@given(durations)
def test_median_is_never_above_p90_and_both_lie_within_the_values(values: list[float]) -> None:
    summary = summarize(values)
    assert summary is not None
    assert min(values) <= summary.median <= summary.p90 <= max(values)
    assert summary.count == len(values)


history = st.lists(
    st.builds(
        incident,
        st.integers(1, 10_000),
        at=st.datetimes(
            min_value=datetime(2025, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
            max_value=datetime(2026, 12, 31),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        ack=st.none() | st.integers(0, 600),
        resolve=st.none() | st.integers(0, 6000),
        severity=st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]),
        service=st.sampled_from([None, "a", "b"]),
    ),
    max_size=60,
)


@given(history)
def test_every_grouping_counts_every_incident_once(records: list[IncidentRecord]) -> None:
    for grouping in ("month", "service", "severity"):
        rows = mttx_by(records, grouping)
        assert sum(r.incidents for r in rows) == len(records)
        for row in rows:
            for summary in (row.mtta, row.mttm, row.mttr):
                assert summary is None or summary.median <= summary.p90
    assert sum(c.total for c in severity_by_month(records)) == len(records)
    months = [c.month for c in severity_by_month(records)]
    assert months == (months_between(months[0], months[-1]) if months else [])


@given(
    st.lists(
        st.builds(alert, st.sampled_from(["A", "B"]), st.just(T0), incident=st.none() | st.just(1))
    )
)
def test_alert_counts_sum_to_the_alerts(alerts: list[AlertRecord]) -> None:
    assert sum(r.alerts for r in alerts_per_rule(alerts)) == len(alerts)
    assert sum(r.opened for r in alerts_per_service(alerts)) == sum(
        1 for a in alerts if a.incident is not None
    )


@given(st.lists(st.integers(0, 40).map(lambda k: k * 30), max_size=40))
def test_the_fullest_window_is_the_most_firings_within_the_window_of_one(
    minutes: list[int],
) -> None:
    """What the page reads (``fullest_window`` over each alert's sorted resolved firings) is,
    by definition: the most firings from ``reach`` before one of them up to it (ties and
    6-hour edges included), and the earliest start of such a window."""
    starts = sorted(minutes)
    reach = 6 * 60
    windows = [[b for b in starts if a - reach <= b <= a] for a in starts]
    most = max((len(w) for w in windows), default=0)
    first = min((w[0] for w in windows if len(w) == most), default=0)
    assert fullest_window(starts, reach) == (most, first)
