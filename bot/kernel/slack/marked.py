"""Messages that carry their idempotency key in Slack message metadata: every post warroom makes.

``chat.postMessage`` has no idempotency key. Slack may apply a post and still answer 5xx or time
out, and a replica may die after Slack accepted a message but before it recorded that fact; a
plain retry would post it again. Marked messages make every retry safe: the key rides in the
message's metadata, and a retry first searches the channel's history since the message was
planned for it, adopting the message it finds instead of posting again.

:class:`Poster` is the one way warroom posts a channel or DM message:

* a first attempt posts straight away (no history read on the happy path);
* a retry (``Mark.retry``: a timer's second claim, after a crash or an earlier failure) searches
  first;
* an ambiguous failure (HTTP 5xx, ``internal_error``/``fatal_error``, a timeout or a dropped
  connection: the post may have landed) is retried here, after a short backoff, by searching
  first. slack-sdk's own 5xx and connection retries would re-post blindly, so the post itself
  goes through a copy of the client without them (its 429 ``Retry-After`` handling is kept: a
  rate-limited post was not applied).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import default_interval_calculator

from bot.kernel.timers.store import ClaimedTimer

EVENT_TYPE = "warroom_effect"
# Slack's clock and ours may disagree; a margin keeps the search from starting too late.
CLOCK_SKEW_SECONDS = 600
# Posts per call of ``Poster.post``, like slack-sdk's own 5xx retries (1 + 2).
ATTEMPTS = 3
# Slack error codes that may hide an applied write ("it's possible some aspect of the operation
# succeeded", says Slack's documentation of both).
_AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error"})


def metadata(key: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def find(
    client: WebClient, channel: str, key: str, since: datetime, thread_ts: str | None = None
) -> str | None:
    """The ts of a message in ``channel`` (in the thread of ``thread_ts`` when given) marked
    with ``key``, posted after ``since``.

    Every page of history is read: in a storm the channel (a person's DM with the bot) may have
    had more than a page of other messages between the crash and this retry.
    """
    oldest = f"{since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"
    cursor: str | None = None
    while True:
        if thread_ts is None:
            history = client.conversations_history(
                channel=channel, oldest=oldest, limit=200, cursor=cursor, include_all_metadata=True
            )
        else:
            history = client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=oldest,
                limit=200,
                cursor=cursor,
                include_all_metadata=True,
            )
        for message in history.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return str(message["ts"])
        cursor = (history.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None


def ambiguous(error: Exception) -> bool:
    """Whether a failed write may have been applied all the same."""
    if isinstance(error, SlackApiError):
        status = int(getattr(error.response, "status_code", 200) or 200)
        return status >= 500 or error.response.get("error") in _AMBIGUOUS_ERRORS
    return isinstance(error, OSError)  # timeouts, resets: the request may have reached Slack


@dataclass(frozen=True)
class Mark:
    """How one message is recognised: its ``key``; ``since``, the earliest it can have been posted
    (when its effect was planned: the search starts there); ``retry``, whether an earlier attempt
    may already have posted it."""

    key: str
    since: datetime
    retry: bool = False

    @classmethod
    def of(cls, timer: ClaimedTimer, since: datetime, key: str | None = None) -> Mark:
        """The message a timer posts (keyed by the timer unless ``key`` says otherwise); every
        claim after the first is a retry: an earlier one may have posted and then failed or died."""
        return cls(key or timer.key, since, retry=timer.attempts > 1)

    @classmethod
    def gave_up(cls, timer: ClaimedTimer) -> Mark:
        """The report that ``timer`` failed for good: once per failure (the claim that failed
        names it), so a later failure of the same key is reported again. Posted once, from
        ``on_failure``: only a failure within that post can make it search."""
        claim = timer.lease_owner.rsplit("#", 1)[-1]
        return cls(f"{timer.key}:gave-up:{claim}:{timer.attempts}", timer.due_at)


class Poster:
    """Posts marked messages; a retry finds the message instead of posting it twice."""

    def __init__(
        self,
        client: WebClient,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._once = _without_blind_retries(client)
        self._sleep = sleep
        # Slack stamps messages with the real time; a search after this call's own failed post
        # starts no later than the call did, whatever the app's (testable) clock says.
        self._wall_clock = wall_clock

    def post(
        self,
        mark: Mark,
        channel: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """The ts of the message marked ``mark.key`` in ``channel``: found, or posted now (as a
        reply in the thread of ``thread_ts`` when given).

        ``channel`` must be an id (history is read by id). Errors that are not ambiguous (e.g.
        ``not_in_channel``) are raised at once: they are the caller's to handle.
        """
        if mark.retry:
            found = find(self._client, channel, mark.key, mark.since, thread_ts)
            if found is not None:
                return found
        started = datetime.fromtimestamp(self._wall_clock(), UTC)
        since = min(mark.since, started)
        for attempt in range(ATTEMPTS):
            try:
                posted = self._once.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=list(blocks) if blocks is not None else None,
                    metadata=metadata(mark.key),
                    thread_ts=thread_ts,
                )
                return str(posted["ts"])
            except (SlackApiError, OSError) as error:
                if attempt == ATTEMPTS - 1 or not ambiguous(error):
                    raise
            self._sleep(default_interval_calculator.calculate_sleep_duration(attempt))
            found = find(self._client, channel, mark.key, since, thread_ts)
            if found is not None:
                return found
        raise AssertionError("unreachable: the last attempt returns or raises")

    def post_joining(
        self,
        mark: Mark,
        channel: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """``post`` in a public channel the bot may not be in yet: it joins when Slack answers
        ``not_in_channel`` (to post, or to read the history a retry searches) and goes on."""
        try:
            return self.post(mark, channel, text, blocks, thread_ts)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
        self._client.conversations_join(channel=channel)
        return self.post(mark, channel, text, blocks, thread_ts)


def _without_blind_retries(client: WebClient) -> WebClient:
    """The same client (same token, URL, timeout, error reporting) minus the retry handlers that
    would repeat a write Slack may already have applied."""
    once = copy.copy(client)
    once.retry_handlers = [
        handler
        for handler in client.retry_handlers
        if not isinstance(handler, ServerErrorRetryHandler | ConnectionErrorRetryHandler)
    ]
    return once
