"""The composition root: the one place that builds the running bot from settings.

Importing any module starts nothing; ``build`` wires storage, Slack, timers and the web app, and
the ASGI lifespan starts and stops the timer runner.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.alerts.domain import Source
from bot.alerts.intake.auth import Credentials
from bot.alerts.routes_live import LiveRouting
from bot.alerts.service import AlertService
from bot.alerts.slack.handlers import AlertEffects
from bot.alerts.web.webhooks import WebhookSettings, webhook_routes
from bot.config.live import LiveConfig
from bot.config.startup import load_startup_config
from bot.incidents.service import IncidentService
from bot.incidents.slack.commands import changes_state as incident_changes_state
from bot.incidents.slack.context import SlackContext
from bot.incidents.slack.provisioning import IncidentEffects
from bot.kernel.clock import utc_now
from bot.kernel.settings import Settings
from bot.kernel.slack.app import READ_ONLY_ACTIONS, build_app, listener_pool, make_client
from bot.kernel.slack.directory import SlackDirectory
from bot.kernel.slack.edge import Durability, SlackEdge
from bot.kernel.slack.inbox import Inbox
from bot.kernel.storage.db import is_sqlite, make_engine, make_intake_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head
from bot.kernel.timers.backoff import Backoff
from bot.kernel.timers.outcomes import Handler, Observation, TimerFailure
from bot.kernel.timers.runner import TimerRunner, default_owner
from bot.kernel.web.asgi import build_asgi
from bot.kernel.web.metrics import Metrics
from bot.oncall.reminders import OnCallReminders
from bot.oncall.service import OnCallService
from bot.oncall.slack.command import changes_state as oncall_changes_state
from bot.oncall.slack.handlers import OnCallEffects
from bot.oncall.web.ical import CalendarFeeds, feed_endpoint
from bot.paging.notify import Notifiers, RetryPolicy
from bot.paging.service import PagingService
from bot.paging.slack.handlers import PagingEffects
from bot.paging.slack.handlers import register as register_paging
from bot.playbooks.actions.registry import Actions
from bot.playbooks.automation import PlaybookRuns
from bot.playbooks.files_live import load_playbooks
from bot.playbooks.service import PlaybookService
from bot.playbooks.slack.handlers import PlaybookEffects
from bot.playbooks.slack.listeners import PlaybookCommands, Playbooks
from bot.playbooks.slack.listeners import register as register_playbooks
from bot.playbooks.steps import PlaybookSteps
from bot.postmortems.feature import build_postmortems
from bot.retention.service import Retention, RetentionPolicy

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
    edge: SlackEdge | None = None


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
    alerts = AlertService(
        sessions,
        clock,
        LiveRouting(settings.config_dir, config, settings.config_reload_seconds),
        config,
        lambda schedule: [record.override for record in oncall.overrides(schedule)],
        incidents,
        timedelta(minutes=settings.alerts_grouping_window_minutes),
        wake,
        lambda source, outcome, count: metrics.alerts.labels(source.value, outcome).inc(count),
    )
    alert_effects = AlertEffects(alerts, incidents, client, directory, clock)
    retention = Retention(
        sessions,
        clock,
        RetentionPolicy(
            slack_events=timedelta(hours=settings.retention_slack_events_hours),
            alert_payloads=timedelta(days=settings.retention_alert_payload_days),
            interval=timedelta(minutes=settings.retention_interval_minutes),
        ),
        wake,
    )
    actions = Actions(settings)
    steps = PlaybookSteps(sessions, clock, wake)
    playbooks = Playbooks(
        PlaybookService(steps, incidents, load_playbooks(settings).current, config),
        steps,
        PlaybookRuns(steps, actions),
    )
    incidents.add_transition_hook(playbooks.runs.on_transition)
    playbook_effects = PlaybookEffects(steps, playbooks.runs, client)
    postmortems = build_postmortems(
        settings, sessions, clock, wake, incidents, config, client, notifiers.sender
    )
    incidents.add_transition_hook(postmortems.service.offer_on_resolve)
    ctx = SlackContext(
        incidents=incidents,
        metrics=metrics,
        oncall=oncall,
        playbooks=PlaybookCommands(playbooks.service),
        postmortems=postmortems.slack,
    )
    listeners = listener_pool()
    bolt = build_app(client=client, signing_secret=secret, ctx=ctx, listeners=listeners)
    register_paging(bolt, incidents, paging)
    register_playbooks(bolt, playbooks)
    postmortems.register(bolt)
    intake_engine = make_intake_engine(settings.database_url)
    intake = make_session_factory(intake_engine)
    inbox = Inbox(sessions, intake, clock, timedelta(seconds=settings.timer_lease_seconds))
    edge = SlackEdge(
        bolt,
        inbox,
        Durability(
            commands={"/incident": incident_changes_state, "/oncall": oncall_changes_state},
            read_only_actions=READ_ONLY_ACTIONS,
        ),
        secret,
        listeners,
        _response_hosts(settings),
    )
    runner = TimerRunner(
        session_factory=sessions,
        handlers=merge_handlers(
            edge.handlers(),
            effects.handlers(),
            oncall_effects.handlers(),
            paging_effects.handlers(),
            alerts.handlers(),
            alert_effects.handlers(),
            playbook_effects.handlers(),
            postmortems.handlers(),
            retention.handlers(),
        ),
        owner=default_owner(),
        clock=clock,
        lease_seconds=settings.timer_lease_seconds,
        sweep_seconds=settings.timer_sweep_seconds,
        max_attempts=settings.timer_max_attempts,
        backoff=Backoff(base_seconds=settings.timer_backoff_base_seconds),
        on_failure=lambda f: _on_failure(
            f,
            edge.on_failure,
            effects.on_failure,
            oncall_effects.on_failure,
            paging_effects.on_failure,
            alerts.on_failure,
            alert_effects.on_failure,
            playbook_effects.on_failure,
            postmortems.on_failure,
            retention.on_failure,
        ),
        observe=lambda o: _observe(metrics, o),
    )
    reminders.seed()
    retention.seed()
    asgi = build_asgi(
        slack=edge.receive,
        engine=engine,
        metrics=metrics,
        on_startup=runner.start,
        on_shutdown=lambda: _stop(runner, notifiers, listeners, actions, intake_engine),
        oncall_feed=feed_endpoint(oncall, feeds),
        extra_routes=[
            *webhook_routes(alerts, _webhook_settings(settings), metrics),
            *postmortems.routes,
        ],
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
        edge,
    )


def merge_handlers(*families: Mapping[str, Handler]) -> dict[str, Handler]:
    """Every family's timer handlers by kind; two families claiming one kind is a wiring bug
    (one would silently never run), refused at start."""
    merged: dict[str, Handler] = {}
    for family in families:
        for kind, handler in family.items():
            if kind in merged:
                raise ValueError(f"two timer handlers for the kind {kind!r}")
            merged[kind] = handler
    return merged


def _stop(
    runner: TimerRunner,
    notifiers: Notifiers,
    listeners: ThreadPoolExecutor,
    actions: Actions,
    intake: Engine,
) -> None:
    runner.shutdown()
    notifiers.close()
    listeners.shutdown(wait=True, cancel_futures=True)
    actions.close()  # after the listeners: one may be reading a provider for a modal
    intake.dispose()


def _on_failure(failure: TimerFailure, *handlers: Callable[[TimerFailure], None]) -> None:
    """Each family of timers hears about its own failures (the others ignore the kind)."""
    for handler in handlers:
        try:
            handler(failure)
        except Exception:
            log.exception("on_failure of %s raised", failure.timer.key)


def _response_hosts(settings: Settings) -> frozenset[str]:
    """Slack's response URLs are on hooks.slack.com; the sandbox serves its own."""
    api_host = urlsplit(settings.slack_api_url).hostname
    return frozenset({"hooks.slack.com", *([api_host] if api_host else [])})


def _webhook_settings(settings: Settings) -> WebhookSettings:
    secrets = {
        Source.ALERTMANAGER: (
            settings.alerts_alertmanager_token,
            settings.alerts_alertmanager_hmac_secret,
        ),
        Source.GRAFANA: (settings.alerts_grafana_token, settings.alerts_grafana_hmac_secret),
        Source.GENERIC: (settings.alerts_generic_token, settings.alerts_generic_hmac_secret),
    }
    credentials = {
        source: Credentials(
            source,
            token.get_secret_value() if token else None,
            secret.get_secret_value() if secret else None,
        )
        for source, (token, secret) in secrets.items()
    }
    return WebhookSettings(
        credentials, settings.alerts_max_body_bytes, one_writer=is_sqlite(settings.database_url)
    )


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
