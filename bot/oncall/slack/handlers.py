"""Timer handlers that carry on-call messages to Slack: handoff DMs, digests, override and
maintenance notices.

Each message is sent under ``OnCallReminders.once`` with a deterministic key (schedule, boundary,
role and person; channel and week; override and channel; maintenance window, made or cancelled,
and channel), so a retried timer or a second replica never sends it twice; the key also rides in
the message's metadata (``marked``), so a retry after a post Slack applied but answered with a
5xx (or a crash before the commit) finds the message instead of sending it again. Recurring
timers reschedule themselves; a person or channel Slack does not know is logged and skipped rather
than retried forever, and if a timer still gives up after its retries, ``on_failure`` puts it
back on its next occurrence so one bad boundary never ends the reminders of a schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.kernel.slack.channels import channel_id
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.oncall import maintenance
from bot.oncall import timers as oncall_timers
from bot.oncall.reminders import INCOMING, OUTGOING, Digest, Firing, HandoffBrief, OnCallReminders
from bot.oncall.service import OnCallService
from bot.oncall.slack import blocks as render
from bot.oncall.slack import maintenance as render_maintenance

log = logging.getLogger(__name__)

# Slack errors that another attempt will not fix: skip that recipient, keep the others.
# A retry after a crash comes within minutes; a day bounds the history read to find the first post.
LOOKBACK = timedelta(days=1)
PERMANENT = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "users_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "method_not_supported_for_channel_type",
    }
)


class OnCallEffects:
    def __init__(
        self,
        oncall: OnCallService,
        reminders: OnCallReminders,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._oncall = oncall
        self._reminders = reminders
        self._client = client
        self._poster = Poster(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {
            oncall_timers.HANDOFF: self.handoff,
            oncall_timers.DIGEST: self.digest,
            oncall_timers.ANNOUNCE: self.announce,
            maintenance.ANNOUNCE: self.announce_maintenance,
        }

    def on_failure(self, failure: TimerFailure) -> None:
        """A recurring timer that gave up goes on to its next occurrence."""
        timer = failure.timer
        if timer.kind == oncall_timers.HANDOFF:
            self._reminders.replan_handoff(str(timer.payload.get("schedule")))
        elif timer.kind == oncall_timers.DIGEST:
            self._reminders.replan_digest(str(timer.payload.get("channel")))

    # -- handlers ----------------------------------------------------------------------------

    def handoff(self, timer: ClaimedTimer) -> Outcome:
        firing = self._reminders.handoff(timer.payload)
        brief = firing.report
        if isinstance(brief, HandoffBrief):
            plan = brief.plan
            for role, user in ((OUTGOING, plan.outgoing), (INCOMING, plan.incoming)):
                message = self._handoff_message(brief, role, user) if user else None
                if user is None or message is None:
                    continue
                key = oncall_timers.handoff_effect_key(
                    plan.schedule.name, plan.boundary, role, user
                )
                self._reminders.once(key, _bind(self._dm, self._mark(timer, key), *message))
        return _next(firing)

    def digest(self, timer: ClaimedTimer) -> Outcome:
        firing = self._reminders.digest(timer.payload)
        digest = firing.report
        if isinstance(digest, Digest):
            names = render.Names(self._oncall.config, self._oncall.directory)
            text, blocks = render.digest_blocks(digest, names, self._clock())
            key = oncall_timers.digest_effect_key(digest.channel, digest.end)
            content = [b.to_dict() for b in blocks]
            send = _bind(self._post, self._mark(timer, key), digest.channel, text, content)
            self._reminders.once(key, send)
        return _next(firing)

    def announce(self, timer: ClaimedTimer) -> Outcome:
        cancelled = bool(timer.payload.get("cancelled"))
        record = self._oncall.override_by_id(int(timer.payload["override"]), cancelled)
        schedule = self._oncall.config.schedule(record.schedule) if record else None
        if record is None or record.id is None or schedule is None:
            return Done()
        names = render.Names(self._oncall.config, self._oncall.directory)
        if cancelled:
            by = str(timer.payload.get("by") or "")
            text = render.override_cancelled(record, schedule.zone, names, self._clock(), by)
        else:
            text = render.override_announcement(record, schedule.zone, names, self._clock())
        for channel in self._oncall.team_channels(record.schedule):
            key = oncall_timers.announce_effect_key(record.id, channel)
            if cancelled:
                key = oncall_timers.announce_effect_key(record.id, f"{channel}:cancelled")
            self._reminders.once(
                key, _bind(self._post, self._mark(timer, key), channel, text, None)
            )
        return Done()

    def announce_maintenance(self, timer: ClaimedTimer) -> Outcome:
        """A window made or cancelled, told once in its service's team channel."""
        window = self._oncall.maintenance.by_id(int(timer.payload["window"]))
        found = self._oncall.config.service(window.service) if window else None
        if window is None or window.id is None or found is None or not found.team_channel:
            return Done()
        cancelled = bool(timer.payload.get("cancelled"))
        by = str(timer.payload.get("by") or "") if cancelled else None
        text = render_maintenance.announcement(window, self._clock(), by)
        key = maintenance.announce_key(window.id, cancelled) + f":{found.team_channel}"
        post = _bind(self._post, self._mark(timer, key), found.team_channel, text, None)
        self._reminders.once(key, post)
        return Done()

    # -- sending -----------------------------------------------------------------------------
    # Messages are looked up and rendered before ``once`` so that only the Slack post itself
    # runs inside its transaction.

    def _handoff_message(
        self, brief: HandoffBrief, role: str, user: str
    ) -> tuple[str, str, list[dict[str, Any]]] | None:
        """(Slack id, text, blocks) of the DM for ``user``, in their time zone; None without a
        Slack account (logged: nothing to retry)."""
        slack_id = self._oncall.directory.slack_id(user)
        if slack_id is None:
            log.warning("handoff reminder for %s: no Slack account found; not sent", user)
            return None
        known = self._oncall.user(user)
        zone = self._oncall.directory.zone(slack_id, known.time_zone if known else None)
        names = render.Names(self._oncall.config, self._oncall.directory)
        text, blocks = render.handoff_blocks(brief, role, zone, names, self._clock())
        return slack_id, text, [b.to_dict() for b in blocks]

    def _mark(self, timer: ClaimedTimer, key: str) -> Mark:
        return Mark.of(timer, since=self._clock() - LOOKBACK, key=key)

    def _dm(self, mark: Mark, slack_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """DM once per key, even across a crash between Slack's answer and our commit."""
        try:
            opened = self._client.conversations_open(users=slack_id)
            self._poster.post(mark, str(opened["channel"]["id"]), text, blocks)
        except SlackApiError as error:
            if error.response.get("error") not in PERMANENT:
                raise
            log.warning("could not DM %s: %s", slack_id, error.response.get("error"))

    def _post(
        self, mark: Mark, channel: str, text: str, blocks: list[dict[str, Any]] | None
    ) -> None:
        """Post in a team channel (``#name`` or an id), joining it first if the bot is not in."""
        try:
            found = channel_id(self._client, channel)
            if found is None:
                log.warning("could not post in %s: channel_not_found", channel)
                return
            self._poster.post_joining(mark, found, text, blocks)
        except SlackApiError as error:
            if error.response.get("error") not in PERMANENT:
                raise
            log.warning("could not post in %s: %s", channel, error.response.get("error"))


def _next(firing: Firing) -> Outcome:
    if firing.next_due is None:
        return Done()
    return Reschedule(firing.next_due, firing.next_payload)


def _bind(send: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: send(*args)
