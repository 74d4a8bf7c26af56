"""The timer store on one database connection at a time: semantics of every operation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.types import NaiveDatetimeError
from bot.kernel.timers import store
from bot.kernel.timers.store import ClaimedTimer
from tests.timers.conftest import T0

S = timedelta(seconds=1)


def _schedule(
    sessions: sessionmaker[Session],
    key: str,
    due_at: datetime,
    payload: dict[str, object] | None = None,
    kind: str = "reminder",
    now: datetime = T0,
) -> None:
    with sessions.begin() as session:
        store.schedule(session, key, kind, due_at, payload, now)


def _state(sessions: sessionmaker[Session], key: str) -> store.TimerState:
    with sessions() as session:
        state = store.get(session, key)
    assert state is not None
    return state


def _claim(
    sessions: sessionmaker[Session],
    owner: str,
    now: datetime,
    lease_seconds: float = 60,
    limit: int = 100,
) -> list[ClaimedTimer]:
    with sessions.begin() as session:
        return store.claim_due(session, owner, now, lease_seconds, limit)


# -- schedule ----------------------------------------------------------------------------------


def test_schedule_creates_a_pending_timer(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "incident:1:status-reminder", T0 + 30 * S, {"incident_id": 1})

    state = _state(sessions, "incident:1:status-reminder")
    assert (state.kind, state.status, state.attempts) == ("reminder", "pending", 0)
    assert state.due_at == T0 + 30 * S
    assert state.payload == {"incident_id": 1}
    assert state.created_at == state.updated_at == T0
    assert state.lease_owner is None
    assert state.lease_expires_at is None


def test_get_of_an_unknown_key_is_none(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert store.get(session, "nope") is None


def test_schedule_is_an_upsert_by_key(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0 + 10 * S, {"v": 1})
    first = _state(sessions, "k")

    _schedule(sessions, "k", T0 + 99 * S, {"v": 2}, kind="other", now=T0 + 5 * S)

    again = _state(sessions, "k")
    assert again.id == first.id
    assert (again.kind, again.due_at, again.payload) == ("other", T0 + 99 * S, {"v": 2})
    assert again.created_at == T0
    assert again.updated_at == T0 + 5 * S


@pytest.mark.parametrize("finish", ["complete", "fail", "cancel", "leased"])
def test_schedule_resets_any_status_to_pending(
    sessions: sessionmaker[Session], finish: str
) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0)
    with sessions.begin() as session:
        if finish == "complete":
            assert store.complete(session, claimed, T0)
        elif finish == "fail":
            assert store.fail(session, claimed, "boom", T0)
        elif finish == "cancel":
            assert store.cancel(session, "k", T0)

    _schedule(sessions, "k", T0 + 60 * S, {"n": 2}, now=T0 + S)

    state = _state(sessions, "k")
    assert (state.status, state.attempts, state.due_at) == ("pending", 0, T0 + 60 * S)
    assert (state.lease_owner, state.lease_expires_at, state.last_error) == (None, None, None)


def test_rescheduling_an_in_flight_key_supersedes_its_result(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "k", T0)
    [old] = _claim(sessions, "a", T0)

    _schedule(sessions, "k", T0, {"fresh": True}, now=T0)
    # The same owner claims the new occurrence, at the same instant and attempt count: only the
    # per-claim token tells the two leases apart.
    [new] = _claim(sessions, "a", T0)
    assert new.attempts == old.attempts == 1

    with sessions.begin() as session:
        assert not store.complete(session, old, T0)
        assert store.complete(session, new, T0)


def test_schedule_and_record_refuse_bad_keys(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        with pytest.raises(ValueError, match="key"):
            store.schedule(session, "", "reminder", T0, None, T0)
        with pytest.raises(ValueError, match="key"):
            store.schedule(session, "x" * 256, "reminder", T0, None, T0)
        with pytest.raises(ValueError, match="kind"):
            store.schedule(session, "k", "", T0, None, T0)
        with pytest.raises(ValueError, match="key"):
            store.record_effect_once(session, "", None, T0)


def test_naive_datetimes_are_rejected(sessions: sessionmaker[Session]) -> None:
    naive = datetime(2030, 1, 1, 12, 0)  # noqa: DTZ001  (the point of the test)
    with sessions.begin() as session:
        with pytest.raises(NaiveDatetimeError):
            store.schedule(session, "k", "reminder", naive, None, T0)
        with pytest.raises(NaiveDatetimeError):
            store.schedule(session, "k", "reminder", T0, None, naive)
        with pytest.raises(NaiveDatetimeError):
            store.claim_due(session, "a", naive, 60, 10)
        with pytest.raises(NaiveDatetimeError):
            store.record_effect_once(session, "e", None, naive)
    with sessions() as session:
        assert store.get(session, "k") is None


# -- coalesced ---------------------------------------------------------------------------------

W = timedelta(seconds=1)  # the coalescing window
CARD: dict[str, object] = {"incident": 1}


def _coalesce(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions.begin() as session:
        store.schedule_coalesced(session, "incident:1:card", "card", CARD, now, W)


def _fire(sessions: sessionmaker[Session], now: datetime) -> ClaimedTimer:
    (claimed,) = _claim(sessions, "runner", now)
    return claimed


def _complete(sessions: sessionmaker[Session], claimed: ClaimedTimer, now: datetime) -> bool:
    with sessions.begin() as session:
        return store.complete(session, claimed, now)


def test_a_burst_of_coalesced_changes_fires_the_timer_once(
    sessions: sessionmaker[Session],
) -> None:
    _coalesce(sessions, T0)  # the first change after a quiet spell: due at once
    assert _state(sessions, "incident:1:card").due_at == T0
    for i in range(1, 5):  # more changes before it fires: left as it is, not pushed back
        _coalesce(sessions, T0 + i * W / 10)
    state = _state(sessions, "incident:1:card")
    assert (state.due_at, state.updated_at) == (T0, T0)

    assert _complete(sessions, _fire(sessions, T0 + W / 2), T0 + W / 2)
    assert _claim(sessions, "runner", T0 + 10 * W) == []  # one firing showed all five


def test_a_change_soon_after_a_firing_fires_it_again_a_window_after_that_firing(
    sessions: sessionmaker[Session],
) -> None:
    _coalesce(sessions, T0)
    assert _complete(sessions, _fire(sessions, T0), T0)

    _coalesce(sessions, T0 + W / 4)
    _coalesce(sessions, T0 + W / 2)
    state = _state(sessions, "incident:1:card")
    assert (state.status, state.due_at) == ("pending", T0 + W)
    assert _claim(sessions, "runner", T0 + W / 2) == []
    assert _complete(sessions, _fire(sessions, T0 + W), T0 + W)

    _coalesce(sessions, T0 + 5 * W)  # quiet for longer than the window: at once again
    assert _state(sessions, "incident:1:card").due_at == T0 + 5 * W


def test_a_change_while_the_timer_fires_makes_it_fire_again(
    sessions: sessionmaker[Session],
) -> None:
    """The firing may have read the state before this change: its result is refused and the
    timer goes again a window later, so the last change is always shown."""
    _coalesce(sessions, T0)
    in_flight = _fire(sessions, T0)
    _coalesce(sessions, T0 + W / 10)
    assert not _complete(sessions, in_flight, T0 + W / 5)
    state = _state(sessions, "incident:1:card")
    assert (state.status, state.lease_owner, state.due_at) == ("pending", None, T0 + 11 * W / 10)
    assert _complete(sessions, _fire(sessions, T0 + 11 * W / 10), T0 + 11 * W / 10)


def test_a_coalesced_change_brings_forward_a_timer_planned_later(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "incident:1:card", T0 + 60 * W, CARD, kind="card")
    _coalesce(sessions, T0)
    assert _state(sessions, "incident:1:card").due_at == T0


# -- cancel ------------------------------------------------------------------------------------


def test_cancel_stops_a_pending_timer(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    with sessions.begin() as session:
        assert store.cancel(session, "k", T0 + S)
        assert not store.cancel(session, "k", T0 + S)
        assert not store.cancel(session, "missing", T0 + S)

    assert _state(sessions, "k").status == "cancelled"
    assert _claim(sessions, "a", T0 + 60 * S) == []


def test_cancel_does_not_touch_finished_timers(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0)
    with sessions.begin() as session:
        assert store.complete(session, claimed, T0)
        assert not store.cancel(session, "k", T0)
    assert _state(sessions, "k").status == "done"


def test_cancel_refuses_the_result_of_an_in_flight_firing(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0)
    with sessions.begin() as session:
        assert store.cancel(session, "k", T0)
    with sessions.begin() as session:
        assert not store.complete(session, claimed, T0)
    assert _state(sessions, "k").status == "cancelled"


def test_cancel_prefix_cancels_one_incidents_timers(sessions: sessionmaker[Session]) -> None:
    for key in [
        "incident:42:status-reminder",
        "incident:42:escalation:1",
        "incident:42:escalation:2",
        "incident:420:status-reminder",
        "incident:4:status-reminder",
    ]:
        _schedule(sessions, key, T0)
    with sessions.begin() as session:
        assert store.cancel_prefix(session, "incident:42:", T0) == 3
        assert store.cancel_prefix(session, "incident:42:", T0) == 0

    assert _state(sessions, "incident:420:status-reminder").status == "pending"
    assert _state(sessions, "incident:4:status-reminder").status == "pending"
    assert _state(sessions, "incident:42:escalation:2").status == "cancelled"


def test_cancel_prefix_treats_wildcards_literally(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "a_b:1", T0)
    _schedule(sessions, "axb:1", T0)
    _schedule(sessions, "100%:1", T0)
    _schedule(sessions, "1000:1", T0)
    with sessions.begin() as session:
        assert store.cancel_prefix(session, "a_b:", T0) == 1
        assert store.cancel_prefix(session, "100%", T0) == 1
    assert _state(sessions, "axb:1").status == "pending"
    assert _state(sessions, "1000:1").status == "pending"


def test_cancel_prefix_refuses_an_empty_prefix(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session, pytest.raises(ValueError, match="prefix"):
        store.cancel_prefix(session, "", T0)


# -- claim -------------------------------------------------------------------------------------


def test_claim_takes_only_due_pending_rows_earliest_first(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "later", T0 + 2 * S)
    _schedule(sessions, "now", T0)
    _schedule(sessions, "past", T0 - 60 * S, {"p": 1})
    _schedule(sessions, "future", T0 + 3600 * S)
    _schedule(sessions, "cancelled", T0 - S)
    with sessions.begin() as session:
        store.cancel(session, "cancelled", T0)

    claimed = _claim(sessions, "owner-a", T0)

    assert [c.key for c in claimed] == ["past", "now"]
    assert claimed[0].payload == {"p": 1}
    assert claimed[0].due_at == T0 - 60 * S
    assert all(c.attempts == 1 and c.lease_owner.startswith("owner-a#") for c in claimed)
    state = _state(sessions, "past")
    assert state.lease_owner == claimed[0].lease_owner
    assert state.lease_expires_at == T0 + 60 * S
    assert state.attempts == 1


def test_claim_respects_the_limit(sessions: sessionmaker[Session]) -> None:
    for i in range(5):
        _schedule(sessions, f"k{i}", T0 - i * S)
    first = _claim(sessions, "a", T0, limit=2)
    second = _claim(sessions, "a", T0, limit=10)
    assert [c.key for c in first] == ["k4", "k3"]
    assert [c.key for c in second] == ["k2", "k1", "k0"]


def test_a_leased_timer_is_not_claimed_again_before_its_lease_expires(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0, lease_seconds=30)
    assert _claim(sessions, "b", T0 + 29 * S) == []
    assert [c.key for c in _claim(sessions, "b", T0 + 30 * S)] == ["k"]
    assert claimed.key == "k"


def test_lease_expiry_lets_another_owner_claim_and_refuses_the_first_owner(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "k", T0)
    [first] = _claim(sessions, "a", T0, lease_seconds=30)

    [second] = _claim(sessions, "b", T0 + 31 * S, lease_seconds=30)
    assert second.attempts == 2
    assert second.lease_owner.startswith("b#")

    with sessions.begin() as session:
        assert not store.complete(session, first, T0 + 32 * S)
        assert not store.reschedule(session, first, T0 + 99 * S, None, T0 + 32 * S)
        assert not store.retry_later(session, first, "late", T0 + 99 * S, T0 + 32 * S)
        assert not store.fail(session, first, "late", T0 + 32 * S)
        assert not store.extend_lease(session, first, T0 + 32 * S, 30)
    with sessions() as session:
        assert not store.holds(session, first)
        assert store.holds(session, second)
    assert _state(sessions, "k").lease_owner == second.lease_owner

    with sessions.begin() as session:
        assert store.complete(session, second, T0 + 33 * S)
    with sessions() as session:
        assert not store.holds(session, second)
    state = _state(sessions, "k")
    assert (state.status, state.fired_at, state.lease_owner) == ("done", T0 + 33 * S, None)


def test_a_late_result_is_accepted_if_nobody_took_the_lease(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0, lease_seconds=30)
    with sessions.begin() as session:
        assert store.complete(session, claimed, T0 + 300 * S)
    assert _state(sessions, "k").status == "done"


def test_extend_lease_keeps_others_away(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0, lease_seconds=30)
    with sessions.begin() as session:
        assert store.extend_lease(session, claimed, T0 + 20 * S, 30)
    assert _claim(sessions, "b", T0 + 40 * S) == []
    assert _state(sessions, "k").lease_expires_at == T0 + 50 * S
    with sessions.begin() as session:
        assert store.complete(session, claimed, T0 + 45 * S)


def test_claim_rejects_silly_arguments(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        with pytest.raises(ValueError, match="owner"):
            store.claim_due(session, "o" * 101, T0, 60, 10)
        with pytest.raises(ValueError, match="positive"):
            store.claim_due(session, "a", T0, 0, 10)
        with pytest.raises(ValueError, match="positive"):
            store.claim_due(session, "a", T0, 60, 0)


# -- finishing ---------------------------------------------------------------------------------


def test_reschedule_makes_a_recurring_timer(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "incident:1:status-reminder", T0, {"n": 1})
    [claimed] = _claim(sessions, "a", T0)

    with sessions.begin() as session:
        assert store.reschedule(session, claimed, T0 + 1800 * S, {"n": 2}, T0 + S)

    state = _state(sessions, "incident:1:status-reminder")
    assert (state.status, state.due_at, state.payload) == ("pending", T0 + 1800 * S, {"n": 2})
    assert (state.attempts, state.lease_owner, state.fired_at) == (0, None, T0 + S)
    assert _claim(sessions, "a", T0 + 1799 * S) == []
    [again] = _claim(sessions, "a", T0 + 1800 * S)
    assert again.payload == {"n": 2}
    assert again.attempts == 1

    with sessions.begin() as session:
        assert store.reschedule(session, again, T0 + 3600 * S, None, T0 + 1800 * S)
    assert _state(sessions, "incident:1:status-reminder").payload == {"n": 2}


def test_retry_later_keeps_attempts_and_records_the_error(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0)
    with sessions.begin() as session:
        assert store.retry_later(session, claimed, "HTTP 503", T0 + 4 * S, T0 + S)

    state = _state(sessions, "k")
    assert (state.status, state.attempts, state.last_error) == ("pending", 1, "HTTP 503")
    assert (state.due_at, state.lease_owner) == (T0 + 4 * S, None)
    assert _claim(sessions, "a", T0 + 3 * S) == []
    [again] = _claim(sessions, "b", T0 + 4 * S)
    assert again.attempts == 2

    with sessions.begin() as session:
        assert store.complete(session, again, T0 + 5 * S)
    assert _state(sessions, "k").last_error is None


def test_fail_marks_the_timer_failed(sessions: sessionmaker[Session]) -> None:
    _schedule(sessions, "k", T0)
    [claimed] = _claim(sessions, "a", T0)
    with sessions.begin() as session:
        assert store.fail(session, claimed, "x" * 10_000, T0)
        assert not store.fail(session, claimed, "twice", T0)

    state = _state(sessions, "k")
    assert state.status == "failed"
    assert state.last_error == "x" * store.MAX_ERROR_LENGTH
    assert _claim(sessions, "a", T0 + 3600 * S) == []


def test_work_in_a_rolled_back_transaction_is_undone(sessions: sessionmaker[Session]) -> None:
    """The caller owns the transaction: nothing here commits behind its back."""
    with sessions() as session:
        session.begin()  # a write: autobegun sessions only read
        store.schedule(session, "k", "reminder", T0, None, T0)
        store.record_effect_once(session, "e", None, T0)
        session.rollback()
    with sessions() as session:
        assert store.get(session, "k") is None
    with sessions.begin() as session:
        assert store.record_effect_once(session, "e", None, T0)


# -- next due ----------------------------------------------------------------------------------


def test_next_due_at(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert store.next_due_at(session) is None

    _schedule(sessions, "a", T0 + 50 * S)
    _schedule(sessions, "b", T0 + 20 * S)
    _schedule(sessions, "c", T0 + 10 * S)
    with sessions.begin() as session:
        store.cancel(session, "c", T0)
        assert store.next_due_at(session) == T0 + 20 * S


def test_next_due_at_of_a_leased_timer_is_its_lease_expiry(
    sessions: sessionmaker[Session],
) -> None:
    _schedule(sessions, "k", T0)
    _claim(sessions, "a", T0, lease_seconds=60)
    with sessions() as session:
        assert store.next_due_at(session) == T0 + 60 * S
    _schedule(sessions, "soon", T0 + 5 * S)
    with sessions() as session:
        assert store.next_due_at(session) == T0 + 5 * S


# -- outbox ------------------------------------------------------------------------------------


def test_record_effect_once(sessions: sessionmaker[Session]) -> None:
    key = "incident:42:escalation:2:loop:0"
    with sessions.begin() as session:
        assert store.record_effect_once(session, key, {"paged": ["U1"]}, T0)
    with sessions.begin() as session:
        assert not store.record_effect_once(session, key, {"paged": ["U2"]}, T0 + S)
        assert not store.record_effect_once(session, key, None, T0 + S)
        assert store.record_effect_once(session, "incident:42:escalation:2:loop:1", None, T0)
