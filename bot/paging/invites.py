"""Inviting paged people into the incident channel when their level says ``invite: on_page``.

Written in the transaction that notifies the level: the incident's invite timer per person
(deterministic key, so a retry or another replica invites once; ``already_in_channel`` is done)
and the timeline event saying so. People known only by email have no Slack id to invite yet:
they are invited when they acknowledge, like everyone on an ``on_acknowledge`` level.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Config
from bot.incidents import timers as incident_timers
from bot.incidents.domain.events import Invited
from bot.incidents.domain.timeline import TimelineEvent
from bot.kernel.timers import store as timers
from bot.paging.domain.escalation import EscalationLevel

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
PAGED = "paged"


def invite_paged(
    session: Session,
    incident: int,
    level: EscalationLevel,
    users: Sequence[str],
    config: Config,
    now: datetime,
) -> list[TimelineEvent]:
    """Plan the invites of ``users`` (config references) when ``level`` invites on page."""
    if not level.invite_on_page:
        return []
    events: list[TimelineEvent] = []
    for ref in users:
        known = config.user(ref)
        slack_id = known.slack_id if known and known.slack_id else ref
        if not SLACK_USER.match(slack_id):
            continue
        key = incident_timers.invite_key(incident, slack_id)
        payload = {"incident": incident, "user": slack_id}
        timers.schedule(session, key, incident_timers.INVITE, now, payload, now)
        invited = Invited(slack_id, PAGED)
        events.append(TimelineEvent(now, slack_id, invited, f"invited:{slack_id}:{PAGED}"))
    return events
