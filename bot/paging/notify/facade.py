"""What the paging service calls: :class:`Notifier` and the :class:`Notifiers` facade.

``Notifiers`` picks the notifier for a channel's type and shares one ``httpx.Client`` (and one
retry policy) between them. It is thread-safe: timers on several threads may page at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, TypeVar, assert_never

import httpx

from bot.config.model import (
    NotificationChannel,
    OpsgenieChannel,
    PagerDutyChannel,
    SmsChannel,
    VoiceChannel,
    WebhookChannel,
)
from bot.kernel.http import Clock, HttpSender, RetryPolicy, Timeouts
from bot.paging.notify.delivery import Sender
from bot.paging.notify.notice import PageNotice
from bot.paging.notify.opsgenie import DEFAULT_OPSGENIE_URL, OpsgenieNotifier
from bot.paging.notify.pagerduty import DEFAULT_PAGERDUTY_URL, PagerDutyNotifier
from bot.paging.notify.secrets import SecretLookup
from bot.paging.notify.twilio import TwilioAccount, TwilioNotifier
from bot.paging.notify.webhook import WebhookNotifier

log = logging.getLogger("bot.paging.notify")

ChannelT_contra = TypeVar("ChannelT_contra", contravariant=True)


class Notifier(Protocol[ChannelT_contra]):
    """Pages through one kind of channel. Every method raises only ``DeliveryFailed``.

    ``trigger`` returns the provider key (PagerDuty ``dedup_key``, Opsgenie ``alias``, the
    webhook's page key): store it, and pass it to ``acknowledge`` and ``resolve``. Calling any
    method again with the same arguments is safe: the providers de-duplicate on that key.
    ``notice`` on acknowledge/resolve is optional context (only the webhook sends it).
    """

    def trigger(self, notice: PageNotice, channel: ChannelT_contra) -> str: ...

    def acknowledge(
        self, key: str, channel: ChannelT_contra, *, notice: PageNotice | None = None
    ) -> None: ...

    def resolve(
        self, key: str, channel: ChannelT_contra, *, notice: PageNotice | None = None
    ) -> None: ...


class Notifiers:
    """A :class:`Notifier` for every :data:`NotificationChannel`, by the channel's type.

    ``secrets`` looks a setting up by name (e.g. ``os.environ.get``). ``pagerduty_url`` and
    ``opsgenie_url`` are the API base URLs (settings: EU regions, or local fakes in tests);
    ``twilio`` is the Twilio account SMS and voice pages go out from (unset: they fail, named).
    ``sleep``, ``draw`` and ``clock`` drive the retry waits (see :class:`HttpSender`);
    ``wall_clock`` stamps webhook signatures. Close it (or use ``with``) to release the client.
    """

    def __init__(
        self,
        secrets: SecretLookup,
        *,
        pagerduty_url: str = DEFAULT_PAGERDUTY_URL,
        opsgenie_url: str = DEFAULT_OPSGENIE_URL,
        twilio: TwilioAccount | None = None,
        policy: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        draw: Clock = random.random,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self.sender = Sender(
            HttpSender(
                log,
                policy=policy,
                timeouts=timeouts,
                client=client,
                rate_limit_reset=False,  # see bot.paging.notify.delivery
                sleep=sleep or time.sleep,
                draw=draw,
                clock=clock,
            )
        )
        self.pagerduty = PagerDutyNotifier(self.sender, secrets, pagerduty_url)
        self.opsgenie = OpsgenieNotifier(self.sender, secrets, opsgenie_url)
        self.webhook = WebhookNotifier(self.sender, secrets, wall_clock)
        self.twilio = TwilioNotifier(self.sender, twilio or TwilioAccount(None, None, None))

    def trigger(self, notice: PageNotice, channel: NotificationChannel) -> str:
        match channel:
            case PagerDutyChannel():
                return self.pagerduty.trigger(notice, channel)
            case OpsgenieChannel():
                return self.opsgenie.trigger(notice, channel)
            case WebhookChannel():
                return self.webhook.trigger(notice, channel)
            case SmsChannel() | VoiceChannel():
                return self.twilio.trigger(notice, channel)
            case _:
                assert_never(channel)

    def acknowledge(
        self, key: str, channel: NotificationChannel, *, notice: PageNotice | None = None
    ) -> None:
        match channel:
            case PagerDutyChannel():
                self.pagerduty.acknowledge(key, channel, notice=notice)
            case OpsgenieChannel():
                self.opsgenie.acknowledge(key, channel, notice=notice)
            case WebhookChannel():
                self.webhook.acknowledge(key, channel, notice=notice)
            case SmsChannel() | VoiceChannel():
                self.twilio.acknowledge(key, channel, notice=notice)
            case _:
                assert_never(channel)

    def resolve(
        self, key: str, channel: NotificationChannel, *, notice: PageNotice | None = None
    ) -> None:
        match channel:
            case PagerDutyChannel():
                self.pagerduty.resolve(key, channel, notice=notice)
            case OpsgenieChannel():
                self.opsgenie.resolve(key, channel, notice=notice)
            case WebhookChannel():
                self.webhook.resolve(key, channel, notice=notice)
            case SmsChannel() | VoiceChannel():
                self.twilio.resolve(key, channel, notice=notice)
            case _:
                assert_never(channel)

    def close(self) -> None:
        self.sender.http.close()

    def __enter__(self) -> Notifiers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
