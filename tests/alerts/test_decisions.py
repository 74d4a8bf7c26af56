"""The pure decisions: routing by labels, where an alert goes, what its arrival records, the
storm window, the card's summary and the title of an incident an alert opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts.domain import (
    Action,
    Alert,
    AlertStatus,
    Attach,
    Ignore,
    Known,
    Open,
    Route,
    Routing,
    Source,
    StormCandidate,
    Unroutable,
    changes,
    decide,
    incident_title,
    place,
    storm_target,
    summarize,
)
from bot.incidents.domain.incident import MAX_TITLE
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import EventKind, TimelineEvent

T0 = datetime(2026, 11, 20, 14, 2, tzinfo=UTC)
SERVICES = frozenset({"checkout", "orders-db"})


def alert(
    name: str = "CheckoutHighLatency",
    status: AlertStatus = AlertStatus.FIRING,
    starts_at: datetime = T0,
    ends_at: datetime | None = None,
    fingerprint: str = "fp1",
    summary: str | None = "Checkout p99 latency above 2s",
    **labels: str,
) -> Alert:
    return Alert(
        source=Source.ALERTMANAGER,
        name=name,
        status=status,
        labels={"alertname": name, **labels},
        annotations={"summary": summary} if summary else {},
        starts_at=starts_at,
        ends_at=ends_at,
        fingerprint=fingerprint,
        generator_url="http://prometheus.test/graph",
        group_key="group-1",
    )


def routes(*routes: Route, default: Route | None = None) -> Routing:
    return Routing(routes, SERVICES, default)


PAYMENTS = Route("payments", Action.INCIDENT, {"team": frozenset({"payments"})}, "checkout")
BY_SERVICE = Route("by-service", Action.INCIDENT)
CHATTER = Route("chatter", Action.CHANNEL, {"severity": frozenset({"info"})}, channel="#alerts")
DEFAULT = Route("default", Action.CHANNEL, channel="#alerts")


# -- routing -----------------------------------------------------------------------------------


def test_the_first_matching_route_wins() -> None:
    routing = routes(CHATTER, PAYMENTS, BY_SERVICE)
    decision = decide(routing, alert(team="payments", service="orders-db", severity="critical"))
    assert (decision.route, decision.action, decision.service) == (
        "payments",
        Action.INCIDENT,
        "checkout",
    )
    assert decide(routing, alert(team="payments", severity="info")).action is Action.CHANNEL


def test_a_route_without_a_service_takes_the_service_label() -> None:
    decision = decide(routes(BY_SERVICE), alert(service="orders-db"))
    assert decision.service == "orders-db"


@pytest.mark.parametrize(
    ("labels", "route_severity", "expected"),
    [
        ({"severity": "critical"}, None, Severity.SEV1),
        ({"severity": "Warning"}, None, Severity.SEV3),
        ({"severity": "info"}, None, Severity.SEV4),
        ({"severity": "made-up"}, None, Severity.SEV3),
        ({}, None, Severity.SEV3),
        ({"severity": "info"}, Severity.SEV2, Severity.SEV2),
    ],
)
def test_severity_from_the_route_else_the_label_mapping(
    labels: dict[str, str], route_severity: Severity | None, expected: Severity
) -> None:
    route = replace(BY_SERVICE, severity=route_severity)
    assert decide(routes(route), alert(service="checkout", **labels)).severity is expected


def test_an_unknown_service_goes_to_the_default_route() -> None:
    decision = decide(routes(BY_SERVICE, default=DEFAULT), alert(service="payments-api"))
    assert (decision.route, decision.action, decision.channel) == (
        "default",
        Action.CHANNEL,
        "#alerts",
    )


def test_an_unknown_service_without_a_default_route_is_refused_with_the_known_ones() -> None:
    with pytest.raises(Unroutable) as raised:
        decide(routes(BY_SERVICE), alert(service="payments-api"))
    assert str(raised.value) == (
        "its 'service' label 'payments-api' is not a known service (known: checkout, orders-db)"
    )


def test_a_missing_service_label_is_refused() -> None:
    with pytest.raises(Unroutable, match="which it does not have"):
        decide(routes(BY_SERVICE), alert())


def test_no_matching_route_is_refused_with_the_labels() -> None:
    with pytest.raises(Unroutable) as raised:
        decide(routes(PAYMENTS), alert(team="storage"))
    assert str(raised.value) == (
        "no route in alert_routes.yaml matches its labels "
        "(alertname=CheckoutHighLatency, team=storage)"
    )


# -- placement, storms -------------------------------------------------------------------------


def test_placement_prefers_the_fingerprint_then_the_group_then_the_storm() -> None:
    firing = alert()
    assert place(firing, by_fingerprint=3, by_group=4, storm=5) == Attach(3)
    assert place(firing, by_fingerprint=None, by_group=4, storm=5) == Attach(4)
    assert place(firing, by_fingerprint=None, by_group=None, storm=5) == Attach(5)
    assert place(firing, by_fingerprint=None, by_group=None, storm=None) == Open()


def test_a_resolution_with_nothing_open_is_ignored_and_never_opens() -> None:
    resolved = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=9))
    assert isinstance(place(resolved, by_fingerprint=None, by_group=None, storm=5), Ignore)
    assert place(resolved, by_fingerprint=None, by_group=2, storm=None) == Attach(2)


def test_the_storm_window_merges_only_the_same_route_and_service_recently() -> None:
    now = T0 + timedelta(minutes=40)
    window = timedelta(minutes=30)
    candidates = [
        StormCandidate(1, "by-service", "checkout", T0),  # 40 min ago: outside
        StormCandidate(2, "by-service", "checkout", T0 + timedelta(minutes=15)),
        StormCandidate(3, "by-service", "checkout", T0 + timedelta(minutes=20)),
        StormCandidate(4, "by-service", "orders-db", T0 + timedelta(minutes=39)),
        StormCandidate(5, "payments", "checkout", T0 + timedelta(minutes=39)),
    ]
    assert storm_target(candidates, "by-service", "checkout", now, window) == 3
    assert storm_target(candidates, "by-service", "checkout", now, timedelta(minutes=5)) is None
    assert storm_target(candidates, "by-service", "checkout", now, timedelta(0)) is None


# -- what an arrival records -------------------------------------------------------------------


def kinds(events: list[TimelineEvent]) -> list[EventKind]:
    return [e.kind for e in events]


def test_a_new_alert_records_its_firing_at_its_start() -> None:
    [event] = changes(None, alert(service="checkout"), T0 + timedelta(hours=1))
    assert event.kind is EventKind.ALERT_FIRING
    assert event.at == T0
    assert event.actor == "warroom"
    assert event.dedup_key == "alert:alertmanager:fp1:2026-11-20T14:02:00+00:00:firing"
    assert event.data == {
        "source": "alertmanager",
        "name": "CheckoutHighLatency",
        "labels": {"alertname": "CheckoutHighLatency", "service": "checkout"},
        "summary": "Checkout p99 latency above 2s",
        "starts_at": "2026-11-20T14:02:00+00:00",
        "ends_at": None,
        "fingerprint": "fp1",
        "generator_url": "http://prometheus.test/graph",
        "group_key": "group-1",
    }


def test_resends_and_late_deliveries_record_nothing() -> None:
    firing, now = alert(), T0 + timedelta(hours=1)
    assert changes(Known(AlertStatus.FIRING, T0), firing, now) == []
    assert changes(Known(AlertStatus.RESOLVED, T0), firing, now) == []  # resolved stays resolved
    older = alert(starts_at=T0 - timedelta(days=1))
    assert changes(Known(AlertStatus.FIRING, T0), older, now) == []


def test_a_resolution_and_a_new_episode() -> None:
    end = T0 + timedelta(minutes=30)
    resolved = alert(status=AlertStatus.RESOLVED, ends_at=end)
    [event] = changes(Known(AlertStatus.FIRING, T0), resolved, T0 + timedelta(hours=1))
    assert (event.kind, event.at, event.data["ends_at"]) == (
        EventKind.ALERT_RESOLVED,
        end,
        end.isoformat(),
    )
    again = alert(starts_at=T0 + timedelta(hours=2))
    assert kinds(changes(Known(AlertStatus.RESOLVED, T0), again, T0)) == [EventKind.ALERT_FIRING]


def test_a_resolution_never_seen_firing_records_both() -> None:
    resolved = alert(status=AlertStatus.RESOLVED, ends_at=T0 + timedelta(minutes=3))
    assert kinds(changes(None, resolved, T0)) == [EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED]


# -- the card's summary, the title -------------------------------------------------------------


def test_the_summary_counts_by_latest_status_and_lists_the_latest_first() -> None:
    one = alert(fingerprint="a", starts_at=T0)
    two = alert(fingerprint="b", starts_at=T0 + timedelta(minutes=1), instance="b")
    end = T0 + timedelta(minutes=5)
    one_resolved = replace(one, status=AlertStatus.RESOLVED, ends_at=end)
    events = [*changes(None, one, T0), *changes(None, two, T0)]
    events += changes(Known(AlertStatus.FIRING, T0), one_resolved, T0)
    summary = summarize(events)
    assert (summary.firing, summary.resolved, summary.total) == (1, 1, 2)
    first, second = summary.latest
    assert (first.status, first.ends_at) == (AlertStatus.RESOLVED, end)
    assert (second.status, second.labels["instance"]) == (AlertStatus.FIRING, "b")
    assert summarize(events, latest=1).latest == (first,)


@pytest.mark.parametrize(
    ("summary", "name", "title"),
    [
        ("Checkout p99 latency above 2s", "X", "Checkout p99 latency above 2s"),
        (None, "CheckoutHighLatency", "CheckoutHighLatency"),
        ("!!!", "CheckoutHighLatency", "CheckoutHighLatency"),
        ("🔥", "🔥", "Alert on checkout"),
        ("  many   spaces  ", "X", "many spaces"),
        ("word " * 60, "X", ("word " * 60).strip()),  # kept whole, as a declared title is
        ("word " * 250, "X", ("word " * 250)[:MAX_TITLE].strip()),
    ],
)
def test_the_title_of_an_alert_opened_incident(summary: str | None, name: str, title: str) -> None:
    assert incident_title(alert(name=name, summary=summary), "checkout") == title
