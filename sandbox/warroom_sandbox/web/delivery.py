"""Slack's side of the wire in ``warroom dev``: signed requests to the bot, and what became of them.

Every request goes through :class:`warroom_sandbox.signing.SlackDriver`, over HTTP, to the bot's
``/slack/events``, signed with the bot's signing secret, so the bot cannot tell the sandbox from
Slack. :class:`BotLink` wraps each request and reports an :class:`Outcome` in Slack's own terms:

- no connection: ``dispatch_failed``; HTTP 4xx: ``http_client_error``; HTTP 5xx:
  ``http_service_error`` (the words Slack shows, e.g. "/incident failed with the error ...");
- an answer later than Slack's 3 seconds is marked ``late``: Slack would have shown
  ``operation_timeout`` (or retried the event). The sandbox still applies the answer, so nothing is
  lost while you debug, and says so.

Events are retried as Slack retries them: a failed delivery is sent again with
``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` on a schedule (Slack's: at once, after 1 minute,
after 5 minutes), then dropped. Slash commands and interactions are never retried (Slack does not).

:class:`BotHealth` is what the page shows about the bot: up, down (with why), or not known yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from warroom_sandbox.ids import Clock
from warroom_sandbox.signing import SlackDriver

log = logging.getLogger(__name__)

SLACK_ACK_SECONDS = 3.0
SLACK_EVENT_RETRY_SCHEDULE = (0.0, 60.0, 300.0)
"""Seconds after the failure before retry 1, 2 and 3 (Slack's documented schedule)."""

RequestKind = Literal[
    "slash_command", "block_actions", "view_submission", "view_closed", "message_action", "event"
]


@dataclass(frozen=True)
class Outcome:
    """What happened to one request to the bot."""

    kind: RequestKind
    status: int | None
    seconds: float
    error: str | None = None
    detail: str = ""
    response: httpx.Response | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def late(self) -> bool:
        """Slack gives up after 3 seconds; the sandbox waits longer but says so."""
        return self.seconds > SLACK_ACK_SECONDS


class BotHealth:
    """The bot as the page shows it: ``up`` is None until the first answer (or probe)."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.up: bool | None = None
        self.detail = ""
        self.since = clock()

    def note(self, up: bool, detail: str = "") -> None:
        with self._lock:
            if up != self.up:
                self.since = self._clock()
            self.up, self.detail = up, detail

    def snapshot(self) -> tuple[bool | None, str, float]:
        with self._lock:
            return self.up, self.detail, self.since


def classify(
    kind: RequestKind, send: Callable[[], httpx.Response], clock: Clock = time.monotonic
) -> Outcome:
    """Run ``send`` and describe the result as Slack would."""
    started = clock()
    try:
        response = send()
    except httpx.HTTPError as error:
        return Outcome(kind, None, clock() - started, "dispatch_failed", _why(error))
    seconds = clock() - started
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(kind, status, seconds, response=response)
    failure = "http_client_error" if status < 500 else "http_service_error"
    return Outcome(kind, status, seconds, failure, response.text[:300], response)


def _why(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.ConnectError):
        return "connection refused"
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return type(error).__name__


@dataclass
class PendingEvent:
    event: dict[str, Any]
    event_id: str
    failures: int
    due: float
    reason: str


class BotLink:
    """Sends what people do to the bot and keeps :class:`BotHealth` current.

    ``driver`` is bound to the bot's ``/slack/events`` URL; ``health_url`` is probed (GET) to
    notice a bot that came back without anyone clicking. Call :meth:`start` to run event
    retries in the background and :meth:`stop` to end them.
    """

    def __init__(
        self,
        driver: SlackDriver,
        *,
        health_url: str,
        retry_schedule: Sequence[float] = SLACK_EVENT_RETRY_SCHEDULE,
        clock: Clock = time.monotonic,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.driver = driver
        self.health = BotHealth()
        self.health_url = health_url
        self._schedule = tuple(retry_schedule)
        self._clock = clock
        self._on_outcome = on_outcome
        self._lock = threading.Lock()
        self._pending: list[PendingEvent] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._probe_client = httpx.Client(timeout=2.0)
        self._last_probe = -1e9

    # --- requests -----------------------------------------------------------------------------

    def send(self, kind: RequestKind, send: Callable[[], httpx.Response]) -> Outcome:
        """Deliver one slash command or interaction; never raises for transport problems."""
        outcome = classify(kind, send)
        self._observe(outcome)
        return outcome

    def send_event(self, event: dict[str, Any]) -> Outcome:
        """Deliver an event; a failed one is queued for Slack's retries."""
        event_id = self.driver.slack.state.ids.next_id("Ev")
        outcome = classify("event", lambda: self.driver.event(event, event_id=event_id))
        self._observe(outcome)
        if not outcome.ok or outcome.late:
            self._queue(PendingEvent(event, event_id, 1, 0.0, _reason(outcome)))
        return outcome

    def _observe(self, outcome: Outcome) -> None:
        if outcome.error == "dispatch_failed" or outcome.error == "http_service_error":
            self.health.note(False, f"{outcome.error}: {outcome.detail}".strip(": "))
        else:
            self.health.note(True)
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    # --- event retries ------------------------------------------------------------------------

    def _queue(self, pending: PendingEvent) -> None:
        if pending.failures > len(self._schedule):
            log.warning("dropping event %s after %d retries", pending.event_id, len(self._schedule))
            return
        pending.due = self._clock() + self._schedule[pending.failures - 1]
        with self._lock:
            self._pending.append(pending)
        self._wake.set()

    def pending_events(self) -> list[PendingEvent]:
        with self._lock:
            return list(self._pending)

    def retry_due(self) -> int:
        """Send every retry that is due now; returns how many were sent."""
        now = self._clock()
        with self._lock:
            due = [p for p in self._pending if p.due <= now]
            self._pending = [p for p in self._pending if p.due > now]
        for pending in due:
            outcome = classify("event", self._resend(pending))
            self._observe(outcome)
            if not outcome.ok or outcome.late:
                self._queue(
                    PendingEvent(
                        pending.event, pending.event_id, pending.failures + 1, 0.0, _reason(outcome)
                    )
                )
        return len(due)

    def _resend(self, pending: PendingEvent) -> Callable[[], httpx.Response]:
        def send() -> httpx.Response:
            return self.driver.event(
                pending.event,
                event_id=pending.event_id,
                retry_num=pending.failures,
                retry_reason=pending.reason,
            )

        return send

    def probe(self, min_interval: float = 2.0) -> None:
        """GET the bot's health URL (at most every ``min_interval`` s) and note the answer."""
        now = self._clock()
        if not self.health_url or now - self._last_probe < min_interval:
            return
        self._last_probe = now
        try:
            response = self._probe_client.get(self.health_url)
        except httpx.HTTPError as error:
            self.health.note(False, f"dispatch_failed: {_why(error)}")
            return
        if response.status_code == 200:
            self.health.note(True)
            return
        up, detail, _ = self.health.snapshot()
        if up is not False or not detail:
            detail = f"its health check answered HTTP {response.status_code}"
        self.health.note(False, detail)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sandbox-event-retries", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.retry_due()
            except Exception:  # the retry loop must outlive a bad event
                log.exception("event retry failed")
            with self._lock:
                next_due = min((p.due for p in self._pending), default=None)
            wait = 1.0 if next_due is None else max(0.05, min(1.0, next_due - self._clock()))
            self._wake.wait(wait)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._probe_client.close()


def _reason(outcome: Outcome) -> str:
    if outcome.error == "dispatch_failed":
        return "connection_failed" if outcome.detail == "connection refused" else "http_timeout"
    if outcome.ok and outcome.late:
        return "http_timeout"
    return "http_error"
