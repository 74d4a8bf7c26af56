"""Which clocks a change sets, and histogram series built from bucketed counts."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.domain.incident import acknowledge as ack
from bot.incidents.domain.incident import declare, transition
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.insights.domain.clocks import BUCKETS, Clock, bucket_index, observations, series

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_a_change_observes_only_the_clocks_it_sets_for_the_first_time() -> None:
    incident, _ = declare(
        number=1, title="Slow", severity=Severity.SEV2, declarer="U1", now=T0, service="api"
    )
    assert observations(None, incident) == []
    acked = ack(incident, T0 + timedelta(minutes=4))
    assert [(o.clock, o.seconds, o.service) for o in observations(incident, acked)] == [
        (Clock.ACKNOWLEDGE, 240.0, "api")
    ]
    resolved, _ = transition(acked, Status.RESOLVED, "U1", T0 + timedelta(hours=1))
    assert [(o.clock, o.seconds) for o in observations(acked, resolved)] == [
        (Clock.MITIGATE, 3600.0),
        (Clock.RESOLVE, 3600.0),
    ]
    reopened, _ = transition(resolved, Status.INVESTIGATING, "U1", T0 + timedelta(hours=2))
    again, _ = transition(reopened, Status.RESOLVED, "U1", T0 + timedelta(hours=3))
    assert observations(reopened, again) == []


def test_a_private_incident_is_observed_without_its_service() -> None:
    incident, _ = declare(
        number=1,
        title="Leak",
        severity=Severity.SEV1,
        declarer="U1",
        now=T0,
        service="payroll",
        private=True,
    )
    mitigated, _ = transition(incident, Status.MITIGATED, "U1", T0 + timedelta(minutes=1))
    (seen,) = observations(incident, mitigated)
    assert seen.service is None


@given(st.lists(st.floats(min_value=0, max_value=10**7), max_size=50))
def test_series_are_cumulative_and_count_every_observation(values: list[float]) -> None:
    rows = [(Clock.RESOLVE, "api", "SEV2", bucket_index(v), 1, v) for v in values]
    found = series(rows)
    if not values:
        assert found == []
        return
    (one,) = found
    assert list(one.cumulative) == sorted(one.cumulative)
    assert one.cumulative[-1] == len(values)
    for bound, (le, count) in zip(BUCKETS, one.buckets(), strict=False):
        assert float(le) == bound
        assert count == sum(1 for v in values if v <= bound)
