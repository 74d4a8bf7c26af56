"""The timeline as table rows: UTC, the team's local time, the event in Markdown, the actor.

Events read as ``describe`` words them, converted from Slack mrkdwn, except failures, which are
worded with the system as the subject ("Step Restart pods failed: ..."): people appear in the
actor column as responders, never as the subject of a failure. A channel is named by its name,
never by its Slack id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import (
    ChannelCreated,
    PlaybookStep,
    PlaybookUndone,
    StepOutcome,
    UndoOutcome,
)
from bot.incidents.domain.timeline import TimelineEvent, describe
from bot.postmortems.domain.people import Namer
from bot.postmortems.domain.plaintext import to_markdown
from bot.postmortems.domain.values import Moment, TimelineRow


def timeline_rows(
    timeline: Sequence[TimelineEvent], tz: ZoneInfo, names: Mapping[str, str], name: Namer
) -> list[TimelineRow]:
    rows = []
    for event in timeline:
        at = Moment.of(event.at, tz)
        text = _own_text(event) or to_markdown(describe(event, name), names)
        rows.append(TimelineRow(at.utc, at.local, text, name(event.actor), event.kind.value))
    return rows


def _own_text(event: TimelineEvent) -> str | None:
    """Failures with the system as subject; the channel by its name (Slack shows ``<#C1>`` as
    the name, a document cannot)."""
    match event.payload:
        case ChannelCreated(name=name) if name:
            return f"Channel #{name} created"
        case PlaybookStep(outcome=StepOutcome.FAILED, title=title, playbook=playbook, error=e):
            return f"Step {title} ({playbook}) failed{_colon(e)}"
        case PlaybookUndone(outcome=UndoOutcome.FAILED, title=title, error=e):
            return f"Undo of {title} failed{_colon(e)}"
        case _:
            return None


def _colon(error: str | None) -> str:
    return f": {error}" if error else ""
