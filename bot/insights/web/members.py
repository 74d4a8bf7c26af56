"""Who may see a private incident in the web app: the members of its Slack channel, asked
through conversations.members and remembered briefly (a page load lists many incidents)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MEMBERS_SECONDS = 30.0  # someone removed from the channel loses sight of it within this
log = logging.getLogger(__name__)


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
        now = self._monotonic()
        with self._lock:
            cached = self._cached.get(channel_id)
            if cached and now - cached[0] < self._seconds:
                return cached[1]
        members = self._ask(channel_id)
        with self._lock:
            self._cached[channel_id] = (now, members)
        return members

    def _ask(self, channel_id: str) -> frozenset[str]:
        """Nobody, when Slack cannot say: a private incident stays hidden (fails closed)."""
        found: set[str] = set()
        try:
            for page in self._client.conversations_members(channel=channel_id, limit=1000):
                found.update(page.get("members", []))
        except (SlackApiError, OSError) as error:
            log.warning("conversations.members %s failed: %s", channel_id, error)
            return frozenset()
        return frozenset(found)
