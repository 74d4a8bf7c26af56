"""Timer handlers that carry an incident's Slack side effects.

Each handler is idempotent, because a timer can run again after a crash, an expired lease or a
write Slack applied but answered with a 5xx: a channel already created is adopted (found by name,
created by this bot, linked to no other incident: also what a retried ``conversations.create``
that answers ``name_taken`` finds), every message is marked with its key and found instead of
re-posted (``marked``), ``already_in_channel`` and ``already_pinned`` count as success.

Slack refusing to add someone (a guest: ``cant_invite``, ``ura_max_channels``...) does not stop
provisioning: the channel still gets its card, pin and topic, the refusal goes on the timeline and
into the channel, and the declarer hears it with the channel's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.incidents import timers as incident_timers
from bot.incidents.domain.naming import channel_name
from bot.incidents.domain.timeline import BOT_ACTOR, EventKind, Person, describe, mention
from bot.incidents.service import READY, CardView, IncidentService, NewChannel, Provisioning
from bot.incidents.slack import blocks
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.slack.pooled import PooledWebhookClient
from bot.kernel.timers.outcomes import (
    Completed,
    Done,
    Handler,
    Outcome,
    Reschedule,
    TimerFailure,
)
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 20
_WHAT_FAILED = {
    incident_timers.PROVISION: "finish setting up this channel",
    incident_timers.CARD: "refresh the incident card",
    incident_timers.ANNOUNCE: "post a timeline update here",
    incident_timers.INVITE: "invite someone to this channel",
    incident_timers.STATUS_REMINDER: "send the status-update reminder",
    incident_timers.SOURCE_REPLY: "reply under the message this incident was declared from",
}
REMINDER_SLACK = timedelta(seconds=5)
# How long a card refresh, an announcement or an invite waits for provisioning to record the
# channel and its card, trying again every ``PENDING_RETRY``; past it provisioning has given up
# (and said so in the channel, or removed the incident that never got one).
PROVISION_PATIENCE = timedelta(minutes=15)
PENDING_RETRY = timedelta(seconds=1)
_EMOJI = {
    EventKind.STATUS_CHANGED: ":arrows_counterclockwise:",
    EventKind.SEVERITY_CHANGED: ":rotating_light:",
    EventKind.LEAD_CHANGED: ":crown:",
    EventKind.ROLE_ASSIGNED: ":busts_in_silhouette:",
    EventKind.UPDATE_POSTED: ":mega:",
    EventKind.NOTE_ADDED: ":memo:",
    EventKind.ACTION_ADDED: ":white_check_mark:",
}
# conversations.invite errors that say Slack will not add this person, however often we ask:
# why, in words for the channel and the declarer.
REFUSALS = {
    "cant_invite": "Slack does not let apps add this account, e.g. a guest",
    "ura_max_channels": "a single-channel guest can only be in one channel",
    "user_is_restricted": "the account is a guest",
    "user_is_ultra_restricted": "the account is a single-channel guest",
    "user_not_found": "Slack does not know the account",
    "user_disabled": "the account is deactivated",
    "invitee_cant_see_channel": "the channel is not shared with their workspace",
    "no_external_invite_permission": "the account belongs to another organisation",
}
# Slack's final answers to a reply under the message an incident was declared from.
SOURCE_REFUSALS = {
    "channel_not_found": "warroom cannot see that conversation",
    "not_in_channel": "warroom is not in that conversation",
    "method_not_supported_for_channel_type": "warroom cannot join that conversation",
    "is_archived": "the channel is archived",
    "thread_not_found": "the message was deleted",
    "message_not_found": "the message was deleted",
    "restricted_action": "the workspace does not let warroom post there",
}
# Errors that mean the person is in already (the bot itself is always in).
_ALREADY_IN = ("already_in_channel", "cant_invite_self")


def tolerate(client_call: Callable[[], Any], *errors: str) -> None:
    """Run a Slack call where the listed errors mean the goal is already reached."""
    try:
        client_call()
    except SlackApiError as exc:
        if exc.response.get("error") not in errors:
            raise


def refusal_text(error: str) -> str:
    return f"{error}: {REFUSALS.get(error, 'refused by Slack')}"


class IncidentEffects:
    def __init__(
        self,
        incidents: IncidentService,
        client: WebClient,
        bot_user_id: str,
        clock: Callable[[], datetime],
        people: Person = mention,
    ) -> None:
        self._incidents = incidents
        self._people = people
        self._client = client
        self._poster = Poster(client)
        self._bot_user_id = bot_user_id
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {
            incident_timers.PROVISION: self.provision,
            incident_timers.CARD: self.refresh_card,
            incident_timers.ANNOUNCE: self.announce,
            incident_timers.INVITE: self.invite,
            incident_timers.STATUS_REMINDER: self.remind,
            incident_timers.SOURCE_REPLY: self.reply_in_source,
        }

    def on_failure(self, failure: TimerFailure) -> None:
        """A side effect gave up after its retries: say so where people will see it."""
        number = failure.timer.payload.get("incident")
        what = _WHAT_FAILED.get(failure.timer.kind)
        if number is None or what is None:
            return  # another family's timer: its own on_failure reports it
        if failure.timer.kind == incident_timers.PROVISION:
            row = self._incidents.abandon(int(number))
            if row is not None and row.channel_id is None:
                self._tell_abandoned(row, failure.error)
                return
        row = self._incidents.provisioning(int(number))
        if row is not None and row.channel_id is not None:
            self._poster.post(
                Mark.gave_up(failure.timer),
                row.channel_id,
                f":warning: warroom could not {what} after retries: {failure.error}",
            )

    def _tell_abandoned(self, row: Provisioning, error: str) -> None:
        text = (
            f':x: Could not open the channel for incident "{row.title}": {error}. '
            "Nothing was created; please declare it again."
        )
        if row.response_url:
            PooledWebhookClient(row.response_url).send(text=text, response_type="ephemeral")
        else:
            channel = self._client.conversations_open(users=row.declarer_id)["channel"]["id"]
            mark = Mark(f"incident:{row.id}:abandoned", self._clock())
            self._poster.post(mark, channel, text)

    def provision(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        row = self._incidents.provisioning(number)
        if row is None:
            return Done()
        made = None
        if row.channel_id is None:
            made = self._create_channel(number, row.title, row.private)
        try:
            return self._furnish(timer, row, made)
        except Exception:
            if made is not None:
                self._keep_channel(number, made)
            raise

    def _furnish(self, timer: ClaimedTimer, row: Provisioning, made: NewChannel | None) -> Outcome:
        """Everything after the channel exists; a channel just ``made`` is recorded with "ready"
        (one write transaction for both), so commands there answer once the channel is ready."""
        number = row.id
        channel_id = made.id if made is not None else row.channel_id
        assert channel_id is not None
        refused = self._invite_people(number, row, channel_id)
        view = self._incidents.card_view_by_number(number)
        assert view is not None
        if row.card_ts is None:
            card_ts = self._poster.post(
                Mark.of(timer, since=row.declared_at),
                channel_id,
                blocks.title_line(view.incident),
                blocks.to_dicts(blocks.card(view, self._people)),
            )  # recorded with "ready" below: posting it again finds this one (its mark)
        else:
            card_ts = row.card_ts
        tolerate(
            lambda: self._client.pins_add(channel=channel_id, timestamp=card_ts), "already_pinned"
        )
        topic = blocks.topic(view.incident)
        if row.provision_state == READY:
            self._set_topic(number, channel_id, topic, row.topic)
            return Done()
        if topic != row.topic:  # recorded with "ready" below: setting it again is harmless
            self._client.conversations_setTopic(channel=channel_id, topic=topic)
        # Told before the channel is marked ready: a crash in between tells them twice (an
        # ephemeral message), never not at all.
        self._tell_declarer(row, view, channel_id, refused)
        held = self._incidents.provisioned(
            number, _source_of(timer), topic=topic, card_ts=card_ts, timer=timer, channel=made
        )
        return Completed(held)

    def _keep_channel(self, number: int, made: NewChannel) -> None:
        """Provisioning failed after creating the channel: record it, so the retry uses it
        and giving up keeps the incident (a crash instead leaves the retry to adopt it by name)."""
        try:
            self._incidents.channel_created(number, made)
        except Exception:
            log.exception("could not record channel %s of incident #%s", made.id, number)

    def _invite_people(self, number: int, row: Provisioning, channel_id: str) -> dict[str, str]:
        """Invite the declarer and the lead; those Slack refuses, with its error code.

        One call per person: Slack refuses a whole call for one refused person. A refusal goes on
        the timeline (and so into the channel) before the card is posted, so the card counts it.
        """
        # An alert-declared incident has the bot as declarer and lead: nobody to invite yet.
        people = sorted({row.declarer_id, row.lead_id} - {self._bot_user_id, BOT_ACTOR})
        refused = {user: error for user in people if (error := self._invite(channel_id, user))}
        for user, error in refused.items():
            self._record_refusal(number, user, error)
        return refused

    def _invite(self, channel_id: str, user: str) -> str | None:
        """Add ``user`` to the channel; Slack's error code if it refuses them for good."""
        try:
            self._client.conversations_invite(channel=channel_id, users=user)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in _ALREADY_IN:
                return None
            if error in REFUSALS:
                return error
            raise  # anything else may pass: the timer retries
        return None

    def _record_refusal(self, number: int, user: str, error: str) -> None:
        self._incidents.bot_note(
            number,
            f"Slack would not add <@{user}> to this channel ({refusal_text(error)}). "
            "A workspace admin can add them.",
            dedup_key=f"invite_refused:{user}",
        )

    def _create_channel(self, number: int, title: str, private: bool) -> NewChannel:
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = channel_name(number, title, attempt)
            try:
                created = self._client.conversations_create(name=name, is_private=private)
                return NewChannel(str(created["channel"]["id"]), name, self._clock())
            except SlackApiError as exc:
                if exc.response.get("error") != "name_taken":
                    raise
            # Ours from a crash, or from this very call: Slack created it, answered 5xx, and the
            # client's retry was told the name is taken.
            adoptable = self._adoptable(name, private)
            if adoptable:
                log.info("adopting channel %s created by an earlier attempt", name)
                return NewChannel(adoptable, name, self._clock())
        raise RuntimeError(f"every channel name from inc-{number}-... is taken")

    def _adoptable(self, name: str, private: bool) -> str | None:
        """A channel of that name that this bot created and no incident uses: ours, from a crash."""
        kind = "private_channel" if private else "public_channel"
        for page in self._client.conversations_list(types=kind, exclude_archived=True, limit=1000):
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

    def _tell_declarer(
        self, row: Provisioning, view: CardView, channel_id: str, refused: Mapping[str, str]
    ) -> None:
        """The declarer hears where the incident lives, and whom Slack would not add to it:
        through the command's response_url, else ephemerally where they opened the modal. Best
        effort: the channel itself is the record."""
        incident = view.incident
        text = (
            f"{incident.severity.emoji} <@{row.declarer_id}> declared incident #{incident.number} "
            f"({incident.severity}): {incident.title} in <#{channel_id}>"
        )
        maintenance = view.facts.maintenance
        if maintenance and not row.response_url:  # the slash command said so at once
            text += f"\n:construction: {maintenance}."
        for user, error in refused.items():
            who = "you" if user == row.declarer_id else f"<@{user}>"
            text += (
                f"\n:warning: Slack would not add {who} to <#{channel_id}> "
                f"({refusal_text(error)}): ask a workspace admin to add {who}."
            )
        try:
            if row.response_url:
                PooledWebhookClient(row.response_url, timeout=self._client.timeout).send(
                    text=text, response_type="ephemeral"
                )
            elif row.origin_channel_id and row.origin_channel_id != channel_id:
                self._client.chat_postEphemeral(
                    channel=row.origin_channel_id, user=row.declarer_id, text=text
                )
        except (SlackApiError, OSError):
            log.warning("could not tell the declarer about incident #%s", incident.number)

    def reply_in_source(self, timer: ClaimedTimer) -> Outcome:
        """The message the incident was declared from gets a reply in its thread pointing at
        the incident channel (a private incident's reply names neither title nor severity).
        A conversation Slack will not take the reply in is said on the timeline, once."""
        number = int(timer.payload["incident"])
        channel, ts = str(timer.payload["channel"]), str(timer.payload["ts"])
        view = self._incidents.card_view_by_number(number)
        if view is None or view.channel_id is None:
            return Done()
        text = blocks.source_reply(view.incident, view.channel_id)
        try:
            self._poster.post_joining(
                Mark.of(timer, since=timer.due_at), channel, text, thread_ts=ts
            )
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if code not in SOURCE_REFUSALS:
                raise
            self._incidents.bot_note(
                number,
                f"warroom could not reply under the message this incident was declared from "
                f"({code}: {SOURCE_REFUSALS[code]}).",
                dedup_key="source-reply-refused",
            )
        return Done()

    def refresh_card(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._incidents.card_view_by_number(number)
        row = self._incidents.provisioning(number)
        if view is None or row is None:
            return Done()
        if row.channel_id is None or row.card_ts is None:
            # Provisioning may have posted the card from a state that predates this change:
            # draw it again once the card is recorded (with "ready").
            return self._until_provisioned(row)
        self._client.chat_update(
            channel=row.channel_id,
            ts=row.card_ts,
            text=blocks.title_line(view.incident),
            blocks=blocks.to_dicts(blocks.card(view, self._people)),
        )
        self._set_topic(number, row.channel_id, blocks.topic(view.incident), row.topic)
        return Done()

    def announce(self, timer: ClaimedTimer) -> Outcome:
        number, event_id = int(timer.payload["incident"]), int(timer.payload["event_id"])
        row = self._incidents.provisioning(number)
        event = self._incidents.event(event_id)
        if row is None or event is None:
            return Done()
        if row.channel_id is None:
            return self._until_provisioned(row)
        text = f"{_EMOJI.get(event.kind, ':information_source:')} {describe(event, self._people)}"
        self._poster.post(Mark.of(timer, since=min(event.at, timer.due_at)), row.channel_id, text)
        return Done()

    def invite(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        row = self._incidents.provisioning(number)
        user = str(timer.payload["user"])
        if row is None or user == self._bot_user_id:
            return Done()
        if row.channel_id is None:
            return self._until_provisioned(row)
        error = self._invite(row.channel_id, user)
        if error is not None:
            self._record_refusal(number, user, error)
        return Done()

    def _until_provisioned(self, row: Provisioning) -> Outcome:
        """Provisioning has not recorded the channel (or its card) yet, and may be setting it up
        right now: try again shortly, unless provisioning has surely given up."""
        now = self._clock()
        if now - row.declared_at < PROVISION_PATIENCE:
            return Reschedule(now + PENDING_RETRY)
        return Done()

    def remind(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._incidents.card_view_by_number(number)
        if view is None or view.channel_id is None or not view.incident.is_open:
            return Done()
        incident = view.incident
        now = self._clock()
        interval = self._incidents.reminder_interval(incident)
        since = incident.last_update_at or incident.declared_at
        if now < since + interval - REMINDER_SLACK:
            # An update came in after this timer was planned.
            return Reschedule(
                since + interval, incident_timers.reminder_payload(number, since + interval)
            )
        minutes = int((now - since).total_seconds() // 60)
        # One reminder per planned occurrence, however often this occurrence is retried.
        occurrence = str(timer.payload.get("due") or timer.due_at.isoformat())
        self._poster.post(
            Mark.of(timer, since=since, key=f"{timer.key}:{occurrence}"),
            view.channel_id,
            f":alarm_clock: {blocks.lead(incident)} no status update for {minutes} min "
            f"({incident.severity}: every {int(interval.total_seconds() // 60)} min). "
            "Post one with `/incident update <what changed>`.",
        )
        return Reschedule(now + interval, incident_timers.reminder_payload(number, now + interval))


def _source_of(timer: ClaimedTimer) -> tuple[str, str] | None:
    """The message an incident was declared from (channel, ts), as its declaration planned."""
    source = timer.payload.get("source")
    if not isinstance(source, dict):
        return None
    return str(source["channel"]), str(source["ts"])
