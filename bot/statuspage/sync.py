"""Publishing to Atlassian Statuspage: planned in the transaction of the chosen update (or of
the resolve), sent by a durable timer with a deterministic key, so each happens once.

- A customer-facing update whose author chose Statuspage too plans ``statuspage:<n>:update:<k>``
  (the k-th such update of incident n): the incident on Statuspage is created or updated with
  the text and its components in the state of the incident's severity.
- Resolving an incident that was sent to Statuspage plans ``statuspage:<n>:resolved:<instant>``:
  the Statuspage incident is resolved and its components are operational again.

Nothing else is ever sent. A final refusal (401, 404, 422) is said in the incident channel,
naming the setting to fix; 429 and 5xx are retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.incidents import repo
from bot.incidents.domain.events import EventKind, PublicUpdate
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.service import IncidentService
from bot.kernel.http.sender import GaveUp, HttpSender, Unsendable
from bot.kernel.settings import Settings
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.statuspage.atlassian import (
    COMPONENT_STATUS,
    Statuspage,
    StatuspageRefused,
    StatuspageTarget,
    Sync,
    target,
)

SYNC = "statuspage.sync"
RESOLVED_TEXT = "This incident has been resolved."
_STATUS = {
    Status.INVESTIGATING: "investigating",
    Status.IDENTIFIED: "identified",
    Status.MITIGATED: "monitoring",
    Status.RESOLVED: "resolved",
}
_PUBLIC = (EventKind.PUBLIC_UPDATE,)  # the only events a sync is planned from
log = logging.getLogger(__name__)


def check(settings: Settings) -> Callable[[tuple[str, ...]], str | None]:
    """For the update modal: None when Statuspage can take an update about ``components``."""

    def problem(components: tuple[str, ...]) -> str | None:
        page = target(settings)
        if isinstance(page, str):
            return page
        missing = page.missing_components(components)
        if missing:
            return (
                f"{', '.join(missing)} has no Statuspage component: add "
                f"{missing[0]}=<component id> to STATUSPAGE_COMPONENTS"
            )
        return None

    return problem


class StatuspagePlans:
    """The change hook: plans a sync for each chosen update and for the resolve after one."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def on_change(
        self, session: Session, before: Incident | None, after: Incident, now: datetime
    ) -> None:
        if before is None:
            return
        published = after.last_update_at == now
        resolved_at = after.resolved_at if before.is_open and not after.is_open else None
        if not published and resolved_at is None:
            return  # most changes (a note, a role, "ready"): nothing to read under the write lock
        # Every change of every incident runs this inside its write transaction: read only the
        # customer-facing updates, not the whole timeline (which grows with every update).
        events = repo.timeline(session, after.number, _PUBLIC)
        chosen = [
            (e.at, e.payload)
            for e in events
            if isinstance(e.payload, PublicUpdate) and e.payload.statuspage
        ]
        if not chosen:
            return
        at, last = chosen[-1]
        if published and at == now:  # this change published it
            state = COMPONENT_STATUS[after.severity.public_state]
            key = f"statuspage:{after.number}:update:{len(chosen)}"
            self._plan(session, key, after, _STATUS[after.status], last.text, state, now)
        if resolved_at is not None:
            key = f"statuspage:{after.number}:resolved:{resolved_at.timestamp():.6f}"
            self._plan(session, key, after, "resolved", RESOLVED_TEXT, "operational", now)

    def _plan(
        self,
        session: Session,
        key: str,
        incident: Incident,
        status: str,
        body: str,
        state: str,
        now: datetime,
    ) -> None:
        components = sorted(
            {c for e in repo.timeline(session, incident.number, _PUBLIC) for c in _named(e.payload)}
        )
        payload = {
            "number": incident.number,
            "name": f"Incident affecting {', '.join(components)}",
            "status": status,
            "body": body,
            "components": dict.fromkeys(components, state),  # services; ids at send time
        }
        timers.schedule(session, key, SYNC, now, payload, now)


def _named(payload: object) -> tuple[str, ...]:
    if isinstance(payload, PublicUpdate) and payload.statuspage:
        return payload.components
    return ()


class StatuspageEffects:
    """The timer handler: sends one planned sync; says a final refusal in the channel."""

    def __init__(
        self,
        settings: Settings,
        sender: HttpSender,
        incidents: IncidentService,
        client: WebClient,
    ) -> None:
        self._settings = settings
        self._sender = sender
        self._incidents = incidents
        self._client = client

    def handlers(self) -> Mapping[str, Handler]:
        return {SYNC: self.sync}

    def on_failure(self, failure: TimerFailure) -> None:
        number = int(failure.timer.payload.get("number", 0))
        self._say(number, f"Could not update Statuspage after retrying: {failure.error}")

    def sync(self, timer: ClaimedTimer) -> Outcome:
        payload = timer.payload
        number = int(payload["number"])
        page = target(self._settings)
        if isinstance(page, str):
            self._say(number, page)
            return Done()
        change = _change(payload, page)
        if isinstance(change, str):
            self._say(number, change)
            return Done()
        try:
            Statuspage(self._sender, page).sync(change)
        except (StatuspageRefused, Unsendable) as error:
            self._say(number, str(error))
            return Done()
        except GaveUp:
            raise  # 429/5xx through every try: the runner tries again later
        return Done()

    def _say(self, number: int, problem: str) -> None:
        log.warning("statuspage: incident #%s: %s", number, problem)
        view = self._incidents.view_by_number(number)
        if view is None or view.channel_id is None:
            return
        text = f":warning: Statuspage was not updated: {problem}"
        try:
            self._client.chat_postMessage(channel=view.channel_id, text=text)
        except SlackApiError as error:
            log.warning("could not say so in the channel: %s", error.response.get("error"))


def _change(payload: Mapping[str, Any], page: StatuspageTarget) -> Sync | str:
    services: dict[str, str] = dict(payload["components"])
    missing = page.missing_components(tuple(services))
    if missing:
        return f"{', '.join(missing)} has no component in STATUSPAGE_COMPONENTS"
    return Sync(
        number=int(payload["number"]),
        name=str(payload["name"]),
        status=str(payload["status"]),
        body=str(payload["body"]),
        components={page.components[s]: state for s, state in services.items()},
    )
