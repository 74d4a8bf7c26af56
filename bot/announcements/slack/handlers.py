"""The announcement timer: post each of an incident's announcements once, then edit it in place.

Safe to run again (a crash, an expired lease, a second replica after a lease): a post carries its
key in message metadata (``marked``), so a retry finds it instead of posting twice, and its ts is
stored so every later run edits that message with ``chat.update``. A channel the bot is not in
is joined (public channels) and posted again; a channel Slack will never take a post in
(archived, not found, private without the bot) is marked refused and said once in the incident
channel, naming the setting to fix. The incident itself is never affected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.announcements import timers as announcement_timers
from bot.announcements.config import ANNOUNCEMENTS_FILE
from bot.announcements.domain import Post, render, superseded
from bot.announcements.service import Announcement, Announcements
from bot.incidents.domain.events import UpdatePosted
from bot.incidents.service import IncidentService, IncidentView
from bot.kernel.slack.channels import channel_id
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

# Slack's final answers for a channel: asking again will not help until the config or the
# channel changes.
REFUSED = {
    "channel_not_found": "no open channel of that name: archived, renamed, or private",
    "is_archived": "the channel is archived",
    "not_in_channel": "warroom is not in the channel and cannot join it",
    "method_not_supported_for_channel_type": "it is not a channel warroom can post in",
    "restricted_action": "the workspace does not let warroom post there",
}


class AnnouncementEffects:
    def __init__(
        self,
        announcements: Announcements,
        incidents: IncidentService,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._announcements = announcements
        self._incidents = incidents
        self._client = client
        self._poster = Poster(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {announcement_timers.ANNOUNCE: self.announce}

    def on_failure(self, failure: TimerFailure) -> None:
        if failure.timer.kind == announcement_timers.ANNOUNCE:
            log.warning("announcing incident failed for good: %s", failure.error)

    def announce(self, timer: ClaimedTimer) -> Outcome:
        number = int(timer.payload["incident"])
        view = self._incidents.view_by_number(number)
        if view is None or view.channel_id is None:
            return Done()  # the channel is being created: its readiness plans this again
        for announcement in self._announcements.of(number):
            if announcement.refused is None:
                self._one(view, view.channel_id, announcement)
        return Done()

    def _one(self, view: IncidentView, incident_channel: str, a: Announcement) -> None:
        try:
            target = a.channel_id or channel_id(self._client, a.channel)
            if target is None:
                self._refuse(view.incident.number, a, "channel_not_found")
                return
            if a.channel_id is None:
                self._announcements.resolved(a.id, target)
            post = Post(
                view.incident, incident_channel, _last_update(view), a.headline, view.call_url
            )
            text, blocks = render(post, self._clock())
            if not a.needs_post and a.ts is not None:
                try:
                    self._client.chat_update(channel=target, ts=a.ts, text=text, blocks=blocks)
                    return
                except SlackApiError as error:
                    if error.response.get("error") != "message_not_found":
                        raise
                    self._announcements.lost(a.id)  # deleted in Slack: announce again
            key = announcement_timers.post_key(view.incident.number, a.channel, a.generation)
            # An earlier run may have posted and died before storing the ts: search first then.
            # (Not the timer's attempts: every change resets them, the coalesced key is reused.)
            mark = Mark(key, a.planned_at, retry=a.tried == a.generation)
            self._announcements.trying(a.id, a.generation)
            ts = self._poster.post_joining(mark, target, text, blocks)
            self._announcements.posted(a.id, a.generation, ts)
            if mark.retry:  # the post found may be an earlier run's, saying less than now
                self._client.chat_update(channel=target, ts=ts, text=text, blocks=blocks)
            if a.ts is not None and a.ts != ts:  # a re-announcement: the old post points on
                self._supersede(target, a.ts, view, a.headline)
        except SlackApiError as error:
            code = str(error.response.get("error"))
            if code not in REFUSED:
                raise
            self._refuse(view.incident.number, a, code)

    def _supersede(self, channel: str, ts: str, view: IncidentView, headline: str | None) -> None:
        text, blocks = superseded(view.incident, headline)
        try:
            self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":  # deleted: nothing to say
                raise

    def _refuse(self, number: int, a: Announcement, code: str) -> None:
        self._announcements.refused(a.id, code)
        text = (
            f":warning: warroom cannot announce this incident in {a.channel}: {code} "
            f"({REFUSED[code]}). Fix the channel in {ANNOUNCEMENTS_FILE} (announcements.channels "
            "or the service's channels), unarchive it, or invite warroom if it is private."
        )
        self._incidents.bot_note(number, text, dedup_key=f"announcement-refused:{a.channel}")


def _last_update(view: IncidentView) -> str | None:
    updates = [e.payload.text for e in view.timeline if isinstance(e.payload, UpdatePosted)]
    return updates[-1] if updates else None
