"""Who is in a Slack channel: ``conversations.members``, remembered briefly, one cache per app.

Two kinds of question share it:
- who may see a private incident in the web app (``is_member``, ``visible_private``): the
  remembered answer either way for ``MEMBERS_SECONDS`` (a page load lists many incidents), and
  nobody when Slack cannot say (a private incident stays hidden: fails closed);
- may this person change an incident from Slack (``confirms``): a member seen within the window is
  trusted, which spares a Slack round trip before a modal's ack; "not a member" is always asked
  again (they may have just joined), and a Slack error is raised like any other Slack call's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MEMBERS_SECONDS = 30.0  # someone removed from the channel keeps their access this long at most
log = logging.getLogger(__name__)


def members_of(client: WebClient, channel_id: str) -> frozenset[str]:
    """Everyone in the channel now, asked of Slack (every page); raises what Slack raises."""
    found: set[str] = set()
    for page in client.conversations_members(channel=channel_id, limit=1000):
        found.update(page.get("members", []))
    return frozenset(found)


class ChannelMembers:
    def __init__(
        self,
        client: WebClient,
        seconds: float = MEMBERS_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._seconds = seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[float, frozenset[str]]] = {}

    def visible_private(self, private: Iterable[tuple[int, str | None]], user_id: str) -> list[int]:
        """Of the private incidents ``(number, channel)``, those ``user_id`` may see: the ones
        whose channel they are in (the list, the insights and their CSVs all ask this)."""
        return [number for number, channel in private if self.is_member(channel, user_id)]

    def is_member(self, channel_id: str | None, user_id: str) -> bool:
        return channel_id is not None and user_id in self.of(channel_id)

    def of(self, channel_id: str) -> frozenset[str]:
        """The channel's members as last asked within the window; nobody when Slack cannot say."""
        cached = self._recent(channel_id)
        if cached is not None:
            return cached
        try:
            return self._ask(channel_id)
        except (SlackApiError, OSError) as error:
            log.warning("conversations.members %s failed: %s", channel_id, error)
            self._keep(channel_id, self._monotonic(), frozenset())
            return frozenset()

    def confirms(self, channel_id: str, user_id: str) -> bool:
        """Whether ``user_id`` is in the channel, for a change to its incident: a member seen
        within the window without asking, anyone else asked of Slack now. Raises
        ``SlackApiError`` or ``OSError`` when Slack cannot say (the change is not made)."""
        cached = self._recent(channel_id)
        if cached is not None and user_id in cached:
            return True
        return user_id in self._ask(channel_id)

    def _recent(self, channel_id: str) -> frozenset[str] | None:
        now = self._monotonic()
        with self._lock:
            cached = self._cached.get(channel_id)
        return cached[1] if cached and now - cached[0] < self._seconds else None

    def _ask(self, channel_id: str) -> frozenset[str]:
        asked_at = self._monotonic()  # the answer is at least this fresh
        members = members_of(self._client, channel_id)
        self._keep(channel_id, asked_at, members)
        return members

    def _keep(self, channel_id: str, at: float, members: frozenset[str]) -> None:
        with self._lock:
            kept = self._cached.get(channel_id)
            if kept is None or kept[0] <= at:  # a slower, older answer does not replace a newer
                self._cached[channel_id] = (at, members)
