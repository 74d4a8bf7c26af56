"""What retention plugs into the running bot: one recurring timer that forgets old rows."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.retention.service import Retention, RetentionPolicy


def build(kernel: Kernel) -> Feature:
    settings = kernel.settings
    retention = Retention(
        kernel.sessions,
        kernel.clock,
        RetentionPolicy(
            slack_events=timedelta(hours=settings.retention_slack_events_hours),
            alert_payloads=timedelta(days=settings.retention_alert_payload_days),
            interval=timedelta(minutes=settings.retention_interval_minutes),
        ),
        kernel.wake,
    )
    return Feature("retention", timers=[retention], seed=[retention.seed])
