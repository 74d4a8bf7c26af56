"""Paging over Slack and the pager providers: the timer handlers and the page DM's buttons.

Every person paged gets a Slack DM with Acknowledge and Escalate-now buttons; their configured
PagerDuty, Opsgenie or webhook channels are triggered too, keyed by the delivery's idempotency key
(PagerDuty ``dedup_key``, Opsgenie ``alias``, webhook ``Idempotency-Key``), so a retry never makes
a second alert. A provider that still fails after its retries is reported in the incident channel;
the Slack DM is the fallback that always goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.config import Config, NotificationChannel
from bot.config.model import channel_name
from bot.incidents.domain import commands as cmd
from bot.incidents.domain.timeline import BOT_ACTOR
from bot.incidents.service import IncidentService
from bot.incidents.slack import blocks
from bot.incidents.slack.context import USER_ERRORS
from bot.kernel.slack.marked import Mark, Poster
from bot.kernel.slack.payloads import BadMetadata, BlockActions, request_of, row_id
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.paging import timers as page_timers
from bot.paging.domain.paging import DeliveryStatus
from bot.paging.notify import DeliveryFailed, Notifiers, PageNotice
from bot.paging.notify.notice import channel_url
from bot.paging.service import OPEN, REFRESH, SLACK, STOPPED, Delivery, PagingService

log = logging.getLogger(__name__)
# Said on the timeline as "Could not reach <name> via slack: ...": the email is in users.yaml.
NOT_IN_SLACK = (
    "Slack has no account with their email from users.yaml; add their slack_id there, or invite "
    "them to the workspace"
)

ACTION_ACK = "page_acknowledge"
ACTION_ESCALATE = "page_escalate_now"
PHONES = frozenset({"sms", "voice"})  # Twilio's channels


class PagingEffects:
    def __init__(
        self,
        paging: PagingService,
        incidents: IncidentService,
        client: WebClient,
        notifiers: Notifiers,
        config: Callable[[], Config],
        codes: Callable[[int, str], str] | None = None,
    ) -> None:
        self._codes = codes  # the reply code of (page, person) a text carries
        self._paging = paging
        self._incidents = incidents
        self._client = client
        self._poster = Poster(client)
        self._notifiers = notifiers
        self._config = config

    def handlers(self) -> dict[str, Handler]:
        return {
            page_timers.PAGE_ESCALATE: self.escalate,
            page_timers.PAGE_DELIVER: self.deliver,
            page_timers.PAGE_PROVIDER_UPDATE: self.update_provider,
        }

    def escalate(self, timer: ClaimedTimer) -> Outcome:
        page_id = int(timer.payload["page"])
        # "now": someone pressed Escalate now ("by": who; timers from before it was kept have none).
        by = str(timer.payload.get("by") or BOT_ACTOR) if timer.payload.get("now") else None
        result = self._paging.escalate(page_id, by)
        if result.next_at is None:
            return Done()
        return Reschedule(result.next_at, {"incident": timer.payload["incident"], "page": page_id})

    def deliver(self, timer: ClaimedTimer) -> Outcome:
        delivery = self._paging.delivery(int(timer.payload["delivery"]))
        if delivery is None:
            return Done()
        if delivery.status != DeliveryStatus.PENDING or delivery.page_status in STOPPED:
            return Done()  # already sent, or acknowledged/resolved meanwhile: nobody needs waking
        notice = self._notice(delivery)
        if delivery.channel == SLACK:
            user_id = self._slack_id(delivery.user_ref)
            if user_id is None:  # retrying would not find them either
                self._paging.delivery_failed(delivery.id, NOT_IN_SLACK)
                return Done()
            self._dm(timer, delivery, notice, user_id)
            return Done()
        if delivery.channel in PHONES and self._codes is not None:
            notice = replace(notice, reply_code=self._codes(delivery.page_id, delivery.user_ref))
        try:
            key = self._notifiers.trigger(notice, self._channel_config(delivery))
        except DeliveryFailed as failure:
            if not failure.permanent:
                raise  # the timer retries with backoff, then on_failure reports it
            # Twilio's failures are worded for people ("the number ... is not valid (21211)")
            said = failure.reason if delivery.channel in PHONES else str(failure)
            self._paging.delivery_failed(delivery.id, said)
            return Done()
        self._paging.delivered(delivery.id, provider_key=key)
        return Done()

    def update_provider(self, timer: ClaimedTimer) -> Outcome:
        delivery = self._paging.delivery(int(timer.payload["delivery"]))
        if delivery is None:
            return Done()
        action = str(timer.payload["action"])
        if delivery.channel == SLACK:
            if delivery.slack_channel and delivery.slack_ts:
                # The DM keeps saying which incident it is about, as the incident is now.
                notice = self._notice(delivery)
                if action == REFRESH and delivery.page_status in OPEN:
                    text, dm_blocks = _paged(delivery, notice)
                else:
                    text = f"{_closed_text(delivery, action)}\n{notice.summary}\n{_where(notice)}"
                    dm_blocks = [SectionBlock(text=text)]
                self._client.chat_update(
                    channel=delivery.slack_channel,
                    ts=delivery.slack_ts,
                    text=text,
                    blocks=blocks.to_dicts(dm_blocks),
                )
            return Done()
        if action == REFRESH:
            return Done()
        channel = self._channel_config(delivery)
        if delivery.provider_key:
            if action == "acknowledge":
                self._notifiers.acknowledge(delivery.provider_key, channel)
            else:
                self._notifiers.resolve(delivery.provider_key, channel)
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        """A provider still failing after every retry: on the timeline and in the channel."""
        if failure.timer.kind == page_timers.PAGE_DELIVER:
            self._paging.delivery_failed(int(failure.timer.payload["delivery"]), failure.error)

    def _dm(
        self, timer: ClaimedTimer, delivery: Delivery, notice: PageNotice, user_id: str
    ) -> None:
        """The page DM, marked with the delivery's key: a retry (a replica died between posting
        and recording, or Slack applied the post and answered 5xx) adopts the DM it finds."""
        dm = self._client.conversations_open(users=user_id)["channel"]["id"]
        text, dm_blocks = _paged(delivery, notice)
        ts = self._poster.post(
            Mark.of(timer, since=delivery.created_at, key=delivery.key),
            dm,
            text,
            blocks.to_dicts(dm_blocks),
        )
        self._paging.delivered(delivery.id, slack_channel=dm, slack_ts=ts)
        # A change committed while the DM was being posted found no sent DM to refresh: say the
        # incident as it is now (later changes see this DM as sent and refresh it themselves).
        current = self._notice(delivery)
        if current != notice:
            text, dm_blocks = _paged(delivery, current)
            self._client.chat_update(
                channel=dm, ts=ts, text=text, blocks=blocks.to_dicts(dm_blocks)
            )

    def _slack_id(self, user_ref: str) -> str | None:
        """Config users may be given by email only: Slack finds the account (None: it has no
        account with that email; any other Slack error is retried)."""
        if "@" not in user_ref:
            return user_ref
        try:
            found = self._client.users_lookupByEmail(email=user_ref)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        return str(found["user"]["id"])

    def _notice(self, delivery: Delivery) -> PageNotice:
        view = self._incidents.view_by_number(delivery.incident_number)
        assert view is not None
        incident = view.incident
        message = f" ({delivery.page_message})" if delivery.page_message else ""
        user = self._config().user(delivery.user_ref)
        return PageNotice(
            incident_number=incident.number,
            title=incident.title,
            severity=incident.severity,
            summary=f"incident #{incident.number} ({incident.severity}): {incident.title}{message}",
            dedup_key=delivery.key,
            link=channel_url(view.channel_id) if view.channel_id else None,
            channel_id=view.channel_id,
            service=incident.service,
            recipient=user.name if user else delivery.user_ref,
            recipient_email=user.email if user else None,
        )

    def _channel_config(self, delivery: Delivery) -> NotificationChannel:
        user = self._config().user(delivery.user_ref)
        for channel in user.channels if user else ():
            if channel_name(channel) == delivery.channel:
                return channel
        raise DeliveryFailed(
            delivery.channel,
            "trigger",
            f"{delivery.user_ref} has no {delivery.channel} channel in the config any more",
            permanent=True,
        )


def _paged(delivery: Delivery, notice: PageNotice) -> tuple[str, list[Block]]:
    """The page DM while the page is open: the incident, where, and its two buttons."""
    value = str(delivery.page_id)
    buttons = ActionsBlock(
        elements=[
            ButtonElement(text="Acknowledge", action_id=ACTION_ACK, value=value, style="primary"),
            ButtonElement(text="Escalate now", action_id=ACTION_ESCALATE, value=value),
        ]
    )
    text = f":rotating_light: You are paged: {notice.summary}"
    return text, [SectionBlock(text=f"{text}\n{_where(notice)}"), buttons]


def _where(notice: PageNotice) -> str:
    return f"<#{notice.channel_id}>" if notice.channel_id else "its channel is being created"


def _closed_text(delivery: Delivery, action: str) -> str:
    if action == "acknowledge":
        by = delivery.acknowledged_by
        return f":white_check_mark: Acknowledged by <@{by}>: escalation stopped."
    return ":checkered_flag: The incident is resolved."


def register(app: App, incidents: IncidentService, paging: PagingService) -> None:
    @app.action(ACTION_ACK)
    def acknowledge(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            view = incidents.view_by_number(paging.incident_of_page(row_id(click.action.chosen)))
            if view is None or view.channel_id is None:
                raise LookupError("the incident's channel is still being created; try again")
            incidents.execute(cmd.Acknowledge(), channel_id=view.channel_id, user=click.user.id)
        except (*USER_ERRORS, LookupError, BadMetadata) as error:
            respond(text=f":warning: {error}", replace_original=False)

    @app.action(ACTION_ESCALATE)
    def escalate_now(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            paging.escalate_now(row_id(click.action.chosen), click.user.id)
        except (*USER_ERRORS, BadMetadata) as error:
            respond(text=f":warning: {error}", replace_original=False)
            return
        respond(text="Escalating to the next level now.", replace_original=False)
