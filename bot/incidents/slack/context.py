"""What every listener needs, handed over explicitly at registration (no globals)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.incidents.domain.commands import CommandError
from bot.incidents.domain.incident import InvalidChange
from bot.incidents.domain.lifecycle import TransitionRefused
from bot.incidents.domain.timeline import Person, mention
from bot.incidents.service import IncidentService, NotAnIncidentChannel
from bot.kernel.slack.members import ChannelMembers, members_of
from bot.kernel.web.metrics import Metrics

# Errors worded for the user: shown ephemerally, never logged as failures.
USER_ERRORS = (
    CommandError,
    InvalidChange,
    TransitionRefused,
    NotAnIncidentChannel,
)


class SubcommandHandler(Protocol):
    """A feature's own ``/incident`` subcommands (playbooks, post-mortems), already acked.

    Raises one of ``USER_ERRORS`` for a refusal worded for the user.
    """

    def handle(
        self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond
    ) -> None: ...


Subcommands = Mapping[type[cmd.Command], SubcommandHandler]

# Whether Atlassian Statuspage can take an update about these components: None, or why not.
StatuspageCheck = Callable[[tuple[str, ...]], str | None]


def statuspage_not_set_up(components: tuple[str, ...]) -> str | None:
    return "Statuspage is not set up: set STATUSPAGE_PAGE_ID and STATUSPAGE_API_KEY"


@dataclass(frozen=True)
class SlackContext:
    """``subcommands``: the ``/incident`` subcommands other features handle, by parsed type
    (``/incident playbook`` by playbooks, ``/incident postmortem`` by post-mortems); ``people``
    words the people paging names (``bot.incidents.slack.people``); ``statuspage`` says whether
    an update may go to Atlassian Statuspage too (``bot/statuspage``); ``members``: the app's
    one cache of channel members, which says whether someone may change an incident
    (``confirms``; docs/architecture.md §1)."""

    incidents: IncidentService
    metrics: Metrics
    members: ChannelMembers
    subcommands: Subcommands = field(default_factory=dict)
    people: Person = mention
    statuspage: StatuspageCheck = statuspage_not_set_up


def is_member(client: WebClient, channel_id: str, user_id: str) -> bool:
    """Whether ``user_id`` is in the channel now, asked of Slack every time: for a follower's
    DMs, which stop the moment they leave. Changing an incident asks ``ChannelMembers.confirms``
    (docs/architecture.md §1)."""
    return user_id in members_of(client, channel_id)


def member_or_told(
    members: ChannelMembers, channel_id: str, user_id: str, respond: Respond, refusal: str
) -> bool:
    """Whether the person clicking may act on the channel's incident (``confirms``); tells them
    ``refusal`` where they clicked if not."""
    if members.confirms(channel_id, user_id):
        return True
    respond(text=refusal, response_type="ephemeral", replace_original=False)
    return False


def usage_of(error: Exception) -> str | None:
    return error.usage if isinstance(error, CommandError) else None
