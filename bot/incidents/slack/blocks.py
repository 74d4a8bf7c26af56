"""Block Kit views, built with slack-sdk's model classes so Slack's limits are checked here."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
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

from bot.alerts.slack import lines as alert_lines
from bot.incidents.domain.commands import USAGES
from bot.incidents.domain.events import UpdatePosted
from bot.incidents.domain.from_message import MAX_DESCRIPTION, Prefill, SourceMessage
from bot.incidents.domain.incident import MAX_TITLE, Clocks, Incident, format_duration
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, Person, TimelineEvent, describe, mention
from bot.incidents.service import CardView
from bot.kernel.slack.payloads import Id
from bot.paging.service import PageSummary
from bot.playbooks.domain.run import progress as playbook_progress

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
MESSAGE_BLOCK_LIMIT = 50
PRIVATE_METADATA_LIMIT = 3000  # Slack's bound on a view's private_metadata

DECLARE_CALLBACK = "declare_incident"
DECLARE_FROM_MESSAGE = "declare_from_message"  # the message shortcut
UPDATE_CALLBACK = "post_update"
ACTION_MITIGATE = "incident_mitigate"
ACTION_RESOLVE = "incident_resolve"
ACTION_REOPEN = "incident_reopen"
ACTION_UPDATE = "incident_open_update"


def when(instant: datetime) -> str:
    """A Slack date token: shown in the viewer's time zone, with a UTC fallback."""
    fallback = instant.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def utc(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def _clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_clip(text))


def title_line(incident: Incident) -> str:
    return f"{incident.severity.emoji} Incident #{incident.number}: {incident.title}"


def topic(incident: Incident) -> str:
    return (
        f"{incident.severity} ({incident.severity.label}) | {incident.status.value.title()} | "
        f"Lead: {lead(incident)}"
    )[:250]


def lead(incident: Incident) -> str:
    """The lead as a mention; an alert-declared incident has none until the first ack."""
    if incident.lead == BOT_ACTOR:
        return "unassigned (the first to acknowledge the page leads)"
    return f"<@{incident.lead}>"


def clock_lines(incident: Incident) -> list[str]:
    clocks = Clocks.of(incident)
    instants = [
        ("Detected", clocks.detected_at),
        ("Declared", clocks.declared_at),
        ("Acknowledged", clocks.acknowledged_at),
        ("Mitigated", clocks.mitigated_at),
        ("Resolved", clocks.resolved_at),
    ]
    shown = [f"*{name}* {when(at)}" for name, at in instants if at is not None]
    durations = [
        ("to acknowledge", clocks.time_to_acknowledge),
        ("to mitigate", clocks.time_to_mitigate),
        ("to resolve", clocks.time_to_resolve),
    ]
    taken = [f"{format_duration(d)} {name}" for name, d in durations if d is not None]
    return [" · ".join(shown)] + ([" · ".join(taken)] if taken else [])


def card(view: CardView, person: Person = mention) -> list[Block]:
    return [*_shown(view, person), _card_buttons(view.incident)]


def _shown(view: CardView, person: Person) -> list[Block]:
    """What the card and ``/incident status`` both show: the card without its buttons."""
    incident, facts = view.incident, view.facts
    fields = [
        _md(f"*Severity*\n{incident.severity} ({incident.severity.label})"),
        _md(f"*Status*\n{incident.status.value.title()}"),
        _md(f"*Lead*\n{lead(incident)}"),
        _md(f"*Service*\n{incident.service or '—'}"),
    ]
    fields += [_md(f"*{role.title()}*\n<@{user}>") for role, user in sorted(incident.roles.items())]
    header = title_line(incident)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=_clip(header, HEADER_LIMIT)))]
    if len(header) > HEADER_LIMIT:  # Slack cuts headers at 150; the whole title stays readable
        blocks.append(SectionBlock(text=PlainTextObject(text=incident.title)))
    blocks.append(SectionBlock(fields=fields[:10]))
    if view.call_url:
        blocks.append(
            SectionBlock(text=_md(f":telephone_receiver: <{view.call_url}|Join the call>"))
        )
    if incident.description:
        blocks.append(SectionBlock(text=_md(incident.description)))
    maintenance = facts.maintenance
    if maintenance:
        blocks.append(SectionBlock(text=_md(f":construction: {maintenance}")))
    blocks.append(ContextBlock(elements=[_md(line) for line in clock_lines(incident)]))
    if view.pages:
        blocks.append(
            SectionBlock(
                text=_md("*Paging*\n" + "\n".join(_page_line(p, person) for p in view.pages))
            )
        )
    alerts = alert_lines.card_text(facts.alerts, when)
    if alerts:
        blocks.append(SectionBlock(text=_md(alerts)))
    runs = playbook_progress(facts.playbook_events)
    if runs:
        lines = " · ".join(f"{run.playbook} {run.finished}/{run.total}" for run in runs)
        blocks.append(SectionBlock(text=_md(f"*Playbooks* {lines}")))
    last = facts.last_update
    if last is not None and isinstance(last.payload, UpdatePosted):
        text = f"*Last update* ({when(last.at)}, <@{last.actor}>)\n{last.payload.text}"
        blocks.append(SectionBlock(text=_md(text)))
    summary = f"{facts.events} timeline events · {len(view.open_actions)} open action items"
    blocks.append(ContextBlock(elements=[_md(summary)]))
    return blocks


def _page_line(page: PageSummary, person: Person) -> str:
    people = ", ".join(person(u) for u in dict.fromkeys(page.notified)) or "nobody yet"
    if page.acknowledged_by:
        state = f"acknowledged by {person(page.acknowledged_by)}"
    else:
        state = {
            "active": "waiting for an acknowledgement",
            "exhausted": "nobody acknowledged",
        }.get(page.status, page.status)
    return f"• {page.target}: paged {people}; {state}"


def _card_buttons(incident: Incident) -> ActionsBlock:
    value = str(incident.number)
    if not incident.is_open:
        return ActionsBlock(
            elements=[ButtonElement(text="Reopen", action_id=ACTION_REOPEN, value=value)]
        )
    buttons = [ButtonElement(text="Post update", action_id=ACTION_UPDATE, value=value)]
    if incident.mitigated_at is None:
        buttons.append(
            ButtonElement(
                text="Mitigate",
                action_id=ACTION_MITIGATE,
                value=value,
                confirm=_confirm("Mark mitigated?", "The impact has stopped for users."),
            )
        )
    buttons.append(
        ButtonElement(
            text="Resolve",
            action_id=ACTION_RESOLVE,
            value=value,
            style="primary",
            confirm=_confirm("Resolve the incident?", "Timers stop and the clock is closed."),
        )
    )
    return ActionsBlock(elements=buttons)


def _confirm(title: str, text: str) -> ConfirmObject:
    return ConfirmObject(title=title, text=text, confirm="Yes", deny="Cancel")


def status(view: CardView, person: Person = mention) -> list[Block]:
    blocks = _shown(view, person)
    if view.open_actions:
        lines = [
            f"• {text}" + (f" (<@{owner}>)" if owner else "") for text, owner in view.open_actions
        ]
        blocks.append(SectionBlock(text=_md("*Open action items*\n" + "\n".join(lines))))
    return blocks


def timeline(
    incident: Incident, events: list[TimelineEvent], person: Person = mention
) -> list[Block]:
    """The timeline in UTC, packed into sections within Slack's per-message limits."""
    blocks: list[Block] = [HeaderBlock(text=f"Timeline of incident #{incident.number}")]
    chunk = ""
    for index, event in enumerate(events):
        line = f"`{utc(event.at)}` {describe(event, person)}\n"
        if len(chunk) + len(line) > SECTION_LIMIT:
            if len(blocks) == MESSAGE_BLOCK_LIMIT - 2:
                more = len(events) - index
                blocks.append(SectionBlock(text=_md(chunk)))
                blocks.append(ContextBlock(elements=[_md(f"… and {more} more events")]))
                return blocks
            blocks.append(SectionBlock(text=_md(chunk)))
            chunk = ""
        chunk += _clip(line, SECTION_LIMIT)
    if chunk:
        blocks.append(SectionBlock(text=_md(chunk)))
    return blocks


def help_blocks() -> list[Block]:
    lines = [f"`{u.syntax}`\n{u.summary}. Example: `{u.example}`" for u in USAGES.values()]
    text = "\n".join(lines)
    blocks: list[Block] = [HeaderBlock(text="warroom commands")]
    blocks.append(SectionBlock(text=_md("`/incident` with no text opens the declare form.")))
    while text:
        cut = text[:SECTION_LIMIT].rfind("\n") if len(text) > SECTION_LIMIT else len(text)
        blocks.append(SectionBlock(text=_md(text[:cut])))
        text = text[cut:].lstrip("\n")
    blocks.append(
        ContextBlock(
            elements=[
                _md(
                    "Inside an incident channel, react with :pushpin: or use the *Add to timeline* "
                    "shortcut to put a message on the timeline; on any message, the *Declare "
                    "incident* shortcut opens the declare form filled in from it. Who is on call: "
                    "`/oncall` (see `/oncall help`)."
                )
            ]
        )
    )
    return blocks


def usage_text(message: str, usage: str | None) -> str:
    """The ephemeral answer to a command that did not work: what was wrong, then what works."""
    hint = f"\nUsage: `{usage}`" if usage else "\nSee `/incident help` for every command."
    return f":warning: {message}{hint}"


class SourceMeta(BaseModel):
    """The message a declare form was opened from (the *Declare incident* shortcut)."""

    channel_id: Id
    ts: Annotated[str, Field(pattern=r"^[0-9]{1,12}\.[0-9]{1,9}$")]
    author: Id | None = None
    thread_ts: Annotated[str, Field(pattern=r"^[0-9]{1,12}\.[0-9]{1,9}$")] | None = None
    permalink: Annotated[str, Field(max_length=500)]
    text: Annotated[str, Field(max_length=PRIVATE_METADATA_LIMIT)] = ""

    def to_domain(self) -> SourceMessage:
        return SourceMessage(
            self.channel_id, self.ts, self.text, self.author, self.permalink, self.thread_ts
        )


class DeclareMeta(BaseModel):
    """The declare modal's ``private_metadata``: where the person typed ``/incident`` (or ran
    the shortcut), where to answer them, and the message it was declared from."""

    channel_id: Id | None = None
    response_url: Annotated[str, Field(max_length=500)] | None = None
    source: SourceMeta | None = None

    def to_json(self) -> str:
        """As JSON within Slack's 3,000 characters: a long source text is cut to fit (the
        permalink leads to all of it)."""
        raw = self.model_dump_json(exclude_none=True)
        source = self.source
        while len(raw) > PRIVATE_METADATA_LIMIT and source is not None and source.text:
            over = len(raw) - PRIVATE_METADATA_LIMIT
            cut = source.text[: max(0, len(source.text) - max(over, 16) - 1)].rstrip() + "…"
            source = source.model_copy(update={"text": cut if len(cut) > 1 else ""})
            raw = self.model_copy(update={"source": source}).model_dump_json(exclude_none=True)
        return raw


class UpdateMeta(BaseModel):
    """The status-update modal's ``private_metadata``: the incident channel."""

    channel_id: Id


PRIVATE = "private"  # the declare modal's checkbox value


def declare_modal(
    origin_channel_id: str | None,
    prefill: Prefill | None = None,
    meta: DeclareMeta | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The *Declare incident* form; from a message, ``prefill`` fills in the title and the
    description, ``meta`` carries the message, and ``note`` says what warroom cannot do with it."""
    severities = [Option(text=f"{s} ({s.label})", value=s.value) for s in Severity]
    meta = meta or DeclareMeta(channel_id=origin_channel_id)
    notes: list[Block] = []
    if note:
        notes.append(ContextBlock(elements=[_md(_clip(note, 2000))]))
    view = View(
        type="modal",
        callback_id=DECLARE_CALLBACK,
        title="Declare incident",
        submit="Declare",
        close="Cancel",
        private_metadata=meta.to_json(),
        blocks=[
            *notes,
            InputBlock(
                block_id="title",
                label="Title",
                element=PlainTextInputElement(
                    action_id="value",
                    max_length=MAX_TITLE,
                    placeholder="Checkout latency high",
                    initial_value=prefill.title if prefill and prefill.title else None,
                ),
            ),
            InputBlock(
                block_id="severity",
                label="Severity",
                element=StaticSelectElement(
                    action_id="value", options=severities, initial_option=severities[2]
                ),
            ),
            InputBlock(
                block_id="service",
                label="Service",
                optional=True,
                element=PlainTextInputElement(action_id="value", placeholder="checkout"),
            ),
            InputBlock(
                block_id="description",
                label="What is happening?",
                optional=True,
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=MAX_DESCRIPTION,
                    initial_value=prefill.description if prefill and prefill.description else None,
                ),
            ),
            InputBlock(
                block_id="private",
                label="Visibility",
                optional=True,
                element=CheckboxesElement(
                    action_id="value",
                    options=[
                        Option(
                            text="Private: a private channel, seen by its members only",
                            value=PRIVATE,
                        )
                    ],
                ),
            ),
        ],
    )
    return view.to_dict()


def source_reply(incident: Incident, channel_id: str) -> str:
    """The reply under the message an incident was declared from. A private incident's says
    only that there is one (its channel shows as private to whoever is not in it)."""
    if incident.private:
        return (
            f":lock: <@{incident.declarer}> declared a private incident from this message: "
            f"<#{channel_id}> (members only)."
        )
    return (
        f"{incident.severity.emoji} <@{incident.declarer}> declared incident #{incident.number} "
        f"({incident.severity}) from this message: {incident.title}. Follow it in <#{channel_id}>."
    )


def update_modal(channel_id: str) -> dict[str, Any]:
    metadata = UpdateMeta(channel_id=channel_id).model_dump_json()
    return {**_update_modal(), "private_metadata": metadata}


@functools.cache
def _update_modal() -> dict[str, Any]:
    """The same for every incident but its metadata: built once (building the Block Kit objects
    was a fifth of a click's CPU)."""
    view = View(
        type="modal",
        callback_id=UPDATE_CALLBACK,
        title="Status update",
        submit="Post",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="text",
                label="What changed?",
                hint="Internal: the incident channel, the announcement and followers.",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2900),
            ),
            InputBlock(
                block_id="public",
                label="Customer-facing update (status page)",
                optional=True,
                hint="Shown publicly only if you choose to publish below, after a preview.",
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=1000),
            ),
            InputBlock(
                block_id="components",
                label="Affected components",
                optional=True,
                hint="Services in config, comma separated; the incident's service if empty.",
                element=PlainTextInputElement(action_id="value", placeholder="checkout-api"),
            ),
            InputBlock(
                block_id="publish",
                label="Publish to the status page?",
                element=StaticSelectElement(
                    action_id="value", options=_PUBLISH, initial_option=_PUBLISH[0]
                ),
            ),
        ],
    )
    return view.to_dict()


PUBLISH_YES = "publish"
PUBLISH_WITH_STATUSPAGE = "publish_statuspage"
_PUBLISH = [
    Option(text="No, internal only", value="internal"),
    Option(text="Yes, preview it, then publish", value=PUBLISH_YES),
    Option(text="Yes, and on Statuspage too", value=PUBLISH_WITH_STATUSPAGE),
]


def to_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
