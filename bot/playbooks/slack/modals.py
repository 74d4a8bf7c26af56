"""Block Kit for the playbook modals: reading the state, confirming a run, a dry run, a skip.

The confirmation shows exactly what Run will do: the action, its target and provider, the state
read now and the state after, and every request it will send (secrets masked by the action).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.kernel.slack.payloads import Id, RowId
from bot.playbooks.actions.base import Plan
from bot.playbooks.automation import Planned
from bot.playbooks.domain.run import RunStep
from bot.playbooks.slack.blocks import clip, md

SKIP_CALLBACK = "playbook_skip"
CONFIRM_CALLBACK = "playbook_confirm"
CALL_BODY_LIMIT = 1200

_TITLES = {"run": "Run step", "undo": "Undo step", "dry": "Dry run"}


def loading_modal(purpose: str, step: RunStep) -> dict[str, Any]:
    """Opened at once (the trigger id lives 3 s); updated when the current state is read."""
    text = f":hourglass_flowing_sand: Reading the current state for *{step.title}*…"
    return View(
        type="modal",
        title=_TITLES[purpose],
        close="Cancel",
        blocks=[SectionBlock(text=md(text))],
    ).to_dict()


def problem_modal(purpose: str, message: str) -> dict[str, Any]:
    return View(
        type="modal",
        title=_TITLES[purpose],
        close="Close",
        blocks=[SectionBlock(text=md(f":x: {message}"))],
    ).to_dict()


class SkipMeta(BaseModel):
    """The skip modal's ``private_metadata``: which step, in which incident channel."""

    run: RowId
    step: Id
    channel: Id


class ConfirmMeta(SkipMeta):
    """The confirm modal's ``private_metadata``: the plan that was shown, to run exactly once."""

    purpose: Literal["run", "undo"]
    token: Id
    attempt: Annotated[int, Field(ge=0, le=1_000_000)]


def confirm_modal(planned: Planned, channel_id: str) -> dict[str, Any]:
    """Exactly what Run (or Run undo) will do; submitting it runs that plan once."""
    metadata = ConfirmMeta(
        run=planned.run_id,
        step=planned.step.id,
        purpose=planned.purpose,
        token=planned.token,
        attempt=planned.attempt,
        channel=channel_id,
    )
    verb = "Run undo" if planned.purpose == "undo" else "Run"
    intro = f"*{planned.step.title}*\nCheck what will change, then press *{verb}*."
    return View(
        type="modal",
        callback_id=CONFIRM_CALLBACK,
        title=_TITLES[planned.purpose],
        submit=verb,
        close="Cancel",
        private_metadata=metadata.model_dump_json(),
        blocks=[SectionBlock(text=md(intro)), *plan_blocks(planned.plan)],
    ).to_dict()


def dry_run_modal(step: RunStep, plan: Plan, provider_note: str | None) -> dict[str, Any]:
    intro = f"*{step.title}*\nNothing was changed. This is what *Run* would do now."
    shown: list[Block] = [SectionBlock(text=md(intro)), *plan_blocks(plan)]
    if provider_note:
        shown.append(ContextBlock(elements=[md(provider_note)]))
    return View(type="modal", title=_TITLES["dry"], close="Close", blocks=shown).to_dict()


def plan_blocks(plan: Plan) -> list[Block]:
    fields = [md(f"*Action*\n`{plan.action}`", 2000), md(f"*Target*\n{plan.target}", 2000)]
    provider = plan.params.get("provider")
    if isinstance(provider, str) and provider:
        fields.append(md(f"*Provider*\n{provider}", 2000))
    fields += [md(f"*Now*\n{plan.before}", 2000), md(f"*After*\n{plan.after}", 2000)]
    blocks: list[Block] = [SectionBlock(fields=fields)]
    if plan.changes_nothing:
        note = f"Already {plan.after}: running records that and sends no change."
        blocks.append(ContextBlock(elements=[md(note)]))
    for call in plan.calls:
        blocks.append(
            SectionBlock(text=md(_call_text(call.method, call.url, call.headers, call.body)))
        )
    return blocks


def _call_text(method: str, url: str, headers: Mapping[str, str], body: Any) -> str:
    lines = [f"{method} {url}", *(f"{name}: {value}" for name, value in headers.items())]
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body, indent=2, sort_keys=True)
        lines += ["", clip(text, CALL_BODY_LIMIT)]
    return "```" + "\n".join(lines).replace("```", "` ` `") + "```"


def skip_modal(run_id: int, step: RunStep, channel_id: str) -> dict[str, Any]:
    metadata = SkipMeta(run=run_id, step=step.id, channel=channel_id)
    return View(
        type="modal",
        callback_id=SKIP_CALLBACK,
        title="Skip step",
        submit="Skip",
        close="Cancel",
        private_metadata=metadata.model_dump_json(),
        blocks=[
            SectionBlock(text=md(f"*{step.title}*")),
            InputBlock(
                block_id="reason",
                label="Why skip it?",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=500,
                    placeholder="Not relevant: the flag was already off",
                ),
            ),
        ],
    ).to_dict()
