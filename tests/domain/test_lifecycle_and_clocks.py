from datetime import UTC, datetime, timedelta

import pytest

from bot.incidents.domain import incident as domain
from bot.incidents.domain.incident import Clocks, InvalidChange, format_duration
from bot.incidents.domain.lifecycle import Status, TransitionRefused
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import EventKind

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def declared() -> domain.Incident:
    incident, _ = domain.declare(
        number=7, title="Checkout latency high", severity=Severity.SEV2, declarer="U0ONCALL", now=T0
    )
    return incident


def test_declare_records_who_when_and_what() -> None:
    incident, events = domain.declare(
        number=1, title="  Checkout   latency high ", severity=Severity.SEV2, declarer="U1", now=T0
    )
    assert incident.title == "Checkout latency high"
    assert incident.status is Status.INVESTIGATING
    assert incident.lead == "U1"
    assert [(e.kind, e.actor, e.at) for e in events] == [(EventKind.DECLARED, "U1", T0)]


def test_resolve_from_investigating_sets_mitigated_and_resolved() -> None:
    later = T0 + timedelta(minutes=42)
    resolved, events = domain.transition(declared(), Status.RESOLVED, "U2", later, "reverted")
    assert resolved.mitigated_at == later
    assert resolved.resolved_at == later
    assert events[0].data == {"from": "investigating", "to": "resolved", "note": "reverted"}


def test_a_clock_is_set_on_the_first_transition_only() -> None:
    first = T0 + timedelta(minutes=10)
    mitigated, _ = domain.transition(declared(), Status.MITIGATED, "U2", first)
    resolved, _ = domain.transition(mitigated, Status.RESOLVED, "U2", first + timedelta(hours=1))
    reopened, _ = domain.transition(
        resolved, Status.INVESTIGATING, "U2", first + timedelta(hours=2)
    )
    again, _ = domain.transition(reopened, Status.MITIGATED, "U2", first + timedelta(hours=3))
    assert again.mitigated_at == first


def test_a_refused_transition_names_the_allowed_moves() -> None:
    mitigated, _ = domain.transition(declared(), Status.MITIGATED, "U2", T0)
    with pytest.raises(TransitionRefused) as raised:
        domain.transition(mitigated, Status.IDENTIFIED, "U2", T0)
    assert "cannot move from mitigated to identified" in str(raised.value)
    assert "resolve (`/incident resolve`)" in str(raised.value)


def test_resolving_a_resolved_incident_is_refused_with_reopen_hint() -> None:
    resolved, _ = domain.transition(declared(), Status.RESOLVED, "U2", T0)
    with pytest.raises(TransitionRefused, match=r"already resolved.*reopen"):
        domain.transition(resolved, Status.RESOLVED, "U2", T0)


def test_changes_to_a_resolved_incident_are_refused() -> None:
    resolved, _ = domain.transition(declared(), Status.RESOLVED, "U2", T0)
    with pytest.raises(InvalidChange, match="resolved; reopen it"):
        domain.change_severity(resolved, Severity.SEV1, "U2", T0)


def test_same_severity_or_lead_is_refused() -> None:
    with pytest.raises(InvalidChange, match="already SEV2"):
        domain.change_severity(declared(), Severity.SEV2, "U2", T0)
    with pytest.raises(InvalidChange, match="already the lead"):
        domain.change_lead(declared(), "U0ONCALL", "U2", T0)


@pytest.mark.parametrize("title", ["", "   ", "x" * (domain.MAX_TITLE + 1)])
def test_bad_titles_are_refused(title: str) -> None:
    with pytest.raises(InvalidChange):
        domain.declare(number=1, title=title, severity=Severity.SEV3, declarer="U1", now=T0)


def test_clocks_measure_from_detection_when_known() -> None:
    incident, _ = domain.declare(
        number=1,
        title="x",
        severity=Severity.SEV1,
        declarer="U1",
        now=T0,
        detected_at=T0 - timedelta(minutes=5),
    )
    incident = domain.acknowledge(incident, T0 + timedelta(minutes=2))
    incident = domain.acknowledge(incident, T0 + timedelta(minutes=9))
    resolved, _ = domain.transition(incident, Status.RESOLVED, "U1", T0 + timedelta(hours=1))
    clocks = Clocks.of(resolved)
    assert clocks.time_to_acknowledge == timedelta(minutes=7)
    assert clocks.time_to_mitigate == timedelta(minutes=65)
    assert clocks.time_to_resolve == timedelta(minutes=65)


def test_naive_instants_are_refused_on_the_timeline() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        domain.post_update(declared(), "x", "U1", datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5s"), (200, "3m 20s"), (3900, "1h 05m"), (2 * 86400 + 4 * 3600, "2d 4h")],
)
def test_durations_read_short(seconds: int, text: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == text
