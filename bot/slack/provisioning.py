"""Timer handlers that carry an incident's Slack side effects.

Each handler is idempotent, because a timer can run again after a crash or an expired lease:
a channel already created is adopted (found by name, created by this bot, linked to no other
incident), a card already posted is updated instead of re-posted, ``already_in_channel`` and
``already_pinned`` count as success.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.domain.naming import channel_name
from bot.domain.timeline import BOT_ACTOR, EventKind, describe
from bot.services import effects
from bot.services.incidents import IncidentService, IncidentView
from bot.slack import blocks
from bot.storage.models import IncidentRow
from bot.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 20
_WHAT_FAILED = {
    effects.PROVISION: "finish setting up this channel",
    effects.CARD: "refresh the incident card",
    effects.ANNOUNCE: "post a timeline update here",
    effects.INVITE: "invite someone to this channel",
    effects.STATUS_REMINDER: "send the status-update reminder",
}
REMINDER_SLACK = timedelta(seconds=5)
_EMOJI = {
    EventKind.STATUS_CHANGED: ":arrows_counterclockwise:",
    EventKind.SEVERITY_CHANGED: ":rotating_light:",
    EventKind.LEAD_CHANGED: ":crown:",
    EventKind.ROLE_ASSIGNED: ":busts_in_silhouette:",
    EventKind.UPDATE_POSTED: ":mega:",
    EventKind.NOTE_ADDED: ":memo:",
    EventKind.ACTION_ADDED: ":white_check_mark:",
}


def tolerate(client_call: Callable[[], Any], *errors: str) -> None:
    """Run a Slack call where the listed errors mean the goal is already reached."""
    try:
        client_call()
    except SlackApiError as exc:
        if exc.response.get("error") not in errors:
            raise


class IncidentEffects:
    def __init__(
        self,
        incidents: IncidentService,
        client: WebClient,
        bot_user_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._incidents = incidents
        self._client = client
        self._bot_user_id = bot_user_id
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {
            effects.PROVISION: self.provision,
            effects.CARD: self.refresh_card,
            effects.ANNOUNCE: self.announce,
            effects.INVITE: self.invite,
            effects.STATUS_REMINDER: self.remind,
        }

    def on_failure(self, failure: TimerFailure) -> None:
        """A side effect gave up after its retries: say so where people will see it."""
        number = failure.timer.payload.get("incident")
        what = _WHAT_FAILED.get(failure.timer.kind)
        if number is None or what is None:
            return  # another family's timer: its own on_failure reports it
        if failure.timer.kind == effects.PROVISION:
            row = self._incidents.abandon(int(number))
            if row is not None and row.channel_id is None:
                self._tell_abandoned(row, failure.error)
                return
        row = self._incidents.provisioning(int(number))
        if row is not None and row.channel_id is not None:
            self._client.chat_postMessage(
                channel=row.channel_id,
                text=f":warning: warroom could not {what} after retries: {failure.error}",
            )

    def _tell_abandoned(self, row: IncidentRow, error: str) -> None:
        text = (
            f':x: Could not open the channel for incident "{row.title}": {error}. '
            "Nothing was created; please declare it again."
        )
        if row.response_url:
            WebhookClient(row.response_url).send(text=text, response_type="ephemeral")
        else:
            channel = self._client.conversations_open(users=row.declarer_id)["channel"]["id"]
            self._client.chat_postMessage(channel=channel, text=text)

    def provision(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        row = self._incidents.provisioning(number)
        if row is None:
            return Done()
        channel_id = row.channel_id
        if channel_id is None:
            channel_id, name = self._create_channel(number, row.title)
            self._incidents.channel_created(number, channel_id, name)
        # An alert-declared incident has the bot as declarer and lead: nobody to invite yet.
        people = {row.declarer_id, row.lead_id} - {self._bot_user_id, BOT_ACTOR}
        if people:
            members = ",".join(sorted(people))
            tolerate(
                lambda: self._client.conversations_invite(channel=channel_id, users=members),
                "already_in_channel",
                "cant_invite_self",
            )
        view = self._incidents.view_by_number(number)
        assert view is not None
        if row.card_ts is None:
            posted = self._client.chat_postMessage(
                channel=channel_id,
                text=blocks.title_line(view.incident),
                blocks=blocks.to_dicts(blocks.card(view)),
            )
            card_ts = str(posted["ts"])
            self._incidents.card_posted(number, card_ts)
        else:
            card_ts = row.card_ts
        tolerate(
            lambda: self._client.pins_add(channel=channel_id, timestamp=card_ts), "already_pinned"
        )
        self._set_topic(number, channel_id, blocks.topic(view.incident), row.topic)
        if row.provision_state != "ready":
            self._incidents.provisioned(number)
            self._tell_declarer(row, view, channel_id)
        return Done()

    def _create_channel(self, number: int, title: str) -> tuple[str, str]:
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = channel_name(number, title, attempt)
            try:
                created = self._client.conversations_create(name=name)
                return str(created["channel"]["id"]), name
            except SlackApiError as exc:
                if exc.response.get("error") != "name_taken":
                    raise
            adoptable = self._adoptable(name)
            if adoptable:
                log.info("adopting channel %s created before a crash", name)
                return adoptable, name
        raise RuntimeError(f"every channel name from inc-{number}-... is taken")

    def _adoptable(self, name: str) -> str | None:
        """A channel of that name that this bot created and no incident uses: ours, from a crash."""
        for page in self._client.conversations_list(
            types="public_channel", exclude_archived=True, limit=1000
        ):
            for channel in page.get("channels", []):
                if channel.get("name") != name:
                    continue
                if channel.get(
                    "creator"
                ) == self._bot_user_id and not self._incidents.is_channel_taken(channel["id"]):
                    return str(channel["id"])
                return None
        return None

    def _set_topic(self, number: int, channel_id: str, topic: str, current: str | None) -> None:
        if topic == current:
            return
        self._client.conversations_setTopic(channel=channel_id, topic=topic)
        self._incidents.topic_set(number, topic)

    def _tell_declarer(self, row: IncidentRow, view: IncidentView, channel_id: str) -> None:
        """The declarer hears where the incident lives: through the command's response_url, else
        ephemerally where they opened the modal. Best effort: the channel itself is the record."""
        incident = view.incident
        text = (
            f"{incident.severity.emoji} <@{row.declarer_id}> declared incident #{incident.number} "
            f"({incident.severity}): {incident.title} in <#{channel_id}>"
        )
        try:
            if row.response_url:
                WebhookClient(row.response_url, timeout=self._client.timeout).send(
                    text=text, response_type="ephemeral"
                )
            elif row.origin_channel_id and row.origin_channel_id != channel_id:
                self._client.chat_postEphemeral(
                    channel=row.origin_channel_id, user=row.declarer_id, text=text
                )
        except SlackApiError:
            log.warning("could not tell the declarer about incident #%s", incident.number)

    def refresh_card(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._incidents.view_by_number(number)
        row = self._incidents.provisioning(number)
        if view is None or row is None or row.channel_id is None or row.card_ts is None:
            return Done()  # provisioning posts the card with the current state
        self._client.chat_update(
            channel=row.channel_id,
            ts=row.card_ts,
            text=blocks.title_line(view.incident),
            blocks=blocks.to_dicts(blocks.card(view)),
        )
        self._set_topic(number, row.channel_id, blocks.topic(view.incident), row.topic)
        return Done()

    def announce(self, timer: ClaimedTimer) -> Outcome:
        number, event_id = int(timer.payload["incident"]), int(timer.payload["event_id"])
        row = self._incidents.provisioning(number)
        event = self._incidents.event(event_id)
        if row is None or row.channel_id is None or event is None:
            return Done()
        text = f"{_EMOJI.get(event.kind, ':information_source:')} {describe(event)}"
        self._client.chat_postMessage(channel=row.channel_id, text=text)
        return Done()

    def invite(self, timer: ClaimedTimer) -> Outcome:
        row = self._incidents.provisioning(int(timer.payload["incident"]))
        user = str(timer.payload["user"])
        if row is None or row.channel_id is None or user == self._bot_user_id:
            return Done()
        channel_id = row.channel_id
        tolerate(
            lambda: self._client.conversations_invite(channel=channel_id, users=user),
            "already_in_channel",
            "cant_invite_self",
        )
        return Done()

    def remind(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._incidents.view_by_number(number)
        if view is None or view.channel_id is None or not view.incident.is_open:
            return Done()
        incident = view.incident
        now = self._clock()
        interval = self._incidents.reminder_interval(incident)
        since = incident.last_update_at or incident.declared_at
        if now < since + interval - REMINDER_SLACK:
            return Reschedule(since + interval)  # an update came in after this timer was planned
        minutes = int((now - since).total_seconds() // 60)
        self._client.chat_postMessage(
            channel=view.channel_id,
            text=(
                f":alarm_clock: {blocks.lead(incident)} no status update for {minutes} min "
                f"({incident.severity}: every {int(interval.total_seconds() // 60)} min). "
                "Post one with `/incident update <what changed>`."
            ),
        )
        return Reschedule(now + interval)
