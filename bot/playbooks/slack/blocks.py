"""Block Kit for playbook messages: the list to start from, the checklist, results, undo offer.

Built with slack-sdk's model classes, so Slack's limits are checked here. The checklist gives each
step a section and a row of buttons; a playbook too long for Slack's 50 blocks per message gets a
compact layout (one section per step with its actions in an overflow menu). The modals are in
``playbook_modals``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)

from bot.incidents.domain.events import (
    Payload,
    PlaybookStep,
    PlaybookUndone,
    StepOutcome,
    UndoOutcome,
)
from bot.incidents.domain.timeline import BOT_ACTOR
from bot.incidents.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, when
from bot.kernel.slack.payloads import row_id
from bot.playbooks.automation import UndoOffer
from bot.playbooks.domain.model import Playbook
from bot.playbooks.domain.run import StepState, StepStatus, UndoStatus
from bot.playbooks.steps import Checklist, StepView

ACTION_START = "playbook_start"
ACTION_DONE = "playbook_step_done"
ACTION_SKIP = "playbook_step_skip"
ACTION_RUN = "playbook_step_run"
ACTION_DRY_RUN = "playbook_step_dry_run"
ACTION_MENU = "playbook_step_menu"  # the compact layout's overflow: "<action_id>|<run>:<step>"
ACTION_UNDO = "playbook_undo"

LIST_LIMIT = 40  # playbooks in the /incident playbook answer (two blocks are the header and hint)
_ICONS = {
    StepStatus.PENDING: ":white_large_square:",
    StepStatus.DONE: ":white_check_mark:",
    StepStatus.SKIPPED: ":fast_forward:",
    StepStatus.RUNNING: ":hourglass_flowing_sand:",
    StepStatus.SUCCEEDED: ":white_check_mark:",
    StepStatus.FAILED: ":x:",
}


def md(text: str, limit: int = SECTION_LIMIT) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(actor: str | None) -> str:
    return "warroom" if actor in (None, BOT_ACTOR) else f"<@{actor}>"


def step_value(run_id: int, step_id: str) -> str:
    return f"{run_id}:{step_id}"


def parse_step_value(value: str) -> tuple[int, str]:
    """``<run>:<step>``; ``BadMetadata`` (a ``ValueError``) when it is not one."""
    run, _, step = value.partition(":")
    return row_id(run), step


# --- /incident playbook -----------------------------------------------------------------------


def playbook_list(
    playbooks: tuple[Playbook, ...], service: str | None, severity: str
) -> list[Block]:
    """Each playbook that applies, with a Start button; or what to do when none does."""
    where = f"{severity}" + (f", service `{service}`" if service else ", no service")
    if not playbooks:
        return [
            SectionBlock(
                text=md(
                    f"No playbook applies to this incident ({where}). Start any playbook by name "
                    "with `/incident playbook <name>`; `warroom playbooks check` lists them all "
                    "(and any file with problems)."
                )
            )
        ]
    blocks: list[Block] = [SectionBlock(text=md(f"*Playbooks for this incident* ({where})"))]
    for playbook in playbooks[:LIST_LIMIT]:
        steps = len(playbook.steps)
        text = f"*{playbook.title}* `{playbook.name}` · {steps} step{'s' if steps != 1 else ''}"
        if playbook.description:
            text += f"\n{playbook.description}"
        blocks.append(
            SectionBlock(
                text=md(text),
                accessory=ButtonElement(
                    text="Start", action_id=ACTION_START, value=playbook.name, style="primary"
                ),
            )
        )
    more = len(playbooks) - LIST_LIMIT
    hint = "Or type `/incident playbook <name>`."
    if more > 0:
        hint = f"… and {more} more: start one with `/incident playbook <name>`."
    blocks.append(ContextBlock(elements=[md(hint)]))
    return blocks


# --- the checklist ----------------------------------------------------------------------------


def checklist_text(checklist: Checklist) -> str:
    done, total = checklist.finished_count, len(checklist.steps)
    return f"Playbook {checklist.title}: {done}/{total} steps finished"


def checklist(checklist: Checklist) -> list[Block]:
    """The checklist message; the compact layout when the full one has too many blocks."""
    full = _head(checklist)
    for index, view in enumerate(checklist.steps, start=1):
        full += _full_step(checklist.run_id, index, view)
    if len(full) <= MESSAGE_BLOCK_LIMIT:
        return full
    compact = _head(checklist)
    room = MESSAGE_BLOCK_LIMIT - len(compact) - 1
    for index, view in enumerate(checklist.steps[:room], start=1):
        compact.append(_compact_step(checklist.run_id, index, view))
    hidden = len(checklist.steps) - room
    if hidden > 0:
        note = f"… and {hidden} more steps: Slack shows at most 50 blocks, split this playbook."
        compact.append(ContextBlock(elements=[md(note)]))
    return compact


def _head(checklist: Checklist) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"Playbook: {checklist.title}", 150)))
    ]
    if checklist.description:
        blocks.append(SectionBlock(text=md(checklist.description)))
    done, total = checklist.finished_count, len(checklist.steps)
    line = (
        f"`{checklist.playbook}` · started by {_who(checklist.started_by)} "
        f"{when(checklist.started_at)} · *{done}/{total}* steps finished"
    )
    if total and done == total:
        line += " · :tada: all done"
    blocks.append(ContextBlock(elements=[md(line)]))
    return blocks


def _step_text(index: int, view: StepView) -> str:
    step, state = view.step, view.state
    lines = [f"{_ICONS[state.status]} *{index}. {step.title}*"]
    if step.instructions:
        lines.append(step.instructions)
    if step.links:
        lines.append(" · ".join(f"<{url}|{title}>" for title, url in step.links))
    if step.action:
        lines.append(f"Action: `{step.action}` {state.target or _params(step.params)}")
    status = _status_line(state)
    if status:
        lines.append(status)
    return "\n".join(lines)


def _params(params: Mapping[str, Any]) -> str:
    shown = [f"{k}: {v}" for k, v in params.items() if isinstance(v, str | int) and v != ""]
    return clip("(" + ", ".join(shown) + ")", 400) if shown else ""


def _status_line(state: StepState) -> str:
    at = when(state.at) if state.at else ""
    match state.status:
        case StepStatus.DONE:
            return f"_Done by {_who(state.actor)} {at}_"
        case StepStatus.SKIPPED:
            return f"_Skipped by {_who(state.actor)} {at}: {state.reason}_"
        case StepStatus.RUNNING:
            return f"_Running, started by {_who(state.actor)} {at}…_"
        case StepStatus.SUCCEEDED:
            return f"_Ran by {_who(state.actor)} {at}: {state.summary}_" + _undo_line(state)
        case StepStatus.FAILED:
            advice = "Press *Run again* to retry." if state.retryable else "Fix that, then retry."
            return f"_Failed {at} (run by {_who(state.actor)}): {state.error}_ {advice}"
    return ""


def _undo_line(state: StepState) -> str:
    at = when(state.undo_at) if state.undo_at else ""
    match state.undo_status:
        case UndoStatus.UNDONE:
            return f"\n:leftwards_arrow_with_hook: _Undone by {_who(state.undo_actor)} {at}_"
        case UndoStatus.RUNNING:
            return f"\n:hourglass_flowing_sand: _Undo running, started by {_who(state.undo_actor)}_"
        case UndoStatus.FAILED:
            return f"\n:x: _Undo failed {at}: {state.undo_error}_"
        case UndoStatus.OFFERED:
            return f"\n_Can be undone: {state.undo_summary}_"
    return ""


def _buttons(view: StepView) -> list[tuple[str, str, str | None]]:
    """(label, action_id, style) of the buttons an open step offers."""
    if view.state.status is StepStatus.RUNNING or view.state.finished:
        return []
    if not view.step.automated:
        return [("Done", ACTION_DONE, "primary"), ("Skip", ACTION_SKIP, None)]
    run = "Run again" if view.state.status is StepStatus.FAILED else "Run"
    return [
        (run, ACTION_RUN, "primary"),
        ("Dry run", ACTION_DRY_RUN, None),
        ("Skip", ACTION_SKIP, None),
    ]


def _full_step(run_id: int, index: int, view: StepView) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=md(_step_text(index, view)))]
    buttons = _buttons(view)
    if buttons:
        value = step_value(run_id, view.step.id)
        elements = [
            ButtonElement(text=label, action_id=action_id, value=value, style=style)
            for label, action_id, style in buttons
        ]
        blocks.append(ActionsBlock(block_id=f"step:{view.step.id}", elements=elements))
    return blocks


def _compact_step(run_id: int, index: int, view: StepView) -> Block:
    buttons = _buttons(view)
    accessory = None
    if buttons:
        options = [
            Option(text=label, value=f"{action_id}|{step_value(run_id, view.step.id)}")
            for label, action_id, _ in buttons
        ]
        accessory = OverflowMenuElement(action_id=ACTION_MENU, options=options)
    return SectionBlock(
        block_id=f"step:{view.step.id}", text=md(_step_text(index, view)), accessory=accessory
    )


# --- results and the undo offer ---------------------------------------------------------------


def unreadable_text(actor: str, title: str, playbook: str, error: str) -> str:
    """Reading the current state failed before any confirmation, as posted in the channel."""
    return (
        f":warning: {_who(actor)} could not run *{title}* ({playbook}): "
        f"{error}\nNothing was changed; the step stays open."
    )


def result_text(actor: str, result: Payload) -> str:
    """A run's or an undo's result (its timeline event's payload), as posted in the channel."""
    who = _who(actor)
    match result:
        case PlaybookUndone(outcome=UndoOutcome.SUCCEEDED, title=title, summary=summary):
            return f":leftwards_arrow_with_hook: {who} undid *{title}*: {summary}."
        case PlaybookUndone(title=title, summary=summary, error=error):
            return (
                f":x: Could not undo *{title}* ({summary}): {error}\n"
                "Press *Run undo* again to retry."
            )
        case PlaybookStep(outcome=StepOutcome.SUCCEEDED, title=title, playbook=playbook) as step:
            text = f":white_check_mark: {who} ran *{title}* ({playbook}): {step.summary}."
            if step.undo_summary:
                later = "(offered when the incident is mitigated)"
                text += f"\nTo undo later: {step.undo_summary} {later}."
            return text
        case PlaybookStep(title=title, playbook=playbook, error=error, retryable=retryable):
            advice = (
                "Retrying as is will not help: fix that first, then press *Run again*."
                if retryable is False
                else "The step stays open: press *Run again* on the checklist to retry."
            )
            return f":x: *{title}* ({playbook}) failed: {error}\n{advice}"
        case _:
            return f":warning: {who}: a playbook result warroom cannot read ({result.kind})"


def undo_offer_text(offer: UndoOffer) -> str:
    return f"{len(offer.items)} playbook change(s) can be undone"


def undo_offer(offer: UndoOffer) -> list[Block]:
    intro = (
        ":leftwards_arrow_with_hook: *Undo playbook changes?* The impact has stopped; these "
        "steps changed things. Undo each when it is safe (each asks for confirmation)."
    )
    blocks: list[Block] = [SectionBlock(text=md(intro))]
    room = MESSAGE_BLOCK_LIMIT - 2
    for item in offer.items[:room]:
        state = item.state
        text = (
            f"*{item.step.title}* (`{item.playbook}`): {state.summary}\nUndo: {state.undo_summary}"
        )
        if state.undo_status is not UndoStatus.OFFERED:
            text += _undo_line(state)
        accessory = None
        if state.undoable:
            label = "Run undo again" if state.undo_status is UndoStatus.FAILED else "Run undo"
            value = step_value(item.run_id, item.step.id)
            accessory = ButtonElement(text=label, action_id=ACTION_UNDO, value=value)
        blocks.append(
            SectionBlock(
                block_id=f"undo:{item.run_id}:{item.step.id}", text=md(text), accessory=accessory
            )
        )
    if len(offer.items) > room:
        more = len(offer.items) - room
        blocks.append(ContextBlock(elements=[md(f"… and {more} more: see the checklists.")]))
    return blocks
