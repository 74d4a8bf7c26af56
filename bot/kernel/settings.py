"""Settings from the environment and ``.env`` (the README lists each one).

Secrets are ``SecretStr``, so they are never logged or printed by accident.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SOURCE_TREE = Path(__file__).resolve().parents[2]  # a checkout, or an editable install


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
    # Twilio (SMS and voice pages, users.yaml notify.sms/voice): the account, its auth token (also
    # verifies Twilio's webhooks) and the sender number; TWILIO_API_URL points at a fake in tests.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # Each delivery's own retries; keep the budget under TIMER_LEASE_SECONDS. The durable timer
    # retries a failed delivery again later, with backoff, before reporting it.
    notify_max_attempts: int = Field(default=4, gt=0)
    notify_time_budget_seconds: float = Field(default=30.0, gt=0)

    # Playbook actions (bot.playbooks.actions). Credentials live here, never in playbooks; a step
    # that needs an unset one fails naming the setting. Every call: these timeouts, up to
    # ACTIONS_MAX_ATTEMPTS attempts with backoff (Retry-After honoured) within the time budget
    # (keep it under TIMER_LEASE_SECONDS).
    actions_connect_timeout_seconds: float = Field(default=3.0, gt=0)
    actions_read_timeout_seconds: float = Field(default=10.0, gt=0)
    actions_max_attempts: int = Field(default=3, gt=0)
    actions_retry_base_seconds: float = Field(default=0.5, ge=0)
    actions_time_budget_seconds: float = Field(default=30.0, gt=0)
    # LaunchDarkly: an API access token with writer rights on the project.
    launchdarkly_api_url: str = "https://app.launchdarkly.com"
    launchdarkly_api_token: SecretStr | None = None
    # Unleash: the server's URL (no default) and an admin or personal access token.
    unleash_api_url: str | None = None
    unleash_api_token: SecretStr | None = None
    # Flagsmith: an organisation (Admin API) key; the environment key comes from the step.
    flagsmith_api_url: str = "https://api.flagsmith.com"
    flagsmith_api_key: SecretStr | None = None
    # Generic HTTP flag provider: bearer token sent to the step's flag URL.
    flag_http_token: SecretStr | None = None
    # Kubernetes: API server URL and bearer token; unset, the in-cluster service account
    # (KUBERNETES_SERVICE_HOST/PORT and the token and ca.crt in the folder below) is used.
    kubernetes_api_url: str | None = None
    kubernetes_token: SecretStr | None = None
    kubernetes_ca_file: Path | None = None
    kubernetes_service_account_dir: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount")
    kubernetes_max_replicas: int = Field(default=50, ge=0)

    # Post-mortems: drafted from the Jinja2 templates in POSTMORTEM_TEMPLATES_DIR; approval needs
    # this many channel members other than the version's authors; the approved Markdown is written
    # to POSTMORTEM_EXPORT_DIR and, when POSTMORTEM_WEBHOOK_URL is set, posted there signed with
    # POSTMORTEM_WEBHOOK_SECRET. POSTMORTEM_LINK_SECRET signs the review page links (unset: one is
    # derived from SLACK_SIGNING_SECRET); a link works for POSTMORTEM_LINK_HOURS.
    postmortem_templates_dir: Path = Path("postmortems")
    postmortem_reviewers_required: int = Field(default=1, ge=1)
    postmortem_export_dir: Path = Path("postmortems/published")
    postmortem_webhook_url: str | None = None
    postmortem_webhook_secret: SecretStr | None = None
    postmortem_link_secret: SecretStr | None = None
    postmortem_link_hours: float = Field(default=168.0, gt=0)
    # Follow-ups: action items exported to the tracker postmortems/config.yaml names per service.
    # GITHUB_WEBHOOK_SECRET verifies GitHub's issues webhook (closing an issue marks it done).
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: SecretStr | None = None
    # Linear (GraphQL) follow-ups: a personal API key; polled every FOLLOWUP_POLL_SECONDS.
    linear_api_key: SecretStr | None = None
    linear_api_url: str = "https://api.linear.app"
    followup_poll_seconds: float = Field(default=900.0, gt=0)
    # Jira Cloud follow-ups: the site (https://acme.atlassian.net), an account's email, its token.
    jira_base_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None

    # Inbound alerts (docs/alerts.md): each source is enabled by a bearer token and/or an HMAC
    # secret; a source with neither answers 401 naming these settings. Alerts of one route and
    # service arriving within the grouping window join the open incident (0: never merge).
    alerts_alertmanager_token: SecretStr | None = None
    alerts_alertmanager_hmac_secret: SecretStr | None = None
    alerts_grafana_token: SecretStr | None = None
    alerts_grafana_hmac_secret: SecretStr | None = None
    alerts_generic_token: SecretStr | None = None
    alerts_generic_hmac_secret: SecretStr | None = None
    alerts_grouping_window_minutes: float = Field(default=30.0, ge=0)
    alerts_max_body_bytes: int = Field(default=1_000_000, gt=0)

    # Heartbeat monitors (heartbeats.yaml): POST /webhooks/heartbeat/<name> needs
    # 'Authorization: Bearer <HEARTBEATS_TOKEN>'; unset, every beat is refused (401).
    heartbeats_token: SecretStr | None = None

    # Atlassian Statuspage (docs/communications.md), used only for updates whose author chose
    # "publish to Statuspage too": the page, an API key, and the component id of each service
    # ("checkout-api=8kbf7d35c070,search=k7730b5v92bv").
    statuspage_api_url: str = "https://api.statuspage.io/v1"
    statuspage_page_id: str | None = None
    statuspage_api_key: SecretStr | None = None
    statuspage_components: str = ""

    # Retention (bot/retention/service.py), pruned once per interval by one replica: Slack event
    # ids (Slack retries within minutes; an hour is the floor) and processed alert payloads
    # (pending and failed ones are always kept).
    retention_slack_events_hours: float = Field(default=24.0, ge=1)
    retention_alert_payload_days: float = Field(default=30.0, gt=0)
    retention_interval_minutes: float = Field(default=60.0, gt=0)

    # The web app (/incidents, docs/insights.md): Sign in with Slack (OpenID Connect) with the
    # Slack app's client id and secret; SLACK_OPENID_URL is Slack's (a fake in tests and `warroom
    # dev`). Only SLACK_TEAM_ID's members get in (unset: the bot token's workspace). Sessions are
    # signed cookies lasting WEB_SESSION_HOURS, signed with WEB_SESSION_SECRET (unset: one derived
    # from SLACK_SIGNING_SECRET).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_openid_url: str = "https://slack.com"
    slack_team_id: str | None = None
    web_session_secret: SecretStr | None = None
    web_session_hours: float = Field(default=12.0, gt=0)

    # A call room per incident, linked on the card and the announcement (unset: no link), e.g.
    # https://meet.jit.si/warroom-{channel}; placeholders {number}, {channel}, {slug}, checked at
    # start (bot/incidents/domain/call_link.py).
    incident_call_url_template: str | None = None

    timer_sweep_seconds: float = Field(default=5.0, gt=0)
    timer_lease_seconds: float = Field(default=60.0, gt=0)
    timer_backoff_base_seconds: float = Field(default=2.0, gt=0)
    timer_max_attempts: int = Field(default=8, gt=0)

    @field_validator("playbooks_dir", "postmortem_templates_dir")
    @classmethod
    def _shipped_folder(cls, folder: Path) -> Path:
        """A relative folder missing here falls back to the one shipped in the source tree, so
        ``warroom dev`` run from any folder still has the shipped playbooks and templates."""
        if folder.is_absolute() or folder.exists():
            return folder
        shipped = SOURCE_TREE / folder
        return shipped if shipped.is_dir() else folder

    def reminder_minutes(self, severity: str) -> int:
        """Minutes between status reminders for an incident of ``severity`` ("SEV1".."SEV4")."""
        return {
            "SEV1": self.reminder_minutes_sev1,
            "SEV2": self.reminder_minutes_sev2,
            "SEV3": self.reminder_minutes_sev3,
            "SEV4": self.reminder_minutes_sev4,
        }[severity]
