"""Block Kit for alerts: the all-resolved prompt, a channel-only group's message, a page DM."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.alerts.domain import AlertStatus
from bot.alerts.service import GroupNotice
from bot.alerts.slack.lines import alert_line, within_limit
from bot.incidents.domain.incident import Incident
from bot.incidents.slack import blocks

PROMPT_TEXT = "All alerts resolved: mitigate or resolve?"


def all_resolved_prompt(incident: Incident) -> list[Block]:
    """The question and its buttons: the card's own Mitigate/Resolve actions, so only members of
    the channel can use them and they go through the usual transition."""
    value = str(incident.number)
    buttons = []
    if incident.mitigated_at is None:
        buttons.append(
            ButtonElement(text="Mitigate", action_id=blocks.ACTION_MITIGATE, value=value)
        )
    buttons.append(
        ButtonElement(text="Resolve", action_id=blocks.ACTION_RESOLVE, value=value, style="primary")
    )
    text = (
        f":white_check_mark: *{PROMPT_TEXT}* Every alert of incident #{incident.number} has "
        "resolved; warroom never resolves an incident by itself."
    )
    return [SectionBlock(text=MarkdownTextObject(text=text)), ActionsBlock(elements=buttons)]


def group_text(notice: GroupNotice) -> str:
    """The notification text of a channel-only group's message."""
    firing = sum(1 for a in notice.alerts if a.status is AlertStatus.FIRING)
    first = notice.alerts[0].name if notice.alerts else "Alerts"
    return f":rotating_light: {first}: {firing} firing (route {notice.route})"


def group_message(notice: GroupNotice) -> list[Block]:
    return _notice_blocks(
        group_text(notice),
        notice,
        "Posted once per alert group; no incident was opened. If it needs one: "
        "`/incident declare <title> [sev1..sev4] [service:<name>]`",
    )


def page_text(notice: GroupNotice) -> str:
    """The notification text of a page-only group's DM."""
    first = notice.alerts[0] if notice.alerts else None
    what = "an alert" if first is None else first.name
    if first is not None and first.summary:
        what += f" ({first.summary})"
    return f":rotating_light: You are paged for {notice.service}: {what}"


def page_message(notice: GroupNotice) -> list[Block]:
    return _notice_blocks(
        page_text(notice),
        notice,
        f"Route {notice.route} pages the on-call without opening an incident (no escalation, "
        "nothing to acknowledge). To open one: "
        f"`/incident declare <title> service:{notice.service}`",
    )


def _notice_blocks(head: str, notice: GroupNotice, footer: str) -> list[Block]:
    lines = [alert_line(a, blocks.when) for a in notice.alerts]
    return [
        SectionBlock(text=MarkdownTextObject(text=within_limit(f"*{head}*", lines))),
        ContextBlock(elements=[MarkdownTextObject(text=footer)]),
    ]
