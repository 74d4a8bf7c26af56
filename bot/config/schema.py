"""The shape of each config file, as pydantic models: types only, meaning is checked in ``rules``.

Every model forbids unknown fields, so a typo (``dealy_minutes``) is an error with its line rather
than a silently ignored setting. Items are validated one at a time so that one bad schedule does
not hide the errors in the others.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from bot.kernel.yamlsource import Strict


def _instant_text(value: Any) -> Any:
    # pydantic would read a bare number as seconds since 1970: never what a config author meant.
    if isinstance(value, bool | int | float):
        raise ValueError("expected a date and time such as 2024-01-01 09:00, not a number")
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001  (local, zone applied later)
    return value


DateTime = Annotated[datetime, BeforeValidator(_instant_text)]


class PagerDutyModel(Strict):
    routing_key_setting: str


class OpsgenieModel(Strict):
    api_key_setting: str


class WebhookModel(Strict):
    url: str
    secret_setting: str


class PhoneModel(Strict):
    phone: str


class NotifyModel(Strict):
    pagerduty: PagerDutyModel | None = None
    opsgenie: OpsgenieModel | None = None
    webhook: WebhookModel | None = None
    sms: PhoneModel | None = None
    voice: PhoneModel | None = None


class RuleModel(Strict):
    contact: str  # slack, or a channel of the user's notify block
    after_minutes: int = 0


class NotificationRulesModel(Strict):
    high: list[RuleModel] | None = None
    low: list[RuleModel] | None = None


class UserModel(Strict):
    name: str
    slack_id: str | None = None
    email: str | None = None
    tz: str | None = None
    notify: NotifyModel = NotifyModel()
    notification_rules: NotificationRulesModel | None = None


class RestrictionModel(Strict):
    daily: str | None = None
    weekly: str | None = None


class LayerModel(Strict):
    name: str
    users: list[str]
    rotation_virtual_start: DateTime
    turn: str
    restrictions: list[RestrictionModel] = []
    start: DateTime | None = None
    end: DateTime | None = None


class OverrideModel(Strict):
    user: str
    start: DateTime
    end: DateTime


class ScheduleModel(Strict):
    name: str
    time_zone: str
    layers: list[LayerModel]
    overrides: list[OverrideModel] = []
    slack_usergroup: str | None = None  # a handle: warroom keeps whoever is on call in it


class TargetModel(Strict):
    user: str | None = None
    schedule: str | None = None


class LevelModel(Strict):
    delay_minutes: int
    targets: list[TargetModel]
    invite: Literal["on_page", "on_acknowledge"] = "on_acknowledge"


class PolicyModel(Strict):
    name: str
    repeat: int = 0
    levels: list[LevelModel]


class MaintenanceModel(Strict):
    start: DateTime
    end: DateTime
    reason: str = ""


class ServiceModel(Strict):
    name: str
    escalation_policy: str
    description: str = ""
    urgency: Literal["high", "low"] = "high"
    team_channel: str | None = None
    playbooks: list[str] = []
    maintenance: list[MaintenanceModel] = []
