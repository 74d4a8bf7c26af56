"""The composition root: the one place that builds the running bot from settings.

Importing any module starts nothing; ``build`` wires storage, Slack, timers and the web app, and
the ASGI lifespan starts and stops the timer runner.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.clock import utc_now
from bot.config.live import LiveConfig
from bot.config.startup import load_startup_config
from bot.notify import Notifiers, RetryPolicy
from bot.services.incidents import IncidentService
from bot.services.oncall import OnCallService
from bot.services.oncall_reminders import OnCallReminders
from bot.services.paging import PagingService
from bot.settings import Settings
from bot.slack.app import build_app, listener_pool, make_client
from bot.slack.context import SlackContext
from bot.slack.directory import SlackDirectory
from bot.slack.oncall_effects import OnCallEffects
from bot.slack.paging import PagingEffects
from bot.slack.paging import register as register_paging
from bot.slack.provisioning import IncidentEffects
from bot.storage.db import make_engine, make_session_factory
from bot.storage.migrate import upgrade_to_head
from bot.timers.backoff import Backoff
from bot.timers.outcomes import Observation, TimerFailure
from bot.timers.runner import TimerRunner, default_owner
from bot.web.asgi import build_asgi
from bot.web.ical import CalendarFeeds, feed_endpoint
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)


class MissingSetting(RuntimeError):
    """A setting the bot cannot run without, with what to do about it."""


@dataclass
class Warroom:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient
    bolt: App
    runner: TimerRunner
    incidents: IncidentService
    metrics: Metrics
    asgi: Starlette
    oncall: OnCallService | None = None
    reminders: OnCallReminders | None = None


def build(
    settings: Settings, clock: Callable[[], datetime] = utc_now, migrate: bool = True
) -> Warroom:
    token, secret = _slack_credentials(settings)
    config = LiveConfig(
        settings.config_dir,
        load_startup_config(settings.config_dir),
        settings.config_reload_seconds,
        on_reload=lambda _: reminders.seed(),
    )
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_to_head(engine)
    sessions = make_session_factory(engine)
    metrics = Metrics(sessions, clock)
    client = make_client(
        token, settings.slack_api_url, lambda m, e: metrics.slack_api_errors.labels(m, e).inc()
    )
    bot_user_id = str(client.auth_test()["user_id"])

    runner: TimerRunner | None = None

    def wake() -> None:
        if runner is not None:
            runner.wake()

    paging = PagingService(sessions, clock, config, wake)
    incidents = IncidentService(sessions, clock, settings.reminder_minutes, wake, paging)
    notifiers = Notifiers(
        os.environ.get,
        pagerduty_url=settings.pagerduty_events_url,
        opsgenie_url=settings.opsgenie_api_url,
        policy=RetryPolicy(
            max_attempts=settings.notify_max_attempts,
            total_budget=settings.notify_time_budget_seconds,
        ),
    )
    paging_effects = PagingEffects(paging, incidents, client, notifiers, config)
    effects = IncidentEffects(incidents, client, bot_user_id, clock)
    feeds = CalendarFeeds(settings.public_url, settings.ical_secret)
    handoff_lead = timedelta(minutes=settings.handoff_reminder_minutes)
    directory = SlackDirectory(client)
    oncall = OnCallService(sessions, clock, config, directory, wake, handoff_lead, feeds.url)
    reminders = OnCallReminders(oncall, sessions, clock, wake)
    oncall_effects = OnCallEffects(oncall, reminders, client, clock)
    runner = TimerRunner(
        session_factory=sessions,
        handlers={**effects.handlers(), **oncall_effects.handlers(), **paging_effects.handlers()},
        owner=default_owner(),
        clock=clock,
        lease_seconds=settings.timer_lease_seconds,
        sweep_seconds=settings.timer_sweep_seconds,
        max_attempts=settings.timer_max_attempts,
        backoff=Backoff(base_seconds=settings.timer_backoff_base_seconds),
        on_failure=lambda f: _on_failure(
            f, effects.on_failure, oncall_effects.on_failure, paging_effects.on_failure
        ),
        observe=lambda o: _observe(metrics, o),
    )
    reminders.seed()
    ctx = SlackContext(incidents=incidents, metrics=metrics, oncall=oncall)
    listeners = listener_pool()
    bolt = build_app(
        client=client,
        signing_secret=secret,
        ctx=ctx,
        sessions=sessions,
        clock=clock,
        listeners=listeners,
    )
    register_paging(bolt, incidents, paging)
    asgi = build_asgi(
        bolt=bolt,
        engine=engine,
        metrics=metrics,
        on_startup=runner.start,
        on_shutdown=lambda: _stop(runner, notifiers, listeners),
        oncall_feed=feed_endpoint(oncall, feeds),
    )
    return Warroom(
        settings,
        engine,
        sessions,
        client,
        bolt,
        runner,
        incidents,
        metrics,
        asgi,
        oncall,
        reminders,
    )


def _stop(runner: TimerRunner, notifiers: Notifiers, listeners: ThreadPoolExecutor) -> None:
    runner.shutdown()
    notifiers.close()
    listeners.shutdown(wait=True, cancel_futures=True)


def _on_failure(failure: TimerFailure, *handlers: Callable[[TimerFailure], None]) -> None:
    """Each family of timers hears about its own failures (the others ignore the kind)."""
    for handler in handlers:
        try:
            handler(failure)
        except Exception:
            log.exception("on_failure of %s raised", failure.timer.key)


def _observe(metrics: Metrics, observation: Observation) -> None:
    metrics.timer_lateness.labels(observation.kind).observe(max(observation.lateness_seconds, 0))
    metrics.timer_outcomes.labels(observation.kind, observation.outcome).inc()


def _slack_credentials(settings: Settings) -> tuple[str, str]:
    if settings.slack_bot_token is None:
        raise MissingSetting(
            "SLACK_BOT_TOKEN is not set. Create the Slack app from slack-manifest.yaml and set "
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README, 'Deploying'), or try the bot "
            "without Slack: `warroom dev`."
        )
    if settings.slack_signing_secret is None:
        raise MissingSetting(
            "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's "
            "'Basic Information' page."
        )
    return (
        settings.slack_bot_token.get_secret_value(),
        settings.slack_signing_secret.get_secret_value(),
    )
