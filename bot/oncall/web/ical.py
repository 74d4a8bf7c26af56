"""The on-call calendar feed: ``GET /oncall/<schedule>.ics?token=<token>`` (RFC 5545).

One VEVENT per final shift (layers, restrictions and every override applied; gaps have no event)
from 7 days back to 90 days ahead, SUMMARY ``On call: <name>``. The UID hashes the schedule, the
person and the shift's real start, so calendar apps keep the same event across refreshes; a
shift that began before the look-back (97 days) is keyed by its end instead.

The token is an HMAC-SHA256 of the schedule name under the ``ICAL_SECRET`` setting: it can be
handed out per schedule and rotated by changing the secret. A wrong or missing token, an unknown
schedule, or no secret configured all answer the same 404, so the feed reveals nothing, whatever
the name and the query hold. A database that does not answer within ``READ_WAIT_SECONDS`` (the
overrides are read from it) gets a 503 with ``Retry-After``, promptly.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar, Event
from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.oncall.domain.schedule import Schedule, Shift
from bot.oncall.service import OnCallService

log = logging.getLogger(__name__)

PATH = "/oncall/{schedule}.ics"
BACK = timedelta(days=7)
AHEAD = timedelta(days=90)
LOOKBACK = timedelta(days=90)  # beyond BACK, to find the real start of the first shift
PRODID = "-//warroom//on-call feed//EN"
READ_WAIT_SECONDS = 1.0
READ_SLOTS = 8  # feeds being read at once; more are answered 503 without another


class CalendarFeeds:
    """Feed tokens and addresses; ``secret`` None turns feeds off."""

    def __init__(self, public_url: str, secret: SecretStr | None) -> None:
        self._public_url = public_url.rstrip("/")
        self._secret = secret.get_secret_value().encode() if secret is not None else None

    def token(self, schedule: str) -> str | None:
        if not self._secret:
            return None
        message = f"warroom-oncall-feed:{schedule}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:40]

    def url(self, schedule: str) -> str | None:
        token = self.token(schedule)
        if token is None:
            return None
        return f"{self._public_url}/oncall/{quote(schedule)}.ics?token={token}"

    def valid(self, schedule: str, token: str | None) -> bool:
        expected = self.token(schedule)
        if expected is None or not token:
            return False
        return hmac.compare_digest(expected.encode(), token.encode("utf-8", "surrogatepass"))


def feed_endpoint(
    oncall: OnCallService, feeds: CalendarFeeds
) -> Callable[[Request], Awaitable[Response]]:
    reads = Bounded("calendar feed", slots=READ_SLOTS, seconds=READ_WAIT_SECONDS)

    async def feed(request: Request) -> Response:
        name = str(request.path_params["schedule"])
        if not feeds.valid(name, request.query_params.get("token")):
            return PlainTextResponse("Not Found", status_code=404)
        try:
            body = await reads.run(lambda: _render(oncall, name))
        except (Unavailable, SQLAlchemyError) as error:
            log.warning("calendar feed %r not served: %s", name[:80], first_line(error))
            return PlainTextResponse(
                "The feed cannot be read right now; try again in a minute.",
                status_code=503,
                headers={"Retry-After": "60"},
            )
        if body is None:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Cache-Control": "private, max-age=300",
                "Content-Disposition": f'inline; filename="{quote(name)}.ics"',
            },
        )

    return feed


def _render(oncall: OnCallService, name: str) -> bytes | None:
    schedule = oncall.config.schedule(name)
    if schedule is None:
        return None
    now = oncall.now()
    # The window moves by whole hours, so fetches within the hour agree to the second (the last
    # shift's end, the first shift's UID) and calendar apps see no change that is not one.
    hour = now.replace(minute=0, second=0, microsecond=0)
    horizon_start = hour - BACK - LOOKBACK
    shifts = oncall.final_shifts(schedule, horizon_start, hour + AHEAD)
    return calendar(schedule, shifts, now, hour - BACK, horizon_start, oncall_name(oncall))


def oncall_name(oncall: OnCallService) -> Callable[[str], str]:
    def name(ref: str) -> str:
        user = oncall.user(ref)
        return user.name if user is not None else ref

    return name


def calendar(
    schedule: Schedule,
    shifts: tuple[Shift, ...],
    now: datetime,
    since: datetime,
    computed_from: datetime,
    name: Callable[[str], str],
) -> bytes:
    """The feed for ``shifts`` that end after ``since``; ``computed_from`` is where the shift
    computation started (a shift starting exactly there may have started earlier)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"On call: {schedule.name}")
    cal.add("x-wr-timezone", schedule.time_zone)
    for shift in shifts:
        if shift.user is None or shift.end <= since:
            continue
        who = name(shift.user)
        anchor = (
            f"start:{shift.start.isoformat()}"
            if shift.start > computed_from
            else f"end:{shift.end.isoformat()}"
        )
        digest = hashlib.sha256(f"{schedule.name}|{shift.user}|{anchor}".encode()).hexdigest()
        event = Event()
        event.add("uid", f"{digest[:32]}@warroom")
        event.add("dtstamp", now)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"On call: {who}")
        event.add("description", f"{who} is on call for {schedule.name}.")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    body: bytes = cal.to_ical()
    return body
