"""Who people are in Slack: ``users.info`` and ``users.lookupByEmail`` behind a small cache.

Implements ``bot.oncall.service.Directory``. Answers are kept for an hour (``users.lookupByEmail``
is Tier 3, and every ``/oncall`` answer names several people); a person Slack does not know is
remembered for a minute, so a typo does not hammer the API but a new hire shows up quickly. Other
Slack errors are not cached and read as "unknown" for this request only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

FOUND_TTL = 3600.0
MISSING_TTL = 60.0
MAX_ENTRIES = 5_000  # a workspace's worth; beyond it the oldest go first
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_MISSING = ("user_not_found", "users_not_found")


class SlackDirectory:
    def __init__(
        self,
        client: WebClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[float, dict[str, Any] | None]] = OrderedDict()

    def exists(self, slack_id: str) -> bool:
        info = self._info(slack_id)
        return info is not None and not info.get("deleted") and not info.get("is_bot")

    def slack_id(self, ref: str) -> str | None:
        """``ref`` itself when it is a Slack id, else the account with that email (or None)."""
        if _SLACK_ID.match(ref):
            return ref
        if "@" not in ref:
            return None
        info = self._cached(
            f"email:{ref.lower()}", lambda: self._client.users_lookupByEmail(email=ref)
        )
        return str(info["id"]) if info and info.get("id") else None

    def name(self, slack_id: str) -> str | None:
        """The person's name in Slack (their real name, else display name), for text where a
        mention does not render (post-mortems); None for an id Slack does not know."""
        if not _SLACK_ID.match(slack_id):
            return None
        profile = (self._info(slack_id) or {}).get("profile") or {}
        for key in ("real_name", "display_name"):
            value = profile.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    def zone(self, slack_id: str | None, fallback: str | None = None) -> ZoneInfo:
        """The person's Slack time zone, else ``fallback`` (e.g. from users.yaml), else UTC."""
        info = self._info(slack_id) if slack_id else None
        for name in ((info or {}).get("tz"), fallback):
            if isinstance(name, str) and name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")

    def _info(self, slack_id: str) -> dict[str, Any] | None:
        return self._cached(f"id:{slack_id}", lambda: self._client.users_info(user=slack_id))

    def _cached(self, key: str, call: Callable[[], Any]) -> dict[str, Any] | None:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            user = call()["user"]
        except SlackApiError as error:
            code = error.response.get("error")
            if code not in _MISSING:
                log.warning("Slack user lookup %s failed: %s", key.split(":")[0], code)
                return None
            user, ttl = None, MISSING_TTL
        else:
            ttl = FOUND_TTL
        with self._lock:
            self._cache[key] = (now + ttl, user)
            self._cache.move_to_end(key)
            while len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)
        return user if isinstance(user, dict) else None
