"""What alerts plug into the running bot: the webhooks that turn alerts into incidents, and the
timers that process stored payloads and carry their Slack messages."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.domain import Source
from bot.alerts.intake.auth import Credentials
from bot.alerts.routes_live import LiveRouting
from bot.alerts.service import AlertService
from bot.alerts.slack.handlers import AlertEffects
from bot.alerts.web.webhooks import WebhookSettings, webhook_routes
from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.kernel.settings import Settings
from bot.oncall.service import OnCallService


def build(
    kernel: Kernel, config: LiveConfig, oncall: OnCallService, incidents: IncidentService
) -> Feature:
    settings, metrics = kernel.settings, kernel.metrics
    alerts = AlertService(
        kernel.sessions,
        kernel.intake,
        kernel.clock,
        LiveRouting(settings.config_dir, config, settings.config_reload_seconds),
        config,
        lambda schedule: [record.override for record in oncall.overrides(schedule)],
        incidents,
        timedelta(minutes=settings.alerts_grouping_window_minutes),
        kernel.wake,
        lambda source, outcome, count: metrics.alerts.labels(source.value, outcome).inc(count),
    )
    return Feature(
        "alerts",
        timers=[
            alerts,
            AlertEffects(alerts, incidents, kernel.client, kernel.directory, kernel.clock),
        ],
        routes=webhook_routes(alerts, _webhook_settings(settings), metrics),
    )


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
    return WebhookSettings(credentials, settings.alerts_max_body_bytes)
