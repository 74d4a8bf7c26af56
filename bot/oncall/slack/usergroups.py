"""The user group timer's handler: make a schedule's Slack user group hold whoever is on call.

Slack calls per sync: ``usergroups.list`` (with members) to find the group by handle, then
``usergroups.users.update`` only when the members differ; a group that does not exist yet is
created (``usergroups.create``, name ``On call: <schedule>``) and said in the log. Nobody on call
(a gap) or nobody with a Slack account: the group keeps its members and a warning is logged,
because Slack refuses a group with no members.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.oncall import usergroups
from bot.oncall.reminders import OnCallReminders
from bot.oncall.service import OnCallService

log = logging.getLogger(__name__)


class SlackUserGroups:
    """The few ``usergroups.*`` calls the sync needs."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def find(self, handle: str) -> tuple[str, tuple[str, ...]] | None:
        """The id and members of the group with ``handle`` (None when there is none)."""
        answer = self._client.usergroups_list(include_users=True)
        for group in answer.get("usergroups") or []:
            if group.get("handle") == handle:
                return str(group["id"]), tuple(str(u) for u in group.get("users") or ())
        return None

    def create(self, handle: str, schedule: str) -> str:
        made = self._client.usergroups_create(
            name=f"On call: {schedule}",
            handle=handle,
            description=f"Whoever is on call for {schedule} (kept by warroom)",
        )
        return str(made["usergroup"]["id"])

    def set_members(self, group_id: str, users: tuple[str, ...]) -> None:
        self._client.usergroups_users_update(usergroup=group_id, users=",".join(users))


class UserGroupEffects:
    def __init__(
        self,
        oncall: OnCallService,
        reminders: OnCallReminders,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._oncall = oncall
        self._reminders = reminders
        self._groups = SlackUserGroups(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {usergroups.USERGROUP: self.sync}

    def on_failure(self, failure: TimerFailure) -> None:
        """A walking timer that gave up goes on to the next handoff."""
        timer = failure.timer
        if timer.payload.get("walk"):
            self._reminders.replan_usergroup(str(timer.payload.get("schedule")))

    def sync(self, timer: ClaimedTimer) -> Outcome:
        name = str(timer.payload.get("schedule"))
        now = self._clock()
        overrides = [r.override for r in self._oncall.overrides(name)]
        want = usergroups.wanted(self._oncall.config, name, overrides, now)
        if want is None:
            return Done()  # the schedule or its group left the config: the walk ends
        at = str(timer.payload.get("at") or timer.due_at.isoformat())
        key = usergroups.effect_key(timer.key, at)
        self._reminders.once(key, lambda: self._apply(want))
        if not timer.payload.get("walk"):
            return Done()
        schedule = self._oncall.config.schedule(name)
        assert schedule is not None  # ``wanted`` found it
        due, payload = usergroups.walk_due(schedule, overrides, max(now, _instant(at)))
        return Reschedule(due, payload)

    def _apply(self, want: usergroups.Wanted) -> None:
        slack_id = self._oncall.directory.slack_id(want.user) if want.user else None
        if slack_id is None:
            who = f"{want.user} has no Slack account" if want.user else "nobody is on call"
            log.warning(
                "user group @%s of schedule %s keeps its members: %s (Slack refuses an empty "
                "group)",
                want.handle,
                want.schedule,
                who,
            )
            return
        found = self._groups.find(want.handle)
        if found is None:
            group_id = self._groups.create(want.handle, want.schedule)
            log.info("created the Slack user group @%s for schedule %s", want.handle, want.schedule)
            members: tuple[str, ...] = ()
        else:
            group_id, members = found
        if members == (slack_id,):
            return
        try:
            self._groups.set_members(group_id, (slack_id,))
        except SlackApiError as error:
            if error.response.get("error") != "invalid_users":
                raise
            log.warning(
                "user group @%s: Slack refused %s as a member (invalid_users); left as it was",
                want.handle,
                slack_id,
            )
            return
        log.info("user group @%s now holds %s (schedule %s)", want.handle, slack_id, want.schedule)


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
