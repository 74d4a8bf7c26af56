"""Followers in Slack: the DM timer, the announcement's Follow button and ``/incident follow``
and ``/incident unfollow`` (handed over by incidents as a subcommand)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.announcements import timers as announcement_timers
from bot.announcements.domain import ACTION_FOLLOW
from bot.announcements.followers import Followers
from bot.incidents.domain import commands as cmd
from bot.incidents.service import IncidentService
from bot.incidents.slack.context import is_member
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.slack.payloads import BadMetadata, BlockActions, request_of, row_id
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

# Slack's final answers for a DM: the person cannot be reached there, retrying will not help.
UNREACHABLE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot", "users_not_found"})
# A retry searches the DM for the message from a little before the change was planned.
LOOKBACK = timedelta(minutes=5)


class FollowerEffects:
    def __init__(
        self,
        followers: Followers,
        incidents: IncidentService,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._followers = followers
        self._incidents = incidents
        self._client = client
        self._poster = Poster(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {
            announcement_timers.FOLLOW_DM: self.dm,
            announcement_timers.STAKEHOLDER_GROUP: self.group,
        }

    def group(self, timer: ClaimedTimer) -> Outcome:
        """A stakeholder user group's members follow the incident; a group Slack does not know
        is said once in the incident channel, naming the file to fix."""
        number, handle = int(timer.payload["incident"]), str(timer.payload["group"])
        groups = self._client.usergroups_list(include_users=True).get("usergroups") or []
        found = next((g for g in groups if g.get("handle") == handle), None)
        if found is None:
            self._incidents.bot_note(
                number,
                f":warning: the stakeholder group @{handle} in announcements.yaml does not exist "
                "in Slack, so its members do not follow this incident: fix the handle there.",
                dedup_key=f"stakeholder-group-missing:{handle}",
            )
            return Done()
        users = found.get("users")
        if users is None:
            users = self._client.usergroups_users_list(usergroup=found["id"]).get("users") or []
        self._followers.add_stakeholders(number, [str(user) for user in users])
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        if failure.timer.kind == announcement_timers.FOLLOW_DM:
            log.warning("could not DM a follower: %s", failure.error)

    def dm(self, timer: ClaimedTimer) -> Outcome:
        number, user = int(timer.payload["incident"]), str(timer.payload["user"])
        if not self._followers.is_following(number, user):
            return Done()  # unfollowed since the change
        if not self._may_see(number, user):
            # Left (or was removed from) a private incident's channel: none of its news while
            # out of it (invited back, they hear of the next change again).
            log.info("%s is not in private incident #%s's channel: no DM", user, number)
            return Done()
        try:
            channel = str(self._client.conversations_open(users=user)["channel"]["id"])
            mark = Mark.of(timer, since=timer.due_at - LOOKBACK)
            self._poster.post(mark, channel, str(timer.payload["text"]))
        except SlackApiError as error:
            if error.response.get("error") not in UNREACHABLE:
                raise
            log.warning("follower %s of incident #%s unreachable: %s", user, number, error)
        return Done()

    def _may_see(self, number: int, user: str) -> bool:
        """Whether ``user`` may still read incident ``number``: anyone a public one, only the
        members of its channel a private one, asked of Slack before each DM (so leaving, or
        being removed, counts from the next DM on, whatever events were missed)."""
        view = self._incidents.view_by_number(number)
        if view is None or not view.incident.private:
            return True
        if view.channel_id is None:
            return False
        try:
            return is_member(self._client, view.channel_id, user)
        except SlackApiError as error:
            if error.response.get("error") not in ("channel_not_found", "not_in_channel"):
                raise
            return False  # warroom cannot see the channel any more: nor can it vouch for them


class FollowCommands:
    """``/incident follow [n]`` and ``/incident unfollow [n]``: a number works anywhere,
    without one the incident of the channel it is typed in."""

    def __init__(self, followers: Followers, incidents: IncidentService) -> None:
        self._followers = followers
        self._incidents = incidents

    def handle(self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond) -> None:
        if not isinstance(command, cmd.Follow | cmd.Unfollow):
            return
        number = command.number or self._incidents.view(channel_id).incident.number
        try:
            if isinstance(command, cmd.Follow):
                text = follow_answer(self._followers, number, user_id, "command")
            elif self._followers.unfollow(number, user_id):
                text = f"You no longer follow incident #{number}."
            else:
                text = f"You were not following incident #{number}."
        except LookupError as error:
            text = f":warning: {error}"
        respond(text=text, response_type="ephemeral")


def follow_answer(followers: Followers, number: int, user: str, source: str) -> str:
    if not followers.follow(number, user, source):
        return f"You already follow incident #{number}."
    return (
        f"You follow incident #{number}: I will DM you every status update and change. "
        f"`/incident unfollow {number}` stops it."
    )


def register(app: App, followers: Followers) -> None:
    @app.action(ACTION_FOLLOW)
    def follow(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            text = follow_answer(followers, row_id(click.action.chosen), click.user.id, "button")
        except (BadMetadata, LookupError) as error:
            text = f":warning: {error}"
        respond(text=text, replace_original=False, response_type="ephemeral")
