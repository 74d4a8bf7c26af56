"""The seeded workspace every fake Slack starts from (and :meth:`Workspace.reset` returns to).

One team (``T0001``, domain ``example`` as in the payload fixtures), the bot user ``U0BOT``
("warroom", bot id ``B0BOT``), four people in different time zones, ``#general`` (everyone,
including the bot) and ``#random`` (people only, so "the bot is not in this channel" is testable).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from warroom_sandbox.model import Channel, Team, User

TEAM_ID = "T0001"
TEAM_DOMAIN = "example"
TEAM_NAME = "Example Inc"
APP_ID = "A0WARROOM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "warroom"

ONCALL = "U0ONCALL"
LEAD = "U0LEAD"
MANAGER = "U0MGR"
BOB = "U0BOB"

GENERAL = "C0GENERAL"
RANDOM = "C0RANDOM"

_PEOPLE = (
    (ONCALL, "olivia", "Olivia Oncall", "Europe/Berlin", "Central European Time"),
    (LEAD, "liam", "Liam Lead", "America/New_York", "Eastern Time"),
    (MANAGER, "maya", "Maya Manager", "Europe/London", "Greenwich Mean Time"),
    (BOB, "bob", "Bob Builder", "America/Los_Angeles", "Pacific Time"),
)


def seed_team() -> Team:
    return Team(id=TEAM_ID, name=TEAM_NAME, domain=TEAM_DOMAIN)


def seed_users(now: float) -> list[User]:
    """The bot and the people; ``tz_offset`` is each zone's offset at ``now``, as Slack reports."""
    instant = datetime.fromtimestamp(now, tz=UTC)
    users = [
        User(
            id=BOT_USER_ID,
            name=BOT_NAME,
            real_name=BOT_NAME,
            is_bot=True,
            bot_id=BOT_ID,
        )
    ]
    for user_id, handle, real_name, tz, tz_label in _PEOPLE:
        offset = instant.astimezone(ZoneInfo(tz)).utcoffset()
        users.append(
            User(
                id=user_id,
                name=handle,
                real_name=real_name,
                email=f"{handle}@example.com",
                tz=tz,
                tz_label=tz_label,
                tz_offset=int(offset.total_seconds()) if offset is not None else 0,
                is_admin=user_id == MANAGER,
            )
        )
    return users


def seed_channels() -> list[Channel]:
    people = [person[0] for person in _PEOPLE]
    return [
        Channel(
            id=GENERAL,
            name="general",
            created=1_600_000_000,
            creator=MANAGER,
            is_general=True,
            members=[*people, BOT_USER_ID],
            purpose="This is the one channel that will always include everyone.",
            purpose_creator=MANAGER,
            purpose_last_set=1_600_000_000,
        ),
        Channel(
            id=RANDOM,
            name="random",
            created=1_600_000_000,
            creator=MANAGER,
            members=list(people),
        ),
    ]
