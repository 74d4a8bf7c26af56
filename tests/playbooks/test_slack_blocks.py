"""The checklist, modals and undo offer fit Slack's limits, as the fake Slack's rules check them."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.incidents.slack import blocks
from bot.playbooks.actions.base import HttpCall, Plan
from bot.playbooks.automation import Planned, UndoItem, UndoOffer
from bot.playbooks.domain.run import RunStep, StepState, StepStatus, UndoStatus
from bot.playbooks.slack import blocks as render
from bot.playbooks.slack import modals
from bot.playbooks.steps import Checklist, StepView
from warroom_sandbox.rules import validate_blocks, validate_view

T0 = datetime(2026, 5, 4, 14, 3, tzinfo=UTC)
_ids = (f"B{n}" for n in itertools.count())


def new_id() -> str:
    return next(_ids)


def a_checklist(steps: int, status: StepStatus = StepStatus.PENDING) -> Checklist:
    views = []
    for n in range(steps):
        automated = n % 3 == 0
        step = RunStep(
            f"step-{n}",
            f"Step number {n} with a fairly long title to fill the section",
            "Do the thing carefully. " * 20,
            (("Runbook", f"https://runbooks.example.com/{n}"),),
            "feature_flag.disable" if automated else None,
            {"provider": "launchdarkly", "flag": "new-checkout"} if automated else {},
        )
        views.append(StepView(step, StepState(status=status, actor="U1", at=T0)))
    return Checklist(
        1, 7, "C1", "long-one", "A long playbook", "Many steps.", None, "U1", T0, tuple(views)
    )


def message_blocks(checklist: Checklist) -> list[dict[str, object]]:
    rendered = blocks.to_dicts(render.checklist(checklist))
    return validate_blocks(rendered, new_block_id=new_id)


def button_labels(rendered: list[dict[str, object]]) -> list[str]:
    return [
        element["text"]["text"]  # type: ignore[index]
        for block in rendered
        if block["type"] == "actions"
        for element in block["elements"]  # type: ignore[attr-defined]
    ]


def test_a_twenty_step_playbook_keeps_a_button_row_per_step_within_50_blocks() -> None:
    rendered = message_blocks(a_checklist(20))
    assert len(rendered) <= 50
    assert sum(1 for b in rendered if b["type"] == "actions") == 20
    labels = button_labels(rendered)
    assert (labels.count("Run"), labels.count("Done"), labels.count("Skip")) == (7, 13, 20)


def test_a_longer_playbook_gets_the_compact_layout_with_every_step() -> None:
    rendered = message_blocks(a_checklist(40))
    assert len(rendered) <= 50
    menus = [b["accessory"] for b in rendered if b["type"] == "section" and "accessory" in b]
    assert len(menus) == 40
    first = menus[0]
    assert [o["value"] for o in first["options"]] == [  # type: ignore[index]
        "playbook_step_run|1:step-0",
        "playbook_step_dry_run|1:step-0",
        "playbook_step_skip|1:step-0",
    ]


def test_a_huge_playbook_is_cut_with_a_note_rather_than_refused_by_slack() -> None:
    rendered = message_blocks(a_checklist(80))
    assert len(rendered) == 50
    assert "and 34 more steps" in str(rendered[-1])


def test_finished_steps_show_who_and_lose_their_buttons() -> None:
    checklist = a_checklist(4, StepStatus.DONE)
    rendered = message_blocks(checklist)
    assert button_labels(rendered) == []
    assert "Done by <@U1>" in str(rendered)
    assert "*4/4* steps finished" in str(rendered)


@pytest.mark.parametrize(
    ("state", "shown", "buttons"),
    [
        (StepState(StepStatus.RUNNING, "U1", T0, attempts=1), "Running, started by <@U1>", []),
        (
            StepState(StepStatus.FAILED, "U1", T0, error="LaunchDarkly answered 500", attempts=1),
            "LaunchDarkly answered 500",
            ["Run again", "Dry run", "Skip"],
        ),
        (
            StepState(
                StepStatus.SUCCEEDED,
                "U1",
                T0,
                summary="flag on -> off",
                undo={"summary": "turn it on"},
                undo_status=UndoStatus.UNDONE,
                undo_actor="U2",
                undo_at=T0,
            ),
            "Undone by <@U2>",
            [],
        ),
    ],
)
def test_automated_step_states(state: StepState, shown: str, buttons: list[str]) -> None:
    checklist = a_checklist(1)
    checklist = replace(checklist, steps=(StepView(checklist.steps[0].step, state),))
    rendered = message_blocks(checklist)
    assert shown in str(rendered)
    assert button_labels(rendered) == buttons


PLAN = Plan(
    action="feature_flag.disable",
    params={"provider": "launchdarkly", "flag": "new-checkout"},
    target="LaunchDarkly flag `new-checkout` (project default, environment production)",
    before="on",
    after="off",
    calls=(
        HttpCall(
            "PATCH",
            "https://app.launchdarkly.com/api/v2/flags/default/new-checkout",
            {"Authorization": "***"},
            {"environmentKey": "production", "instructions": [{"kind": "turnFlagOff"}]},
        ),
    ),
)


def test_the_confirmation_shows_exactly_what_will_be_done() -> None:
    step = a_checklist(1).steps[0].step
    view = validate_view(
        modals.confirm_modal(Planned(1, step, "run", "tok", 0, PLAN), "C1"), new_block_id=new_id
    )
    text = str(view["blocks"])
    for shown in ("LaunchDarkly flag `new-checkout`", "*Now*\\non", "*After*\\noff", "PATCH"):
        assert shown in text
    assert "turnFlagOff" in text
    assert "***" in text
    assert view["submit"]["text"] == "Run"


def test_the_undo_offer_has_a_button_per_change_not_yet_undone() -> None:
    step = a_checklist(1).steps[0].step
    offered = StepState(
        StepStatus.SUCCEEDED,
        "U1",
        T0,
        summary="flag on -> off",
        undo={"summary": "turn new-checkout back on"},
        undo_status=UndoStatus.OFFERED,
    )
    undone = replace(offered, undo_status=UndoStatus.UNDONE, undo_actor="U2", undo_at=T0)
    offer = UndoOffer(
        "k", 7, "C1", None, (UndoItem(1, "flags", step, offered), UndoItem(2, "x", step, undone))
    )
    rendered = validate_blocks(blocks.to_dicts(render.undo_offer(offer)), new_block_id=new_id)
    buttons = [b["accessory"]["text"]["text"] for b in rendered if "accessory" in b]  # type: ignore[index]
    assert buttons == ["Run undo"]
    assert "Undone by <@U2>" in str(rendered)
