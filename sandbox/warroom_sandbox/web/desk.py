"""What the Slack client keeps for each person beside the workspace, in ``warroom dev``.

Slack's servers do not store these, the client does, so they live here and not in
:class:`warroom_sandbox.workspace.Workspace`:

- read markers: the newest message each person has seen in each conversation (unread counts);
- Slackbot notices: what the client itself tells one person ("/foo is not a valid command",
  "/incident failed with the error dispatch_failed"), shown like ephemeral messages;
- modal trouble: the line Slack shows at the top of a modal whose submission did not reach the
  app ("We had some trouble connecting. Try again?");
- problems: answers of the bot that Slack refused outside the Web API (an ack or response_url body
  with invalid blocks), for the page's error banner; and the banner's "dismissed up to" mark.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from warroom_sandbox.ids import ts_key


@dataclass(frozen=True)
class Notice:
    id: int
    user: str
    channel: str
    ts: str
    text: str


@dataclass(frozen=True)
class Problem:
    """Something the bot sent that Slack refused, worded for the banner."""

    id: int
    at: float
    source: str
    error: str
    messages: tuple[str, ...] = ()


class Desk:
    """Per-person client state; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: dict[tuple[str, str], str] = {}
        self._notices: list[Notice] = []
        self._trouble: dict[str, str] = {}
        self._problems: list[Problem] = []
        self._serial = 0
        self.dismissed_at = 0.0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    # --- read markers -------------------------------------------------------------------------

    def mark_read(self, user: str, channel: str, ts: str) -> None:
        """``user`` has seen ``channel`` up to ``ts`` (markers only move forward)."""
        with self._lock:
            current = self._read.get((user, channel))
            if current is None or ts_key(ts) > ts_key(current):
                self._read[(user, channel)] = ts

    def last_read(self, user: str, channel: str) -> str | None:
        with self._lock:
            return self._read.get((user, channel))

    # --- Slackbot notices ---------------------------------------------------------------------

    def notify(self, user: str, channel: str, ts: str, text: str) -> Notice:
        with self._lock:
            notice = Notice(self._next(), user, channel, ts, text)
            self._notices.append(notice)
            return notice

    def notices(self, user: str, channel: str) -> list[Notice]:
        with self._lock:
            return [n for n in self._notices if n.user == user and n.channel == channel]

    def dismiss_notice(self, user: str, notice_id: int) -> bool:
        with self._lock:
            kept = [n for n in self._notices if not (n.user == user and n.id == notice_id)]
            dismissed = len(kept) != len(self._notices)
            self._notices = kept
            return dismissed

    # --- modal trouble ------------------------------------------------------------------------

    def set_trouble(self, view_id: str, text: str | None) -> None:
        with self._lock:
            if text:
                self._trouble[view_id] = text
            else:
                self._trouble.pop(view_id, None)

    def trouble(self, view_id: str) -> str | None:
        with self._lock:
            return self._trouble.get(view_id)

    # --- problems for the banner --------------------------------------------------------------

    def problem(self, at: float, source: str, error: str, messages: tuple[str, ...] = ()) -> None:
        with self._lock:
            self._problems.append(Problem(self._next(), at, source, error, messages))

    def problems(self) -> list[Problem]:
        """The problems since the banner was last dismissed."""
        with self._lock:
            return [p for p in self._problems if p.at > self.dismissed_at]

    def dismiss_problems(self, at: float) -> None:
        """Hide everything the banner showed up to ``at`` (API errors and problems alike)."""
        with self._lock:
            self.dismissed_at = max(self.dismissed_at, at)
