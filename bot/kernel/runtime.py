"""The kernel a running bot is made of, built from settings, and how features plug into it.

``Kernel.build`` makes the shared parts (database, Slack client, metrics, the durable timer
runner); features are built on top of it; ``Kernel.plug`` plugs every feature in the same way:
its listeners on the Bolt app, its slash commands and read-only buttons into the edge's idea of
what must be recorded, its timer handlers into the runner, its routes into the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.kernel.feature import Feature, slash_commands
from bot.kernel.settings import Settings
from bot.kernel.slack.app import build_app, listener_pool, make_client
from bot.kernel.slack.directory import SlackDirectory
from bot.kernel.slack.edge import Durability, SlackEdge
from bot.kernel.slack.inbox import Inbox
from bot.kernel.slack.members import ChannelMembers
from bot.kernel.storage.db import make_engine, make_intake_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head
from bot.kernel.timers.backoff import Backoff
from bot.kernel.timers.outcomes import Observation
from bot.kernel.timers.runner import TimerRunner, default_owner
from bot.kernel.web.asgi import build_asgi
from bot.kernel.web.metrics import IncidentCounts, Metrics


class MissingSetting(RuntimeError):
    """A setting the bot cannot run without, with what to do about it."""


@dataclass(frozen=True)
class Plugged:
    """The running bot's entry points once every feature is plugged in."""

    bolt: App
    edge: SlackEdge
    asgi: Starlette


@dataclass
class Kernel:
    settings: Settings
    clock: Callable[[], datetime]
    engine: Engine
    sessions: sessionmaker[Session]
    # For storing what was just received, before its answer: short timeouts and, on SQLite,
    # first in the process's line for the write lock (``make_intake_engine``).
    intake_engine: Engine
    intake: sessionmaker[Session]
    metrics: Metrics
    client: WebClient
    bot_user_id: str
    directory: SlackDirectory
    members: ChannelMembers  # one cache for the app: the web app's views and Slack's changes
    runner: TimerRunner
    signing_secret: str

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Callable[[], datetime],
        incident_counts: IncidentCounts,
        migrate: bool = True,
    ) -> Kernel:
        token, secret = slack_credentials(settings)
        engine = make_engine(settings.database_url)
        if migrate:
            upgrade_to_head(engine)
        sessions = make_session_factory(engine)
        intake_engine = make_intake_engine(settings.database_url)
        metrics = Metrics(sessions, clock, incident_counts)
        client = make_client(
            token, settings.slack_api_url, lambda m, e: metrics.slack_api_errors.labels(m, e).inc()
        )
        runner = TimerRunner(
            session_factory=sessions,
            handlers={},
            owner=default_owner(),
            clock=clock,
            lease_seconds=settings.timer_lease_seconds,
            sweep_seconds=settings.timer_sweep_seconds,
            max_attempts=settings.timer_max_attempts,
            backoff=Backoff(base_seconds=settings.timer_backoff_base_seconds),
            observe=lambda o: _observe(metrics, o),
        )
        return cls(
            settings,
            clock,
            engine,
            sessions,
            intake_engine,
            make_session_factory(intake_engine),
            metrics,
            client,
            str(client.auth_test()["user_id"]),
            SlackDirectory(client),
            ChannelMembers(client),
            runner,
            secret,
        )

    def wake(self) -> None:
        """Look for due timers now (after committing one that may be due soon)."""
        self.runner.wake()

    def plug(self, features: Sequence[Feature]) -> Plugged:
        listeners = listener_pool()
        bolt = build_app(
            client=self.client, signing_secret=self.signing_secret, listeners=listeners
        )
        for feature in features:
            if feature.listeners is not None:
                feature.listeners(bolt)
        lease = timedelta(seconds=self.settings.timer_lease_seconds)
        inbox = Inbox(self.sessions, self.intake, self.clock, lease)
        durability = Durability(
            commands=slash_commands(features),
            read_only_actions=frozenset().union(*(f.read_only_actions for f in features)),
        )
        edge = SlackEdge(
            bolt,
            inbox,
            durability,
            self.signing_secret,
            listeners,
            _response_hosts(self.settings),
        )
        self.runner.plug(edge.handlers(), edge.on_failure)
        for feature in features:
            for family in feature.timers:
                self.runner.plug(family.handlers(), family.on_failure)
        for feature in features:
            for reader in feature.metrics:
                self.metrics.read_from_database(reader)
        for feature in features:
            for seed in feature.seed:
                seed()

        def start() -> None:
            self.runner.start()
            for feature in features:
                for begin in feature.start:
                    begin()

        def stop() -> None:
            self.runner.shutdown()
            listeners.shutdown(wait=True, cancel_futures=True)
            for feature in features:  # after the listeners: one may be using what they close
                for close in feature.close:
                    close()
            self.intake_engine.dispose()

        asgi = build_asgi(
            slack=edge.receive,
            engine=self.engine,
            metrics=self.metrics,
            on_startup=start,
            on_shutdown=stop,
            routes=[route for feature in features for route in feature.routes],
        )
        return Plugged(bolt, edge, asgi)


def slack_credentials(settings: Settings) -> tuple[str, str]:
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


def _response_hosts(settings: Settings) -> frozenset[str]:
    """Slack's response URLs are on hooks.slack.com; the sandbox serves its own."""
    api_host = urlsplit(settings.slack_api_url).hostname
    return frozenset({"hooks.slack.com", *([api_host] if api_host else [])})


def _observe(metrics: Metrics, observation: Observation) -> None:
    metrics.timer_lateness.labels(observation.kind).observe(max(observation.lateness_seconds, 0))
    metrics.timer_outcomes.labels(observation.kind, observation.outcome).inc()
