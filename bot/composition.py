"""The composition root: the one place that builds the running bot from settings.

Importing any module starts nothing. ``build`` builds the kernel (database, Slack client,
metrics, durable timers), the services features share, then each feature, and plugs every
feature in the same way (``Kernel.plug``); the ASGI lifespan starts and stops the timer runner.
To add a feature: give it a ``feature.py`` whose ``build`` returns a ``Feature`` and add one line
to the list below (docs/architecture.md, "Adding a feature").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.alerts import feature as alerts
from bot.announcements import feature as announcements
from bot.config.credentials import credential_lookup
from bot.config.live import LiveConfig
from bot.config.startup import load_startup_config
from bot.heartbeats import feature as heartbeats
from bot.incidents import feature as incidents
from bot.incidents.repo import counts_by_state
from bot.incidents.service import IncidentService
from bot.insights import digest as insights_digest
from bot.insights import feature as insights
from bot.insights.clocks import feature as clock_histograms
from bot.kernel.clock import utc_now
from bot.kernel.runtime import Kernel, MissingSetting
from bot.kernel.settings import Settings
from bot.kernel.slack.edge import SlackEdge
from bot.kernel.timers.runner import TimerRunner
from bot.kernel.web.metrics import Metrics
from bot.oncall import feature as oncall
from bot.oncall.reminders import OnCallReminders
from bot.oncall.service import OnCallService
from bot.paging import feature as paging
from bot.paging.service import PagingService
from bot.playbooks import feature as playbooks
from bot.postmortems import feature as postmortems
from bot.retention import feature as retention
from bot.statuspage import feature as statuspage

__all__ = ["MissingSetting", "Warroom", "build"]


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
    oncall: OnCallService
    reminders: OnCallReminders
    edge: SlackEdge


def build(
    settings: Settings, clock: Callable[[], datetime] = utc_now, migrate: bool = True
) -> Warroom:
    """The whole bot. ``migrate=False``: a worker of ``warroom serve --workers N``, whose parent
    migrated the database and warned of missing credentials once for all workers."""
    call_link = incidents.call_link(settings)  # a bad template stops the start, naming it
    kernel = Kernel.build(settings, clock, counts_by_state, migrate)
    config = LiveConfig(
        settings.config_dir,
        load_startup_config(settings.config_dir, credential_lookup(settings) if migrate else None),
        settings.config_reload_seconds,
    )
    notifiers = paging.notifiers(settings)
    pages = PagingService(kernel.sessions, clock, config, kernel.wake)
    incident_service = IncidentService(
        kernel.sessions, clock, settings.reminder_minutes, kernel.wake, pages, call_link
    )
    on_call = oncall.build(kernel, config)
    checklists = playbooks.build(kernel, incident_service, config)
    reviews = postmortems.build(kernel, incident_service, config, notifiers.sender)
    comms = announcements.build(kernel, config, incident_service)
    status_page = statuspage.build(kernel, config, incident_service)
    subcommands = {**checklists.subcommands, **reviews.subcommands, **comms.subcommands}
    plugged = kernel.plug(
        [
            incidents.build(kernel, incident_service, subcommands, config, status_page.check),
            on_call.feature,
            paging.build(kernel, pages, incident_service, notifiers, config),
            alerts.build(kernel, config, on_call.service, incident_service),
            checklists.feature,
            reviews.feature,
            retention.build(kernel),
            heartbeats.build(kernel, config, incident_service),
            comms.feature,
            insights.build(kernel, reviews.readers, config),
            clock_histograms.build(incident_service, config),
            insights_digest.build(kernel, config),
            status_page.feature,
        ]
    )
    return Warroom(
        settings,
        kernel.engine,
        kernel.sessions,
        kernel.client,
        plugged.bolt,
        kernel.runner,
        incident_service,
        kernel.metrics,
        plugged.asgi,
        on_call.service,
        on_call.reminders,
        plugged.edge,
    )
