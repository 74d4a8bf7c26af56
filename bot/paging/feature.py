"""What paging plugs into the running bot: the escalation and delivery timers, the page DM's
buttons, Twilio's webhooks, and the pager providers' clients (closed at shutdown)."""

from __future__ import annotations

import os

from slack_bolt import App

from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.kernel.settings import Settings
from bot.paging.notify import Notifiers, RetryPolicy
from bot.paging.notify.twilio import TwilioAccount
from bot.paging.phones import PhoneAcks
from bot.paging.service import PagingService
from bot.paging.slack.handlers import PagingEffects, register
from bot.paging.web.twilio import twilio_routes


def notifiers(settings: Settings) -> Notifiers:
    return Notifiers(
        os.environ.get,
        pagerduty_url=settings.pagerduty_events_url,
        opsgenie_url=settings.opsgenie_api_url,
        twilio=twilio_account(settings),
        policy=RetryPolicy(
            max_attempts=settings.notify_max_attempts,
            total_budget=settings.notify_time_budget_seconds,
        ),
    )


def twilio_account(settings: Settings) -> TwilioAccount:
    token = settings.twilio_auth_token
    return TwilioAccount(
        account_sid=settings.twilio_account_sid,
        auth_token=token.get_secret_value() if token else None,
        from_number=settings.twilio_from_number,
        api_url=settings.twilio_api_url,
        public_url=settings.public_url,
    )


def build(
    kernel: Kernel,
    paging: PagingService,
    incidents: IncidentService,
    notifiers: Notifiers,
    config: LiveConfig,
) -> Feature:
    def listeners(app: App) -> None:
        register(app, incidents, paging)

    settings = kernel.settings
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    # Replies to texts and keys pressed in calls acknowledge; the token keys the reply codes.
    client = kernel.client

    def slack_id(ref: str) -> str:
        """Config users may be given by email only: Slack finds the account."""
        return ref if "@" not in ref else str(client.users_lookupByEmail(email=ref)["user"]["id"])

    phones = PhoneAcks(kernel.sessions, config, incidents, paging, token or "", slack_id)
    effects = PagingEffects(paging, incidents, kernel.client, notifiers, config, phones.code)
    return Feature(
        "paging",
        timers=[effects],
        listeners=listeners,
        routes=twilio_routes(phones, token, settings.public_url),
        close=[notifiers.close],
    )
