"""The timer that exports one action item, and ``/incident followups``.

Exactly once: the handler first looks in the tracker for an issue carrying the item's marker
(an earlier attempt may have created it and lost the answer), and creates one only when there
is none. The durable timer retries a temporary failure with backoff; a rate limit waits as long
as the tracker asks; a permanent failure (or giving up) is said in the incident channel, and
approving again retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.postmortems.domain.followups import issue_body, issue_title, marker
from bot.postmortems.followups import FollowupJob, FollowupLine, Followups
from bot.postmortems.timers import FOLLOWUP, FOLLOWUP_SYNC
from bot.postmortems.trackers.errors import TrackerError
from bot.postmortems.trackers.issue import Issue, TrackerClient

MAX_WAIT = timedelta(hours=1)


class FollowupEffects:
    def __init__(
        self,
        followups: Followups,
        trackers: Mapping[str, TrackerClient],
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._followups = followups
        self._trackers = trackers
        self._poster = Poster(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {FOLLOWUP: self.export, FOLLOWUP_SYNC: self.sync}

    def sync(self, timer: ClaimedTimer) -> Outcome:
        """Poll the issue: closed marks the item done (and polling stops), else ask again."""
        item_id = int(timer.payload["item"])
        polled = self._followups.polled(item_id)
        if polled is None:
            return Done()
        tracker, issue = polled
        try:
            closed = self._trackers[tracker].closed(issue)
        except TrackerError as error:
            if error.permanent:
                return Done()  # e.g. deleted: nothing left to follow
            wait = timedelta(seconds=error.retry_after or 0)
            return Reschedule(self._clock() + max(wait, self._followups.poll_interval))
        if closed:
            self._followups.synced(tracker, issue, closed=True)
            return Done()
        return Reschedule(self._clock() + self._followups.poll_interval)

    def export(self, timer: ClaimedTimer) -> Outcome:
        item_id = int(timer.payload["item"])
        job = self._followups.job(item_id)
        if job is None:
            return Done()
        try:
            issue = self._find_or_create(job)
        except TrackerError as error:
            if error.retry_after is not None:
                wait = min(timedelta(seconds=error.retry_after), MAX_WAIT)
                return Reschedule(self._clock() + wait)
            if not error.permanent:
                raise  # the timer tries again with backoff; on_failure reports giving up
            self._report(
                Mark.of(timer, since=timer.due_at, key=f"{timer.key}:refused"), job, error.message
            )
            return Done()
        self._followups.exported(item_id, issue.key, issue.url, issue.closed)
        return Done()

    def _find_or_create(self, job: FollowupJob) -> Issue:
        client = self._trackers.get(job.tracker.kind)
        if client is None:
            raise TrackerError(f"{job.tracker.kind} export is not available yet", permanent=True)
        target, item = job.tracker.target, job.item
        token = marker(item.item_id)
        found = client.find(target, token)
        return found or client.create(target, issue_title(item), issue_body(item), token)

    def on_failure(self, failure: TimerFailure) -> None:
        if failure.timer.kind != FOLLOWUP:
            return
        job = self._followups.job(int(failure.timer.payload["item"]))
        if job is not None:
            self._report(Mark.gave_up(failure.timer), job, failure.error)

    def _report(self, mark: Mark, job: FollowupJob, error: str) -> None:
        self._followups.failed(job.item.item_id, error)
        if job.channel_id is None:
            return
        self._poster.post(
            mark,
            job.channel_id,
            f":x: Could not export the action item “{job.item.text}” to "
            f"{job.tracker.kind} {job.tracker.target}: {error}. Once it is fixed, approve the "
            "post-mortem again to retry.",
        )


class FollowupsCommand:
    """``/incident followups``: the incident's action items, their state and their issues."""

    def __init__(self, followups: Followups, incident_in: Callable[[str], int]) -> None:
        self._followups = followups
        self._incident_in = incident_in

    def handle(self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond) -> None:
        number = self._incident_in(channel_id)
        respond(
            text=followups_text(number, self._followups.lines(number)), response_type="ephemeral"
        )


def followups_text(number: int, lines: list[FollowupLine]) -> str:
    if not lines:
        return f"Incident #{number} has no action items yet: add one with `/incident action`."
    shown = [f"*Follow-ups of incident #{number}*"]
    for line in lines:
        owner = f" ({line.owner})" if line.owner else ""
        shown.append(f"• {'done' if line.done else 'open'}: {line.text}{owner} — {where(line)}")
    return "\n".join(shown)


def where(line: FollowupLine) -> str:
    """Where the item is tracked, as Slack mrkdwn."""
    if line.url and line.issue:
        return f"<{line.url}|{line.issue}> ({line.state})"
    if line.state == "pending":
        return "being exported"
    if line.state == "failed":
        return f"export failed: {line.error}"
    return "not exported (exported when the post-mortem is approved)"
