"""Kinds and keys of the announcement timers."""

from __future__ import annotations

# Post or refresh every announcement of one incident (coalesced: one key per incident, like the
# card timer; a change while it runs makes it run again).
ANNOUNCE = "announcements.post"


def announce_key(number: int) -> str:
    # Under ``incident:<n>:`` so an incident abandoned before its channel existed cancels it.
    return f"incident:{number}:announcement"


def post_key(number: int, channel: str, generation: int) -> str:
    """The mark of one announcement post: a retry finds it instead of posting twice."""
    return f"incident:{number}:announcement:{channel}:{generation}"


# DM one follower one change of an incident (one timer per follower and change).
FOLLOW_DM = "announcements.follow_dm"


def follow_dm_key(number: int, user: str, change: str) -> str:
    """``change`` names the change (when it was made and what it was): one DM per change and
    follower, however often the timer runs."""
    return f"incident:{number}:follow:{user}:{change}"


# Read a stakeholder user group's members and make them follow the incident (once per group).
STAKEHOLDER_GROUP = "announcements.stakeholder_group"


def stakeholder_group_key(number: int, handle: str) -> str:
    return f"incident:{number}:stakeholder-group:{handle}"
