"""Block Kit for post-mortems: the offer on resolve, the summary message, the edit and
request-changes modals, and the answers people get after acting.

Slack limits shape the edit modal: a text input holds at most 3,000 characters, so sections
longer than that (a long timeline) are not offered for editing in Slack; the modal says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.incidents.slack.blocks import SECTION_LIMIT, when
from bot.kernel.slack.payloads import Id, RowId
from bot.postmortems.domain import gates
from bot.postmortems.domain.blameless import Finding
from bot.postmortems.domain.gates import prompts, without_prompts
from bot.postmortems.domain.sections import TITLE, Section
from bot.postmortems.domain.title import split_title
from bot.postmortems.exports import DELIVERED, FAILED, FILE, PENDING
from bot.postmortems.review import (
    APPROVED,
    PUBLISHED,
    STATE_LABELS,
    label,
    section_name,
    section_name_in,
)
from bot.postmortems.service import Approved, Drafted, Edited, PostmortemView

ACTION_DRAFT = "postmortem_draft"
ACTION_OPEN = "postmortem_open"
ACTION_EDIT = "postmortem_edit"
ACTION_REQUEST_CHANGES = "postmortem_request_changes"
ACTION_APPROVE = "postmortem_approve"
ACTION_PICK_SECTION = "postmortem_pick_section"
EDIT_CALLBACK = "postmortem_edit_section"
CHANGES_CALLBACK = "postmortem_changes"
APPROVE_CALLBACK = "postmortem_approve_anyway"
SECTION_BLOCK = "section"
BODY_BLOCK = "body"  # "body:<section>:<version>": a new id makes Slack show a new initial value
TITLE_BLOCK = "title"  # "title:<version>": the title, edited as a one-line field
NOTE_BLOCK = "note"
ANYWAY_BLOCK = "anyway"  # the reason to approve despite blameless findings
WAIVE_BLOCK = "waive"  # "waive:<section>": the reason a required section is left unfilled
INPUT_LIMIT = 3000
TITLE_LIMIT = 150
FINDINGS_SHOWN = 5


class ModalMeta(BaseModel):
    """The post-mortem modals' ``private_metadata``: which incident, from which channel."""

    incident: RowId
    channel_id: Id


class ApproveMeta(ModalMeta):
    """The approve-anyway modal's metadata: also the version the approver saw."""

    version: RowId


def offer(number: int, redraft: bool = False) -> tuple[str, list[Block]]:
    """The offer on resolve: a draft, or once there is one, a re-draft keeping every edit."""
    if redraft:
        text = (
            f":memo: Incident #{number} is resolved again. Re-draft the post-mortem with what "
            "happened since? Every reviewed edit is kept."
        )
        label_ = "Re-draft the post-mortem"
    else:
        text = (
            f":memo: Incident #{number} is resolved. Draft the blameless post-mortem from its "
            "timeline?"
        )
        label_ = "Draft the post-mortem"
    button = ButtonElement(text=label_, action_id=ACTION_DRAFT, value=str(number), style="primary")
    return text, [SectionBlock(text=_md(text)), ActionsBlock(elements=[button])]


def summary(view: PostmortemView, link: str) -> tuple[str, list[Block]]:
    """The one summary message in the channel, updated in place as the review goes on."""
    incident, current = view.incident, view.current
    title = f":memo: Post-mortem: incident #{incident.number}: {incident.title}"
    fields = [
        _md(f"*State*\n{STATE_LABELS.get(view.state, view.state)}"),
        _md(f"*Version*\n{current.number}: {current.change} by <@{current.author}>"),
        _md(f"*Approvals*\n{_approvals(view)}"),
        _md(f"*Template*\n{view.template}"),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_clip(title, 150))),
        SectionBlock(fields=fields),
        ContextBlock(
            elements=[
                _md(
                    f"Authors of version {current.number} (they cannot approve it): "
                    + ", ".join(f"<@{a}>" for a in view.authors)
                    + f" · updated {when(current.created_at)}"
                )
            ]
        ),
    ]
    asked = view.change_request
    if asked is not None:
        blocks.append(
            SectionBlock(text=_md(f"*Changes requested* by <@{asked.reviewer}>: {asked.note}"))
        )
    if view.conflicts:
        blocks.append(SectionBlock(text=_md(_conflicts_text(view))))
    blocks.append(SectionBlock(text=_md(_findings_summary(view.findings))))
    blocks.append(SectionBlock(text=_md(blockers_text(view))))
    if view.exports:
        blocks.append(SectionBlock(text=_md(_exports_text(view))))
    blocks.append(_buttons(view, link))
    return title, blocks


def _approvals(view: PostmortemView) -> str:
    given = ", ".join(f"<@{a}> :white_check_mark:" for a in view.approvers)
    line = f"{len(view.approvers)} of {view.required}"
    return f"{line}: {given}" if given else f"{line}: needs someone other than the authors"


def _conflicts_text(view: PostmortemView) -> str:
    names = ", ".join(section_name_in(view.current, c.section) for c in view.conflicts)
    return (
        f":twisted_rightwards_arrows: *Re-draft conflicts* in {names}: the new draft and a "
        "reviewed edit changed the same lines. Both are kept between <<<<<<< and >>>>>>> "
        "markers; compare them on the draft page, then edit the section to keep what is right."
    )


def _findings_summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return ":white_check_mark: Blameless check: no findings."
    plural = "s" if len(findings) != 1 else ""
    sentences = list(dict.fromkeys(f.sentence for f in findings))  # one sentence, several rules
    lines = [f":warning: *Blameless check: {len(findings)} finding{plural}* (see the draft page):"]
    lines += [f"• “{_clip(sentence, 200)}”" for sentence in sentences[:FINDINGS_SHOWN]]
    if len(sentences) > FINDINGS_SHOWN:
        lines.append(f"… and {len(sentences) - FINDINGS_SHOWN} more sentences")
    return "\n".join(lines)


def blockers_text(view: PostmortemView) -> str:
    """What still blocks approval, in one line, or that nothing does."""
    if view.state in (APPROVED, PUBLISHED):
        over = [r for r in view.reviews if r.version == view.current.number and r.overrode]
        said_why = "; ".join(f"<@{r.reviewer}>: {r.note}" for r in over)
        return (
            f":warning: Approved despite blameless findings ({said_why})."
            if over
            else ":white_check_mark: Approved: nothing blocked it."
        )
    found = view.blockers
    if not found:
        return ":white_check_mark: Nothing blocks approval."
    waivable = ", waive a section" if gates.unfilled(found) else ""
    anyway = (
        " or approve anyway with a reason" if any(b.kind == gates.FINDINGS for b in found) else ""
    )
    return f":no_entry: *Blocks approval:* {gates.said(found)}. Edit the draft{waivable}{anyway}."


def _exports_text(view: PostmortemView) -> str:
    lines = []
    for export in view.exports:
        what = f"`{export.destination}`" if export.target == FILE else "the webhook"
        if export.status == DELIVERED:
            lines.append(f":white_check_mark: Version {export.version} published to {what}")
        elif export.status == PENDING:
            lines.append(f":hourglass_flowing_sand: Publishing version {export.version} to {what}")
        elif export.status == FAILED:
            lines.append(
                f":x: Could not publish version {export.version} to {what}: {export.error}"
            )
    return "\n".join(lines) or "Nothing published yet."


def _buttons(view: PostmortemView, link: str) -> ActionsBlock:
    value = str(view.incident.number)
    return ActionsBlock(
        elements=[
            ButtonElement(text="Open draft", action_id=ACTION_OPEN, url=link, value=value),
            ButtonElement(text="Edit section", action_id=ACTION_EDIT, value=value),
            ButtonElement(text="Request changes", action_id=ACTION_REQUEST_CHANGES, value=value),
            ButtonElement(
                text="Approve",
                action_id=ACTION_APPROVE,
                value=str(view.current.number),
                style="primary",
            ),
        ]
    )


def edit_modal(
    view: PostmortemView,
    channel_id: str,
    section_id: str | None = None,
    *,
    text: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """Pick a section, edit its text (pre-filled). The text block's id names the section and the
    version it was loaded from, so the submission says which version the edit is based on.

    ``text`` replaces the pre-filled text (a refused edit comes back with what was typed) and
    ``notice`` explains why, above the section's current text.
    """
    current = view.current
    editable = [s for s in current.sections if len(s.body.strip("\n")) <= INPUT_LIMIT]
    too_long = [s for s in current.sections if s not in editable]
    chosen = next((s for s in editable if s.id == section_id), editable[0] if editable else None)
    blocks: list[Block] = []
    if notice:
        blocks.append(SectionBlock(text=_md(f":warning: {notice}")))
        if chosen is not None:
            blocks += _current_text(chosen, current.number)
    if chosen is None:
        blocks.append(SectionBlock(text=_md("Every section is too long to edit in Slack.")))
    else:
        blocks += _editor(editable, chosen, current.number, text)
    if too_long:
        names = ", ".join(section_name(s) for s in too_long)
        note = f"{names}: longer than Slack's {INPUT_LIMIT:,} characters, so not editable here."
        blocks.append(ContextBlock(elements=[_md(note)]))
    return View(
        type="modal",
        callback_id=EDIT_CALLBACK,
        title="Edit post-mortem",
        submit="Save" if chosen is not None else None,
        close="Cancel",
        private_metadata=ModalMeta(
            incident=view.incident.number, channel_id=channel_id
        ).model_dump_json(),
        blocks=blocks,
    ).to_dict()


def _current_text(section: Section, version: int) -> list[Block]:
    heading = f"*{label(section)} in version {version} now:*"
    now = section.body.strip("\n") or "(empty)"
    return [
        SectionBlock(text=_md(heading)),
        SectionBlock(text=PlainTextObject(text=_clip(now, SECTION_LIMIT))),
    ]


def _editor(
    editable: list[Section], chosen: Section, version: int, text: str | None
) -> list[Block]:
    options = [Option(text=_clip(label(s), 75), value=s.id) for s in editable]
    body = chosen.body
    fields: list[Block] = []
    if chosen.id == TITLE:
        title, body = split_title(body)
        fields.append(
            InputBlock(
                block_id=f"{TITLE_BLOCK}:{version}",
                label="Title",
                element=PlainTextInputElement(
                    action_id="value", max_length=TITLE_LIMIT, initial_value=title or None
                ),
            )
        )
    asked = prompts(body)
    # The prompt is a question for the editor: shown as a hint, so the answer replaces it.
    initial = without_prompts(body).strip("\n") if text is None else text
    hint = _clip(" ".join(" ".join(asked).strip("_").split()), 1900) if asked else None
    return [
        InputBlock(
            block_id=SECTION_BLOCK,
            label="Section",
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=ACTION_PICK_SECTION,
                options=options,
                initial_option=options[editable.index(chosen)],
            ),
        ),
        *fields,
        InputBlock(
            block_id=f"{BODY_BLOCK}:{chosen.id}:{version}",
            label=f"Text (version {version})"
            if chosen.id != TITLE
            else f"Details (version {version})",
            optional=True,
            hint=hint,
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=INPUT_LIMIT,
                initial_value=initial[:INPUT_LIMIT] or None,
            ),
        ),
    ]


def approve_modal(view: PostmortemView, channel_id: str) -> dict[str, Any]:
    """Approving a version that something blocks: a reason to waive each unfilled required
    section, and a reason to approve despite the blameless findings (``gates``)."""
    current, found = view.current, view.blockers
    blocks: list[Block] = [
        SectionBlock(
            text=_md(
                f"Version {current.number} cannot be approved as it is: {gates.said(found)}. "
                "Cancel and edit the draft, or give your reasons below."
            )
        )
    ]
    for section_id in gates.unfilled(found):
        section = current.section(section_id)
        name = label(section) if section is not None else section_id
        blocks.append(
            InputBlock(
                block_id=f"{WAIVE_BLOCK}:{section_id}",
                label=_clip(f"Why is {name} not needed? (waives it)", 150),
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            )
        )
    findings = list(view.findings)
    if findings:
        blocks.append(SectionBlock(text=_md("\n".join(findings_lines(findings)))))
        blocks.append(
            InputBlock(
                block_id=ANYWAY_BLOCK,
                label="Approve anyway: why is this not blame?",
                hint="Recorded with your approval and printed in the published post-mortem.",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            )
        )
    meta = ApproveMeta(incident=view.incident.number, channel_id=channel_id, version=current.number)
    return View(
        type="modal",
        callback_id=APPROVE_CALLBACK,
        title="Approve post-mortem",
        submit="Approve anyway" if findings else "Approve",
        close="Cancel",
        private_metadata=meta.model_dump_json(),
        blocks=blocks,
    ).to_dict()


def changes_modal(number: int, channel_id: str, version: int) -> dict[str, Any]:
    """A note for the authors; it goes on the version that is current when it is submitted."""
    return View(
        type="modal",
        callback_id=CHANGES_CALLBACK,
        title="Request changes",
        submit="Request",
        close="Cancel",
        private_metadata=ModalMeta(incident=number, channel_id=channel_id).model_dump_json(),
        blocks=[
            InputBlock(
                block_id=NOTE_BLOCK,
                label=f"What should change in version {version}?",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2900),
            )
        ],
    ).to_dict()


def drafted_text(drafted: Drafted, view: PostmortemView, link: str) -> str:
    open_it = f"<{link}|Open the draft>"
    if not drafted.created:
        return (
            f":memo: The draft is up to date (version {drafted.version}): nothing new on the "
            f"timeline since it was drafted. {open_it}."
        )
    lines = [f":memo: Drafted version {drafted.version} of the post-mortem: {open_it}."]
    if drafted.conflicts:
        names = ", ".join(section_name_in(view.current, c.section) for c in drafted.conflicts)
        lines.append(
            f":twisted_rightwards_arrows: Every reviewed edit is kept; {names} also changed in "
            "the new draft, so both texts are in the section between conflict markers: edit it "
            "to keep what is right."
        )
    return "\n".join(lines)


def edited_text(edited: Edited) -> str:
    lines = [f":white_check_mark: Saved *{edited.section}* as version {edited.version}."]
    if edited.rebased:
        lines.append("Others changed other sections meanwhile; your edit was applied on top.")
    if edited.approvals_reset:
        plural = "s" if edited.approvals_reset > 1 else ""
        lines.append(
            f"The previous version had {edited.approvals_reset} approval{plural}; an edit resets "
            f"them, so version {edited.version} needs approving again."
        )
    lines += findings_lines(edited.findings)
    return "\n".join(lines)


def findings_lines(findings: Sequence[Finding]) -> list[str]:
    """Warnings for the editor: each sentence that reads as blame, why, and how to reword it."""
    by_sentence: dict[str, list[Finding]] = {}
    for finding in findings:
        by_sentence.setdefault(finding.sentence, []).append(finding)
    if not by_sentence:
        return []
    plural = "s" if len(by_sentence) > 1 else ""
    lines = [
        f":warning: The blameless check flags {len(by_sentence)} sentence{plural} (saved anyway):"
    ]
    for sentence, found in list(by_sentence.items())[:FINDINGS_SHOWN]:
        lines.append(f"• “{_clip(sentence, 300)}”")
        lines += [f"    ◦ {f.why} _Try:_ {f.hint}" for f in found]
    return lines


def approved_text(approved: Approved) -> str:
    text = _approved_text(approved)
    if approved.anyway:
        text += (
            " Your reason for approving despite the blameless findings is recorded and "
            "published with it."
        )
    return text


def _approved_text(approved: Approved) -> str:
    if approved.retried:
        return (
            f":arrows_counterclockwise: Version {approved.version} is approved; publishing it "
            "again where it failed."
        )
    if approved.state in (APPROVED, PUBLISHED) and approved.approvals >= approved.required:
        plural = "s" if approved.required > 1 else ""
        return (
            f":white_check_mark: You approved version {approved.version}: it has the "
            f"{approved.required} approval{plural} it needs and is being published."
        )
    missing = approved.required - approved.approvals
    return (
        f":white_check_mark: You approved version {approved.version}; it needs {missing} more "
        f"approval{'s' if missing > 1 else ''} from someone other than its authors."
    )


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(text, SECTION_LIMIT))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
