"""``/oncall cover``: the answer to the asker, the posted request with its Take it and Cancel
buttons, the buttons' listeners, and the timers that post the request and close it.

Times in the posted request are in UTC (a channel has no time zone); answers to one person are in
their Slack time zone. The message is posted with its timer's key in its metadata (``Poster``), so
a retry finds it instead of posting twice; closing it is a ``chat.update`` (the same result when
repeated) and a DM to the asker sent once (``OnCallReminders.once``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.kernel.slack.channels import channel_id
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.slack.payloads import BadMetadata, BlockActions, request_of, row_id
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.oncall import cover as covers
from bot.oncall.cover import AlreadyTaken, Cover, CoverError, CoverNotYours, CoverService
from bot.oncall.domain.command import USAGE_COVER, MakeCover
from bot.oncall.domain.when import WhenError, parse_when
from bot.oncall.reminders import OnCallReminders
from bot.oncall.service import OnCallError, OverrideRefused
from bot.oncall.slack.blocks import Names, refusal, span, usage_text

log = logging.getLogger(__name__)

ACTION_TAKE = "oncall_cover_take"
ACTION_CANCEL = "oncall_cover_cancel"
UTC_ZONE = ZoneInfo("UTC")
LOOKBACK = timedelta(days=1)
WAIT_FOR_POST = timedelta(seconds=5)  # closed before its post was recorded: look again
MAX_WAITS = 12
PERMANENT = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "message_not_found",
        "cant_update_message",
        "method_not_supported_for_channel_type",
    }
)


# -- the asker -------------------------------------------------------------------------------


def answer(
    service: CoverService,
    command: MakeCover,
    user_id: str,
    channel: str,
    zone: ZoneInfo,
    names: Names,
    respond: Respond,
) -> None:
    now = service.now()
    try:
        start = parse_when(command.start, now, zone)
        end = parse_when(command.end, now, zone, base=start)
        made = service.request(
            requester=user_id, start=start, end=end, rest=command.rest, typed_in=channel
        )
        where = made.post_to if made.post_to.startswith("#") else f"<#{made.post_to}>"
        text = (
            f":raising_hand: Cover request #{made.id} for *{made.schedule}* "
            f"{span(made.start, made.end, zone, now)}: posting it in {where} with a Take it "
            "button. You will get a DM when someone takes it."
        )
    except CoverNotYours as error:
        text = usage_text(_not_yours(error, zone, names, now), USAGE_COVER)
    except (OnCallError, WhenError) as error:
        text = usage_text(str(error), USAGE_COVER)
    respond(text=text, response_type="ephemeral")


def _not_yours(error: CoverNotYours, zone: ZoneInfo, names: Names, now: datetime) -> str:
    shifts = "; ".join(f"{names(s.user)} {span(s.start, s.end, zone, now)}" for s in error.others)
    return f"you are not on call on {error.schedule} for all of that span: {shifts}"


# -- the posted request ----------------------------------------------------------------------


def request_message(cover: Cover, now: datetime) -> tuple[str, list[Block]]:
    reason = f" ({cover.reason})" if cover.reason else ""
    text = (
        f":raising_hand: <@{cover.requester}> asks for cover on *{cover.schedule}* "
        f"{span(cover.start, cover.end, UTC_ZONE, now)}{reason}. Whoever takes it is on call then."
    )
    value = str(cover.id)
    buttons = ActionsBlock(
        elements=[
            ButtonElement(text="Take it", action_id=ACTION_TAKE, value=value, style="primary"),
            ButtonElement(text="Cancel request", action_id=ACTION_CANCEL, value=value),
        ]
    )
    return text, [SectionBlock(text=text), buttons]


def closed_message(cover: Cover, now: datetime) -> str:
    what = f"cover on *{cover.schedule}* {span(cover.start, cover.end, UTC_ZONE, now)}"
    if cover.status == covers.TAKEN:
        number = f" (override #{cover.override_id})" if cover.override_id else ""
        return (
            f":white_check_mark: Taken by <@{cover.taken_by}>: <@{cover.requester}> asked for "
            f"{what}; <@{cover.taken_by}> is on call then{number}."
        )
    return f":x: Cancelled: <@{cover.requester}> no longer needs {what}."


# -- buttons ---------------------------------------------------------------------------------


def register(app: App, service: CoverService, names: Callable[[], Names]) -> None:
    @app.action(ACTION_TAKE)
    def take(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            cover, record = service.take(row_id(click.action.chosen), click.user.id)
        except AlreadyTaken as error:
            text = f":hourglass: Too late: already taken by <@{error.cover.taken_by}>."
        except OverrideRefused as error:
            text = f":warning: {refusal(error, UTC_ZONE, names(), service.now())}"
        except (CoverError, OnCallError, BadMetadata) as error:
            text = f":warning: {error}"
        else:
            when = span(record.override.start, record.override.end, UTC_ZONE, service.now())
            text = (
                f":white_check_mark: You took cover request #{cover.id}: you are on call for "
                f"*{cover.schedule}* {when} (override #{record.id})."
            )
        respond(text=text, replace_original=False, response_type="ephemeral")

    @app.action(ACTION_CANCEL)
    def cancel(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            cover = service.cancel(row_id(click.action.chosen), click.user.id)
        except AlreadyTaken as error:
            text = f":warning: Too late to cancel: already taken by <@{error.cover.taken_by}>."
        except (CoverError, BadMetadata) as error:
            text = f":warning: {error}"
        else:
            text = f":x: Cancelled your cover request #{cover.id}."
        respond(text=text, replace_original=False, response_type="ephemeral")


# -- timers ----------------------------------------------------------------------------------


class CoverEffects:
    def __init__(
        self,
        service: CoverService,
        reminders: OnCallReminders,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._reminders = reminders
        self._client = client
        self._poster = Poster(client)
        self._clock = clock

    def handlers(self) -> dict[str, Handler]:
        return {covers.POST: self.post, covers.CLOSED: self.close}

    def on_failure(self, failure: TimerFailure) -> None:
        log.warning("cover request timer %s gave up: %s", failure.timer.key, failure.error)

    def post(self, timer: ClaimedTimer) -> Outcome:
        cover = self._service.by_id(int(timer.payload["cover"]))
        if cover is None or cover.status != covers.OPEN:
            return Done()
        text, blocks = request_message(cover, self._clock())
        mark = Mark.of(timer, since=self._clock() - LOOKBACK)
        try:
            found = channel_id(self._client, cover.post_to)
            if found is None:
                log.warning("cover request #%s: channel %s not found", cover.id, cover.post_to)
                return Done()
            ts = self._poster.post_joining(mark, found, text, [b.to_dict() for b in blocks])
        except SlackApiError as error:
            if error.response.get("error") not in PERMANENT:
                raise
            log.warning("could not post cover request #%s: %s", cover.id, error.response["error"])
            return Done()
        self._service.posted(cover.id, found, ts)
        return Done()

    def close(self, timer: ClaimedTimer) -> Outcome:
        cover = self._service.by_id(int(timer.payload["cover"]))
        if cover is None or cover.status == covers.OPEN:
            return Done()
        if cover.channel is None or cover.message_ts is None:
            waits = int(timer.payload.get("waits", 0))
            if waits >= MAX_WAITS:
                return Done()
            payload = {**timer.payload, "waits": waits + 1}
            return Reschedule(self._clock() + WAIT_FOR_POST, payload)
        text = closed_message(cover, self._clock())
        blocks: list[dict[str, Any]] = [SectionBlock(text=text).to_dict()]
        try:
            self._client.chat_update(
                channel=cover.channel, ts=cover.message_ts, text=text, blocks=blocks
            )
        except SlackApiError as error:
            if error.response.get("error") not in PERMANENT:
                raise
            log.warning("could not update cover request #%s: %s", cover.id, error.response)
        if cover.status == covers.TAKEN:
            key = f"{timer.key}:dm"
            mark = Mark.of(timer, since=self._clock() - LOOKBACK, key=key)
            self._reminders.once(key, lambda: self._dm(mark, cover, text))
        return Done()

    def _dm(self, mark: Mark, cover: Cover, text: str) -> None:
        try:
            opened = self._client.conversations_open(users=cover.requester)
            self._poster.post(mark, str(opened["channel"]["id"]), text)
        except SlackApiError as error:
            if error.response.get("error") not in PERMANENT | {"user_not_found"}:
                raise
            log.warning("could not DM %s: %s", cover.requester, error.response.get("error"))
