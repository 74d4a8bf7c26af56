"""The loaded configuration as plain values, with the lookups the rest of the bot needs.

Schedules and escalation policies are the on-call core's own values (``bot.oncall.domain``); users
and services are defined here. Every user reference inside a ``Config`` is canonical: the person's
Slack id when the config gives one, else their lower-cased email, so the core can compare them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.oncall.domain.maintenance import Window
from bot.oncall.domain.schedule import Override, Schedule
from bot.paging.domain.escalation import EscalationPolicy, Urgency
from bot.paging.domain.rules import SLACK, NotificationRules


@dataclass(frozen=True)
class PagerDutyChannel:
    """PagerDuty Events API v2; the routing key is read from the setting named here."""

    routing_key_setting: str


@dataclass(frozen=True)
class OpsgenieChannel:
    """Opsgenie Alert API; the API key is read from the setting named here."""

    api_key_setting: str


@dataclass(frozen=True)
class WebhookChannel:
    """A generic webhook, signed with the secret read from the setting named here."""

    url: str
    secret_setting: str


@dataclass(frozen=True)
class SmsChannel:
    """A text message through Twilio to ``phone`` (E.164, e.g. ``+4915123456789``); the
    account and sender number are settings (``TWILIO_*``), shared by everyone."""

    phone: str


@dataclass(frozen=True)
class VoiceChannel:
    """A phone call through Twilio to ``phone`` (E.164); pressing 1 acknowledges."""

    phone: str


NotificationChannel = (
    PagerDutyChannel | OpsgenieChannel | WebhookChannel | SmsChannel | VoiceChannel
)


def channel_name(channel: object) -> str:
    """A channel's name as ``users.yaml`` writes it under ``notify:`` (``PagerDutyChannel`` is
    ``pagerduty``): the contact that notification rules and deliveries name."""
    return type(channel).__name__.removesuffix("Channel").lower()


@dataclass(frozen=True)
class User:
    """A person who can be paged: by Slack DM always, and by ``channels``, the extra ways; when
    and in which order is up to their ``rules`` (without rules: all at once)."""

    name: str
    slack_id: str | None
    email: str | None
    time_zone: str | None
    channels: tuple[NotificationChannel, ...] = ()
    rules: NotificationRules = field(default_factory=NotificationRules)

    @property
    def ref(self) -> str:
        """The canonical reference used in schedules and policies inside a ``Config``."""
        return canonical_ref(self.slack_id, self.email)

    @property
    def contacts(self) -> tuple[str, ...]:
        """Every contact a rule may name: ``slack``, then the channels' names."""
        return (SLACK, *(channel_name(c) for c in self.channels))


def canonical_ref(slack_id: str | None, email: str | None) -> str:
    if slack_id:
        return slack_id
    if email:
        return email.lower()
    raise ValueError("a user needs a slack_id or an email")


@dataclass(frozen=True)
class Service:
    name: str
    escalation_policy: str
    description: str = ""
    urgency: Urgency = Urgency.HIGH
    team_channel: str | None = None
    playbooks: tuple[str, ...] = ()
    maintenance: tuple[Window, ...] = ()  # planned in services.yaml


@dataclass(frozen=True)
class Config:
    """Everything in the config folder, valid (``load_config`` refuses anything else).

    ``overrides`` holds the overrides written in ``schedules.yaml``, by schedule name; the ones made
    with ``/oncall override`` live in the database and are added by the caller. ``usergroups``:
    the Slack user group handle (``slack_usergroup``) of each schedule that names one.
    """

    users: tuple[User, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    services: tuple[Service, ...] = ()
    overrides: Mapping[str, tuple[Override, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    usergroups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    _users: Mapping[str, User] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, User] = {}
        for user in self.users:
            if user.slack_id:
                index[user.slack_id] = user
            if user.email:
                index[user.email.lower()] = user
        object.__setattr__(self, "_users", MappingProxyType(index))
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "usergroups", MappingProxyType(dict(self.usergroups)))

    @property
    def schedules_by_name(self) -> Mapping[str, Schedule]:
        """For ``bot.oncall.domain.resolve_targets``."""
        return MappingProxyType({s.name: s for s in self.schedules})

    def user(self, ref: str) -> User | None:
        """The user with this Slack id or email (emails compare case-insensitively)."""
        return self._users.get(ref) or self._users.get(ref.lower())

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)

    @property
    def maintenance(self) -> tuple[Window, ...]:
        """The maintenance windows planned in ``services.yaml``, every service's."""
        return tuple(w for s in self.services for w in s.maintenance)

    def escalation_policy(self, name: str) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def schedule_overrides(self, name: str) -> tuple[Override, ...]:
        return self.overrides.get(name, ())

    def schedule_usergroup(self, name: str) -> str | None:
        """The handle of the Slack user group kept in step with the schedule's on-call."""
        return self.usergroups.get(name)
