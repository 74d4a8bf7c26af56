"""Timer handlers for the Slack side of alerts: channel-only messages, page-only DMs, and the
"all alerts resolved" prompt in an incident channel.

Every message carries its timer's key in its metadata (``bot.kernel.slack.marked``); a retry (after
a crash, or a post Slack applied but answered with a 5xx) looks for it before posting, so it finds
it instead of posting it twice. A channel that does not exist is a config mistake, not an outage:
it is logged and not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.alerts import service as alert_timers
from bot.alerts.domain import Action, summarize
from bot.alerts.service import AlertService
from bot.alerts.slack import blocks as alert_blocks
from bot.incidents.domain.timeline import EventKind
from bot.incidents.service import IncidentService
from bot.incidents.slack import blocks
from bot.kernel.slack.channels import channel_id
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.oncall.service import Directory

log = logging.getLogger(__name__)

# The channel of a just-opened incident may still be being created when its alerts resolve.
CHANNEL_PENDING_RETRY = timedelta(seconds=2)


class AlertEffects:
    def __init__(
        self,
        alerts: AlertService,
        incidents: IncidentService,
        client: WebClient,
        directory: Directory,
        clock: Callable[[], datetime],
    ) -> None:
        self._alerts = alerts
        self._incidents = incidents
        self._client = client
        self._poster = Poster(client)
        self._directory = directory
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {
            alert_timers.POST: self.post,
            alert_timers.PAGE: self.page,
            alert_timers.PROMPT: self.prompt,
        }

    def on_failure(self, failure: TimerFailure) -> None:
        """Slack still failing after every retry: logged; an incident channel is told too."""
        kind = failure.timer.kind
        if kind not in (alert_timers.POST, alert_timers.PAGE, alert_timers.PROMPT):
            return
        log.error("alert effect %s failed for good: %s", failure.timer.key, failure.error)
        if kind == alert_timers.PROMPT:
            view = self._incidents.view_by_number(int(failure.timer.payload["incident"]))
            if view is not None and view.channel_id is not None:
                self._poster.post(
                    Mark.gave_up(failure.timer),
                    view.channel_id,
                    f":warning: Every alert has resolved, but warroom could not ask here: "
                    f"{failure.error}. Mitigate or resolve with `/incident mitigate|resolve`.",
                )

    def post(self, timer: ClaimedTimer) -> Outcome:
        """A channel-only route's message for a new alert group."""
        notice = self._alerts.group_notice(int(timer.payload["group"]))
        if notice is None or notice.channel is None:
            return Done()
        channel = channel_id(self._client, notice.channel)
        if channel is None:
            log.error("alert route %s: channel %s not found", notice.route, notice.channel)
            return Done()
        self._poster.post_joining(
            Mark.of(timer, since=notice.opened_at),
            channel,
            alert_blocks.group_text(notice),
            blocks.to_dicts(alert_blocks.group_message(notice)),
        )
        return Done()

    def page(self, timer: ClaimedTimer) -> Outcome:
        """A page-only route's DMs to whoever is on call now at the first level of the service's
        escalation policy: no incident, no escalation."""
        notice = self._alerts.group_notice(int(timer.payload["group"]))
        if notice is None or notice.service is None or notice.action is not Action.PAGE:
            return Done()
        recipients = self._alerts.recipients(notice.service)
        for schedule in recipients.nobody_on_call:
            log.warning("page-only alert for %s: nobody on call in %s", notice.service, schedule)
        content = blocks.to_dicts(alert_blocks.page_message(notice))
        for user in recipients.users:
            slack_id = self._directory.slack_id(user)
            if slack_id is None:
                log.warning("page-only alert: %s has no Slack account; not paged", user)
                continue
            dm = str(self._client.conversations_open(users=slack_id)["channel"]["id"])
            mark = Mark.of(timer, since=notice.opened_at, key=f"{timer.key}:{user}")
            self._poster.post(mark, dm, alert_blocks.page_text(notice), content)
        return Done()

    def prompt(self, timer: ClaimedTimer) -> Outcome:
        """ "All alerts resolved: mitigate or resolve?", once per all-resolved episode."""
        view = self._incidents.view_by_number(int(timer.payload["incident"]))
        if view is None or not view.incident.is_open:
            return Done()
        if view.channel_id is None:
            return Reschedule(self._clock() + CHANNEL_PENDING_RETRY)
        if summarize(view.timeline).firing:
            return Done()  # an alert fired again meanwhile: the question is moot
        content = blocks.to_dicts(alert_blocks.all_resolved_prompt(view.incident))
        # The episode began when the last alert resolved (the timer's due time moves on retries).
        resolved = [e.at for e in view.timeline if e.kind is EventKind.ALERT_RESOLVED]
        since = max(resolved, default=view.incident.declared_at)
        mark = Mark.of(timer, since=since)
        self._poster.post(mark, view.channel_id, alert_blocks.PROMPT_TEXT, content)
        return Done()
