"""Settings from the environment and ``.env`` (DESIGN.md §2).

Secrets are ``SecretStr``, so they are never logged or printed by accident.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.severity import Severity


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    database_url: str = "sqlite:///warroom.db"
    config_dir: Path = Path("config")
    config_reload_seconds: float = Field(default=10.0, gt=0)
    playbooks_dir: Path = Path("playbooks")
    extra_playbooks_dir: Path | None = None

    host: str = "0.0.0.0"
    port: int = Field(default=3000, validation_alias="PORT")
    public_url: str = "http://localhost:3000"
    log_level: str = "INFO"

    reminder_minutes_sev1: int = Field(default=15, gt=0)
    reminder_minutes_sev2: int = Field(default=30, gt=0)
    reminder_minutes_sev3: int = Field(default=60, gt=0)
    reminder_minutes_sev4: int = Field(default=60, gt=0)

    # On-call: DM the outgoing and incoming engineers this long before each shift boundary;
    # ICAL_SECRET signs the calendar feed tokens (unset: no feeds).
    handoff_reminder_minutes: int = Field(default=30, gt=0)
    ical_secret: SecretStr | None = None

    # Pager providers: regions and test fakes are a URL away; credentials are named in users.yaml.
    pagerduty_events_url: str = "https://events.pagerduty.com"
    opsgenie_api_url: str = "https://api.opsgenie.com"
    # Each delivery's own retries; keep the budget under TIMER_LEASE_SECONDS. The durable timer
    # retries a failed delivery again later, with backoff, before reporting it.
    notify_max_attempts: int = Field(default=4, gt=0)
    notify_time_budget_seconds: float = Field(default=30.0, gt=0)

    timer_sweep_seconds: float = Field(default=5.0, gt=0)
    timer_lease_seconds: float = Field(default=60.0, gt=0)
    timer_backoff_base_seconds: float = Field(default=2.0, gt=0)
    timer_max_attempts: int = Field(default=8, gt=0)

    def reminder_minutes(self, severity: Severity) -> int:
        return {
            Severity.SEV1: self.reminder_minutes_sev1,
            Severity.SEV2: self.reminder_minutes_sev2,
            Severity.SEV3: self.reminder_minutes_sev3,
            Severity.SEV4: self.reminder_minutes_sev4,
        }[severity]
