"""The pure rules of a playbook run: who may change a step, when, and what gets recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.domain.events import (
    AlertFiring,
    Declared,
    EventKind,
    Payload,
    PlaybookStarted,
    PlaybookStep,
    StepOutcome,
)
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent
from bot.playbooks.domain import run as rules
from bot.playbooks.domain.run import RunStep, StepRefused, StepState, StepStatus, UndoStatus

T0 = datetime(2026, 5, 4, 14, 3, tzinfo=UTC)
LATER = T0 + timedelta(minutes=2)
MANUAL = RunStep("check", "Check the dashboard", "Look at the error rate.")
FLAG = RunStep(
    "disable",
    "Disable the flag",
    action="feature_flag.disable",
    params={"provider": "launchdarkly", "flag": "new-checkout"},
)
UNDO = {"action": "feature_flag.enable", "params": {"flag": "new-checkout"}, "summary": "re-enable"}


def running(attempt: int = 1) -> StepState:
    state = StepState()
    for n in range(attempt):
        state = rules.start_run(FLAG, state, "U1", T0, n)
        if n < attempt - 1:
            state = rules.run_failed(state, n + 1, T0, error="500", retryable=True)
    return state


def succeeded() -> StepState:
    return rules.run_succeeded(
        running(), 1, LATER, summary="flag on -> off", before="on", after="off", undo=UNDO
    )


def test_a_manual_step_is_done_once_and_says_by_whom_when_pressed_again() -> None:
    done = rules.mark_done(MANUAL, StepState(), "U1", T0)
    assert (done.status, done.actor, done.at) == (StepStatus.DONE, "U1", T0)
    with pytest.raises(StepRefused, match=r"already done by <@U1> at 14:03 UTC"):
        rules.mark_done(MANUAL, done, "U2", LATER)
    with pytest.raises(StepRefused, match="already done"):
        rules.skip(done, "U2", LATER, "not needed")


def test_an_automated_step_is_run_not_ticked_and_a_manual_one_is_not_run() -> None:
    with pytest.raises(StepRefused, match="automated: press Run"):
        rules.mark_done(FLAG, StepState(), "U1", T0)
    with pytest.raises(StepRefused, match="manual: press Done"):
        rules.check_runnable(MANUAL, StepState())


def test_skipping_needs_a_reason_and_keeps_it_tidy() -> None:
    with pytest.raises(StepRefused, match="Say why"):
        rules.skip(StepState(), "U1", T0, "   \n ")
    skipped = rules.skip(StepState(), "U1", T0, "  flag already\n off ")
    assert (skipped.status, skipped.reason) == (StepStatus.SKIPPED, "flag already off")


def test_a_confirmed_run_is_running_and_a_second_confirmation_is_refused() -> None:
    state = rules.start_run(FLAG, StepState(), "U1", T0, confirmed_attempt=0)
    assert (state.status, state.attempts, state.actor) == (StepStatus.RUNNING, 1, "U1")
    with pytest.raises(StepRefused, match=r"already running \(started by <@U1> at 14:03 UTC\)"):
        rules.start_run(FLAG, state, "U2", LATER, confirmed_attempt=0)
    with pytest.raises(StepRefused, match="already running"):
        rules.skip(state, "U2", LATER, "meh")


def test_a_replayed_confirmation_after_a_failure_does_not_run_again() -> None:
    failed = rules.run_failed(running(), 1, LATER, error="LaunchDarkly 500", retryable=True)
    with pytest.raises(StepRefused, match="out of date"):
        rules.start_run(FLAG, failed, "U1", LATER, confirmed_attempt=0)
    again = rules.start_run(FLAG, failed, "U1", LATER, confirmed_attempt=1)
    assert (again.status, again.attempts, again.error) == (StepStatus.RUNNING, 2, "")


def test_after_success_nothing_runs_again() -> None:
    state = succeeded()
    assert (state.status, state.summary, state.undo_summary) == (
        StepStatus.SUCCEEDED,
        "flag on -> off",
        "re-enable",
    )
    with pytest.raises(StepRefused, match="already run by <@U1> at 14:05 UTC"):
        rules.start_run(FLAG, state, "U2", LATER, confirmed_attempt=1)


def test_a_result_for_an_attempt_that_is_not_running_is_stale() -> None:
    state = running(attempt=2)
    with pytest.raises(rules.StaleResult):
        rules.run_failed(state, 1, LATER, error="late", retryable=True)
    with pytest.raises(rules.StaleResult):
        rules.run_succeeded(succeeded(), 1, LATER, summary="", before="", after="", undo=None)


def test_a_failed_step_can_be_skipped() -> None:
    failed = rules.run_failed(running(), 1, LATER, error="409", retryable=False)
    skipped = rules.skip(failed, "U2", LATER, "done by hand")
    assert skipped.status is StepStatus.SKIPPED


def test_undo_is_offered_once_then_runs_once() -> None:
    offered = rules.offer_undo(succeeded())
    assert offered is not None
    assert offered.undo_status is UndoStatus.OFFERED
    assert rules.offer_undo(offered) is None
    undoing = rules.start_undo(offered, "U2", LATER, confirmed_attempt=0)
    with pytest.raises(StepRefused, match="undo is already running"):
        rules.start_undo(undoing, "U3", LATER, confirmed_attempt=0)
    undone = rules.undo_finished(undoing, 1, LATER)
    assert undone.undo_status is UndoStatus.UNDONE
    with pytest.raises(StepRefused, match="already undone by <@U2>"):
        rules.check_undoable(undone)
    assert rules.offer_undo(undone) is None


def test_a_failed_undo_may_run_again_but_not_from_an_old_confirmation() -> None:
    undoing = rules.start_undo(succeeded(), "U2", LATER, confirmed_attempt=0)
    failed = rules.undo_finished(undoing, 1, LATER, error="401")
    assert (failed.undo_status, failed.undo_error) == (UndoStatus.FAILED, "401")
    with pytest.raises(StepRefused, match="out of date"):
        rules.start_undo(failed, "U2", LATER, confirmed_attempt=0)
    assert rules.start_undo(failed, "U2", LATER, confirmed_attempt=1).undo_attempts == 2


def test_a_change_without_undo_is_never_offered() -> None:
    nothing = rules.run_succeeded(
        running(), 1, LATER, summary="already off", before="off", after="off", undo=None
    )
    assert rules.offer_undo(nothing) is None
    with pytest.raises(StepRefused, match="nothing that can be undone"):
        rules.check_undoable(nothing)


def test_events_carry_what_the_post_mortem_reads() -> None:
    done = rules.step_event(3, "flags", FLAG, succeeded())
    assert done.kind is EventKind.PLAYBOOK_STEP
    assert done.actor == "U1"
    assert done.data == {
        "run": 3,
        "playbook": "flags",
        "step": "disable",
        "title": "Disable the flag",
        "outcome": "succeeded",
        "action": "feature_flag.disable",
        "target": "",
        "attempt": 1,
        "summary": "flag on -> off",
        "before": "on",
        "after": "off",
        "undo": {"summary": "re-enable"},
    }
    skipped = rules.step_event(3, "flags", MANUAL, rules.skip(StepState(), "U2", T0, "n/a"))
    assert (skipped.data["outcome"], skipped.data["reason"]) == ("skipped", "n/a")
    undoing = rules.start_undo(succeeded(), "U2", LATER, confirmed_attempt=0)
    undone = rules.undo_event(3, FLAG, rules.undo_finished(undoing, 1, LATER))
    assert undone.kind is EventKind.PLAYBOOK_UNDONE
    assert undone.data == {
        "run": 3,
        "step": "disable",
        "title": "Disable the flag",
        "summary": "re-enable",
        "outcome": "succeeded",
    }


def test_no_event_for_a_step_without_an_outcome() -> None:
    with pytest.raises(ValueError, match="no outcome"):
        rules.step_event(1, "flags", FLAG, running())


def event(payload: Payload) -> TimelineEvent:
    return TimelineEvent(T0, "U1", payload)


def step(run: int, step_id: str, outcome: str) -> TimelineEvent:
    return event(
        PlaybookStep(run=run, playbook="", step=step_id, title="", outcome=StepOutcome(outcome))
    )


def alert(labels: dict[str, str]) -> TimelineEvent:
    return event(
        AlertFiring(source="generic", name="", fingerprint="", starts_at=T0, labels=labels)
    )


def test_progress_counts_each_steps_latest_outcome() -> None:
    events = [
        event(PlaybookStarted(run=1, playbook="flags", title="Flags", steps=3)),
        event(PlaybookStarted(run=2, playbook="scale-up", title="Scale up", steps=4)),
        step(1, "a", "done"),
        step(1, "b", "failed"),
        step(2, "a", "skipped"),
        step(1, "b", "succeeded"),
        step(1, "c", "failed"),
    ]
    assert rules.progress(events) == [
        rules.RunProgress("flags", 2, 3),
        rules.RunProgress("scale-up", 1, 4),
    ]


def test_alert_labels_come_from_the_first_firing_alert() -> None:
    events = [
        event(Declared("Latency", Severity.SEV2)),
        alert({"alertname": "HighLatency", "team": "payments"}),
        alert({"alertname": "Other"}),
    ]
    assert rules.alert_labels(events) == {"alertname": "HighLatency", "team": "payments"}
    assert rules.alert_labels([]) == {}


_ACTIONS = st.lists(
    st.sampled_from(["done", "skip", "run", "ok", "fail", "undo", "undone"]), max_size=12
)


@given(_ACTIONS)
def test_whatever_people_press_a_step_runs_at_most_once_per_confirmation(
    presses: list[str],
) -> None:
    """Any sequence of clicks, each with the attempt count it was shown: attempts only grow by
    one per accepted confirmation, and a finished step never changes status again."""
    state, step = StepState(), FLAG
    for press in presses:
        before = state
        try:
            match press:
                case "skip":
                    state = rules.skip(state, "U", T0, "why")
                case "run":
                    state = rules.start_run(step, state, "U", T0, state.attempts)
                case "ok":
                    state = rules.run_succeeded(
                        state, state.attempts, T0, summary="s", before="on", after="off", undo=UNDO
                    )
                case "fail":
                    state = rules.run_failed(state, state.attempts, T0, error="e", retryable=True)
                case "undo":
                    state = rules.start_undo(state, "U", T0, state.undo_attempts)
                case "undone":
                    state = rules.undo_finished(state, state.undo_attempts, T0)
                case "done":
                    state = rules.mark_done(step, state, "U", T0)
        except (StepRefused, rules.StaleResult):
            assert state == before
            continue
        assert state.attempts - before.attempts in (0, 1)
        if before.finished:
            assert state.status is before.status
