"""The monthly insights digest (``insights.yaml``, ``bot/insights/digest_config.py``): one durable
timer that walks from posting to posting, and the message it posts.

The timer's key is fixed (``insights:digest``) and its payload names the month it reports, so
every replica and every restart plans the same row (an upsert that keeps a pending one due no
later: a digest still to post after downtime is not lost). The post is an effect recorded once
per month and channel (``insights:digest:<month>:<channel>``) and carries that key in its
metadata (``bot.kernel.slack.marked``): one replica claims the timer, and a retry after an
ambiguous failure finds the message instead of posting it twice. A digest more than a day late
(the bot was down over its time) is skipped, and the timer goes on to the next month.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.model import Config
from bot.insights import report
from bot.insights.digest_config import LiveDigest
from bot.insights.domain.digest import DigestPlan, Month, late_by, next_digest
from bot.insights.domain.scope import Scope
from bot.insights.web.charts import Section
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.kernel.slack.channels import channel_id
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

DIGEST = "insights.digest"
KEY = "insights:digest"
GRACE = timedelta(days=1)  # later than this after its time, a digest is skipped
LOOKBACK = timedelta(hours=1)  # a retry searches the channel's history from this long ago
ROWS = 5  # per table: the whole report is `warroom report`'s
SECTIONS = ("severity-month", "mttx-severity", "longest", "oncall-hours", "alerts-rule")
PERMANENT = frozenset({"channel_not_found", "is_archived", "not_in_channel", "invalid_blocks"})


def effect_key(month: Month, channel: str) -> str:
    return f"insights:digest:{month.name}:{channel}"


def plan(session: Session, digest: DigestPlan, now: datetime) -> datetime:
    """Upsert the timer for the next posting, unless one is pending no later."""
    due, month = next_digest(digest, now)
    state = timers.get(session, KEY)
    if state is not None and state.status == timers.PENDING and state.due_at <= due:
        return state.due_at
    timers.schedule(session, KEY, DIGEST, due, {"month": month.name}, now)
    return due


def message(sections: Sequence[Section], month: Month, link: str) -> str:
    """The digest as Slack text: each table's first rows in a code block, aligned."""
    lines = [f"*Insights for {month.name}* (private incidents left out)"]
    for section in sections:
        lines += ["", f"*{section.title}*"]
        if not section.rows:
            lines.append("_Nothing this month._")
            continue
        shown = [section.headers, *section.rows[:ROWS]]
        widths = [max(len(row[n]) for row in shown) for n in range(len(section.headers))]
        table = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in shown
        ]
        more = len(section.rows) - ROWS
        lines.append("```" + "\n".join(table) + "```")
        if more > 0:
            lines.append(f"_and {more} more_")
    lines += ["", f"All the figures: {link} (or `warroom report --since {month.first}`)"]
    return "\n".join(lines)


class DigestEffects:
    def __init__(
        self,
        live: LiveDigest,
        sessions: sessionmaker[Session],
        config: Callable[[], Config],
        client: WebClient,
        clock: Callable[[], datetime],
        public_url: str,
    ) -> None:
        self._live = live
        self._sessions = sessions
        self._config = config
        self._client = client
        self._poster = Poster(client)
        self._clock = clock
        self._public = public_url.rstrip("/")

    def seed(self) -> None:
        digest = self._live()
        if digest is None:
            return
        with self._sessions.begin() as session:
            plan(session, digest, self._clock())

    def handlers(self) -> dict[str, Handler]:
        return {DIGEST: self.fire}

    def on_failure(self, failure: TimerFailure) -> None:
        """Gave up on a month: go on to the next one."""
        digest = self._live()
        if digest is not None:
            now = self._clock()
            with self._sessions.begin() as session:
                timers.schedule(session, KEY, DIGEST, *_next(digest, now), now)

    def fire(self, timer: ClaimedTimer) -> Outcome:
        digest = self._live()
        if digest is None:
            return Done()  # the digest left the config
        month = Month.parse(str(timer.payload["month"]))
        now = self._clock()
        if late_by(digest, month, now) <= GRACE:
            self._post(timer, digest, month)
        else:
            log.warning("insights digest of %s skipped: %s late", month.name, now - timer.due_at)
        return Reschedule(*_next(digest, max(now, timer.due_at)))

    def _post(self, timer: ClaimedTimer, digest: DigestPlan, month: Month) -> None:
        scope = Scope(month.first, month.last)
        with self._sessions() as session:
            built = report.build(session, scope, self._config(), SECTIONS)
        link = f"{self._public}/insights?{scope.params()}"
        text = message(built.sections, month, link)
        key = effect_key(month, digest.channel)
        mark = Mark.of(timer, since=self._clock() - LOOKBACK, key=key)
        with self._sessions.begin() as session:
            if not timers.record_effect_once(session, key, None, self._clock()):
                return  # posted already (a second claim after the commit)
            try:
                found = channel_id(self._client, digest.channel)
                if found is None:
                    log.warning("insights digest: no channel %s", digest.channel)
                    return
                self._poster.post_joining(mark, found, text)
            except SlackApiError as error:
                if error.response.get("error") not in PERMANENT:
                    raise
                log.warning("insights digest in %s: %s", digest.channel, error.response["error"])


def _next(digest: DigestPlan, after: datetime) -> tuple[datetime, dict[str, Any]]:
    due, month = next_digest(digest, after)
    return due, {"month": month.name}


def build(kernel: Kernel, config: Callable[[], Config]) -> Feature:
    settings = kernel.settings
    live = LiveDigest(settings.config_dir, settings.config_reload_seconds)
    effects = DigestEffects(
        live, kernel.sessions, config, kernel.client, kernel.clock, settings.public_url
    )
    return Feature("insights-digest", timers=[effects], seed=[effects.seed])
