"""What a phone says back to a page: a text reply or a key pressed acknowledges, a lost text or
an unanswered call is reported.

An acknowledgement goes through the incident service exactly as the DM's Acknowledge button
does (``cmd.Acknowledge`` as the person whose phone it is), so the timeline says who, the card
and the other pages follow, and the providers are told. Every answer is a sentence for the
phone: what was acknowledged, or why nothing was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config, SmsChannel, User, VoiceChannel
from bot.incidents.domain import commands as cmd
from bot.incidents.domain.incident import InvalidChange
from bot.incidents.service import IncidentService
from bot.paging.domain.paging import PageStatus
from bot.paging.domain.replies import parse_reply, reply_code
from bot.paging.rows import DeliveryRow, PageRow
from bot.paging.service import OPEN, PagingService

log = logging.getLogger(__name__)

SMS, VOICE = "sms", "voice"
RECENT_PAGES = 50  # a person's pages searched for a code, newest first
# Twilio's final statuses that mean nobody got the page.
LOST = {
    SMS: {"undelivered", "failed"},
    VOICE: {"failed", "busy", "no-answer", "canceled"},
}
_CALL_WORDS = {
    "failed": "the call could not be placed",
    "busy": "the line was busy",
    "no-answer": "nobody answered the call",
    "canceled": "the call was cancelled",
}


@dataclass(frozen=True)
class _Page:
    id: int
    incident: int
    status: PageStatus
    acknowledged_by: str | None
    code: str


class PhoneAcks:
    """Acknowledgements and delivery reports from Twilio's webhooks (see the module docstring).
    ``secret`` keys the reply codes (:func:`reply_code`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: Callable[[], Config],
        incidents: IncidentService,
        paging: PagingService,
        secret: str,
        slack_id: Callable[[str], str] = lambda ref: ref,
    ) -> None:
        self._slack_id = slack_id  # a person known by email only acknowledges as their account
        self._sessions = sessions
        self._config = config
        self._incidents = incidents
        self._paging = paging
        self._secret = secret

    def code(self, page_id: int, person: str) -> str:
        """The code a text for this page to this person carries."""
        return reply_code(self._secret, page_id, person)

    def by_text(self, phone: str, body: str) -> str:
        """A text from ``phone``: acknowledge what it names; the answer to text back."""
        reply = parse_reply(body)
        person = self._person(phone)
        if not reply.acknowledge:
            return "warroom: to acknowledge a page, reply with the code from it, e.g. ACK 4821."
        if person is None:
            log.warning("a text from %s, which is nobody's phone in users.yaml, was ignored", phone)
            return _no_match(reply.code)
        pages = self._pages(person)
        if reply.code is not None:
            matching = [p for p in pages if p.code == reply.code]
            open_ones = [p for p in matching if p.status in OPEN]
            if len(open_ones) > 1:
                numbers = ", ".join(f"#{p.incident}" for p in open_ones)
                return f"{reply.code} matches several open pages ({numbers}): acknowledge in Slack."
            if not open_ones:
                return _closed(matching[0]) if matching else _no_match(reply.code)
            return self._acknowledge(open_ones[0], person)
        open_ones = [p for p in pages if p.status in OPEN]
        if len(open_ones) == 1:
            return self._acknowledge(open_ones[0], person)
        if not open_ones:
            return "No page is open for you right now; nothing was acknowledged."
        listed = ", ".join(f"#{p.incident} ({p.code})" for p in open_ones)
        return f"You have {len(open_ones)} open pages: {listed}. Reply with the code of one."

    def by_key(self, call_sid: str, digits: str) -> tuple[bool, str]:
        """A key pressed in the call ``call_sid``: (acknowledged?, what to say)."""
        found = self._delivery_page(call_sid, VOICE)
        if found is None:
            log.warning("a key pressed in call %s, which pages nobody, was ignored", call_sid)
            return False, "This call is not a page any more. Goodbye."
        row, page = found
        person = self._config().user(row.user_ref)
        if digits != "1":
            return False, "Nothing was acknowledged. Press 1 to acknowledge."
        if person is None:
            return False, "You are no longer in warroom's config; acknowledge in Slack. Goodbye."
        if page.status not in OPEN:
            return True, _closed(page)
        said = self._acknowledge(page, person)
        return said.startswith("Acknowledged"), said

    def status(self, sid: str, status: str, error_code: str | None) -> None:
        """Twilio's report on a text or call: a lost one is a failed delivery, said once."""
        for channel in (SMS, VOICE):
            found = self._delivery_page(sid, channel)
            if found is None or status not in LOST[channel]:
                continue
            row, _ = found
            phone = _phone(self._config().user(row.user_ref), channel)
            code = f", error {error_code}" if error_code else ""
            if channel == SMS:
                error = f"Twilio could not deliver the text to {phone} ({status}{code})"
            else:
                error = f"{_CALL_WORDS[status]} ({phone}, {status}{code})"
            self._paging.delivery_failed(row.id, error)
            return

    # -- helpers ---------------------------------------------------------------------------------

    def _acknowledge(self, page: _Page, person: User) -> str:
        view = self._incidents.view_by_number(page.incident)
        if view is None or view.channel_id is None:
            return f"Incident #{page.incident} is still being set up; reply again in a minute."
        try:
            user = self._slack_id(person.ref)
        except SlackApiError as error:
            log.warning("no Slack account for %s: %s", person.name, error)
            return f"Slack does not know {person.name}'s account; acknowledge in Slack."
        try:
            self._incidents.execute(cmd.Acknowledge(), channel_id=view.channel_id, user=user)
        except InvalidChange as refused:
            return f"Incident #{page.incident} was not acknowledged: {refused}"
        log.info("%s acknowledged incident #%d by phone", person.name, page.incident)
        return f"Acknowledged incident #{page.incident} ({view.incident.title}). Thank you."

    def _person(self, phone: str) -> User | None:
        for user in self._config().users:
            if any(_phone(user, kind) == phone for kind in (SMS, VOICE)):
                return user
        return None

    def _pages(self, person: User) -> list[_Page]:
        """The person's latest pages, newest first, each with its code."""
        with self._sessions() as session:
            query = (
                select(PageRow)
                .where(
                    PageRow.id.in_(
                        select(DeliveryRow.page_id).where(DeliveryRow.user_ref == person.ref)
                    )
                )
                .order_by(PageRow.id.desc())
                .limit(RECENT_PAGES)
            )
            return [
                _Page(
                    p.id,
                    p.incident_id,
                    PageStatus(p.status),
                    p.acknowledged_by,
                    self.code(p.id, person.ref),
                )
                for p in session.scalars(query)
            ]

    def _delivery_page(self, sid: str, channel: str) -> tuple[DeliveryRow, _Page] | None:
        with self._sessions() as session:
            row = session.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.provider_key == sid, DeliveryRow.channel == channel
                )
            ).first()
            page = session.get(PageRow, row.page_id) if row else None
            if row is None or page is None:
                return None
            session.expunge(row)
            status = PageStatus(page.status)
            value = _Page(page.id, page.incident_id, status, page.acknowledged_by, "")
            return row, value


def _phone(user: User | None, kind: str) -> str | None:
    wanted = SmsChannel if kind == SMS else VoiceChannel
    for channel in user.channels if user else ():
        if isinstance(channel, wanted):
            return channel.phone
    return None


def _no_match(code: str | None) -> str:
    if code is None:
        return "No page is open for this phone; nothing was acknowledged."
    return f"No open page matches {code}; reply with the code from the page, e.g. ACK 4821."


def _closed(page: _Page) -> str:
    if page.status is PageStatus.ACKNOWLEDGED:
        return f"Incident #{page.incident} is already acknowledged; nothing more to do."
    return f"The page for incident #{page.incident} is closed; nothing was acknowledged."
